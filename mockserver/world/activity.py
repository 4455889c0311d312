"""One activity as the API shows it: every field computed once, its header, detail and statistics serialised once in
the profile's shape."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import orjson

from mockserver.world.items.source import ItemSource
from mockserver.world.shapes import SCHEDULE_FIELDS, Shape
from mockserver.world.vocabulary import RUN_PROFILE


class Listed(Protocol):
    """What the activity list reads of an activity (its sorts, filters, search and rows): an Activity, or a started
    run's row once it has ended (world/runs/listed.py)."""

    @property
    def id(self) -> str: ...
    @property
    def parent_id(self) -> str | None: ...
    @property
    def created(self) -> datetime: ...
    @property
    def executed(self) -> datetime | None: ...
    @property
    def status(self) -> str: ...
    @property
    def fields(self) -> Mapping[str, Any]: ...
    @property
    def totals(self) -> Mapping[str, int]: ...
    @property
    def children(self) -> tuple[str, ...]: ...
    @property
    def attribution(self) -> Mapping[str, Any]: ...
    @property
    def header_json(self) -> bytes: ...


@dataclass(frozen=True)
class Activity:
    id: str
    parent_id: str | None
    created: datetime
    executed: datetime | None
    fields: Mapping[str, Any]
    """Every field of the record that is not a figure, as it stands (a live run's move with the clock)."""
    items: ItemSource | None
    totals: Mapping[str, int]
    stats: Mapping[str, Any] | None
    """The execution statistics: run profile activities only."""
    children: tuple[str, ...]
    """The ids of the child activities, in (created, id) order."""
    phases: Sequence[Mapping[str, Any]]
    """The run's steps (world/runs/phases.py); none for other activities."""
    attribution: Mapping[str, Any]
    """Which schedule execution ran it, as which step (world/runs/schedules.py); all null when none did."""
    operation_counts: Mapping[str, int]
    """Items by change type, named as the profile names them, in JIM's order, zeros left out."""
    rate: float | None
    """Objects a second while it runs, for a run that moves with the clock; otherwise None."""
    header_json: bytes
    detail_json: bytes
    stats_json: bytes | None

    @property
    def is_run_profile(self) -> bool:
        return bool(self.fields["targetType"] == RUN_PROFILE)

    @property
    def item_count(self) -> int:
        return self.items.count if self.items else 0

    @property
    def status(self) -> str:
        return str(self.fields["status"])


def build_activity(
    *,
    shape: Shape,
    activity_id: str,
    parent_id: str | None,
    created: datetime,
    executed: datetime | None,
    fields: Mapping[str, Any],
    items: ItemSource | None,
    totals: Mapping[str, int],
    stats: Mapping[str, Any] | None,
    children: tuple[str, ...],
    phases: Sequence[Mapping[str, Any]] = (),
    attribution: Mapping[str, Any] | None = None,
    operation_counts: Mapping[str, int] | None = None,
    rate: float | None = None,
) -> Activity:
    """The activity with its JSON bodies, each built once: 200 bodies are bytes that never change."""
    attribution = {**dict.fromkeys(SCHEDULE_FIELDS), **(attribution or {})}
    values = {
        **fields,
        "id": activity_id,
        "parentActivityId": parent_id,
        **totals,
        "childActivityCount": len(children),
        **attribution,
        "executionStats": {name: stats[name] for name in shape.stats} if stats is not None else None,
        "phases": list(phases),
        "configurationChangeSnapshot": None,
    }
    header = {name: values[name] for name in shape.header}
    if not shape.counts_children_in_rows:
        header["childActivityCount"] = 0
    return Activity(
        id=activity_id,
        parent_id=parent_id,
        created=created,
        executed=executed,
        fields=fields,
        items=items,
        totals=totals,
        stats=stats,
        children=children,
        phases=phases,
        attribution=attribution,
        operation_counts=operation_counts or {},
        rate=rate,
        header_json=kept(orjson.dumps(header)),
        detail_json=kept(orjson.dumps({name: values[name] for name in shape.detail})),
        stats_json=kept(orjson.dumps(values["executionStats"])) if stats is not None else None,
    )


def kept(body: bytes) -> bytes:
    """A copy of exactly its length, for a body kept long: orjson's own result keeps its whole working buffer
    (several KB, whatever the body's size) for as long as it is kept."""
    return bytes(memoryview(body))
