"""One activity as the API shows it: its header, its detail and its statistics, serialised once at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from mockserver.world.items import ItemSource
from mockserver.world.vocabulary import RUN_PROFILE

HEADER_FIELDS = (
    "id",
    "created",
    "executed",
    "status",
    "targetType",
    "targetOperationType",
    "targetName",
    "targetContext",
    "message",
    "initiatedByType",
    "initiatedById",
    "initiatedByName",
    "objectsToProcess",
    "objectsProcessed",
    "executionTime",
    "totalActivityTime",
    "connectedSystemRunType",
)
"""The header's own fields, in the documented order; the totals and childActivityCount follow them."""

DETAIL_FIELDS = (
    "connectedSystemId",
    "connectedSystemRunProfileId",
    "syncRuleId",
    "metaverseObjectId",
    "warningMessage",
    "errorMessage",
    "errorStackTrace",
)
"""The detail-only fields after childActivityCount; parentActivityId follows id and executionStats comes last."""


@dataclass(frozen=True)
class Activity:
    id: str
    parent_id: str | None
    created: datetime
    executed: datetime | None
    fields: Mapping[str, Any]
    """Every documented field that is not computed: HEADER_FIELDS and DETAIL_FIELDS."""
    items: ItemSource | None
    totals: Mapping[str, int]
    stats: Mapping[str, int] | None
    """The execution statistics: run profile activities only."""
    children: tuple[str, ...]
    """The ids of the child activities, in (created, id) order."""
    header_json: bytes
    detail_json: bytes
    stats_json: bytes | None

    @property
    def is_run_profile(self) -> bool:
        return bool(self.fields["targetType"] == RUN_PROFILE)

    @property
    def item_count(self) -> int:
        return self.items.count if self.items else 0


def build_activity(
    *,
    activity_id: str,
    parent_id: str | None,
    created: datetime,
    executed: datetime | None,
    fields: Mapping[str, Any],
    items: ItemSource | None,
    totals: Mapping[str, int],
    stats: Mapping[str, int] | None,
    children: tuple[str, ...],
) -> Activity:
    """The activity with its JSON bodies, each built once: 200 bodies are bytes that never change."""
    header = {**{name: fields[name] for name in HEADER_FIELDS}, **totals, "childActivityCount": len(children)}
    detail = {
        "id": activity_id,
        "parentActivityId": parent_id,
        **{name: value for name, value in header.items() if name != "id"},
        **{name: fields[name] for name in DETAIL_FIELDS},
        "executionStats": stats,
    }
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
        header_json=orjson.dumps(header),
        detail_json=orjson.dumps(detail),
        stats_json=orjson.dumps(stats) if stats is not None else None,
    )
