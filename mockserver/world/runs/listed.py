"""A sandbox's started runs as the activity list and the worker tasks read them, at the cost of the runs that move.

A run that has ended never changes again (a cancel stops only a run in progress), so it is listed as a small row,
built once: what the list's sorts, filters and search read, with its header rendered only when a page shows it. It
keeps no items, steps or detail, so 10,000 finished runs cost little memory and no work per request. The runs still
in progress (usually a few) are read afresh at every reading of the clock. A cancel the sandbox's log brings for a
run already listed as ended (a replica whose clock ran a little ahead) puts it back among the moving ones.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from mockserver.world.activity import Activity, Listed
from mockserver.world.runs.client_state import ClientState
from mockserver.world.runs.run_activity import RunActivities, State, attribution
from mockserver.world.runs.started import StartedRun
from mockserver.world.shapes import SCHEDULE_FIELDS

LISTED_FIELDS = (
    "targetType",
    "initiatedByType",
    "targetOperationType",
    "status",
    "targetContext",
    "targetName",
    "initiatedById",
    "initiatedByName",
)
"""The fields the list's sorts, filters and search read (world/listing.py, world/filters.py)."""


class Values(Mapping[str, Any]):
    """A read-only mapping over a tuple of values, its keys shared by every row: a fraction of a dict's memory."""

    __slots__ = ("keys_at", "values_")

    def __init__(self, keys_at: Mapping[str, int], values: tuple[Any, ...]) -> None:
        self.keys_at = keys_at
        self.values_ = values

    def __getitem__(self, key: str) -> Any:
        return self.values_[self.keys_at[key]]

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys_at)

    def __len__(self) -> int:
        return len(self.keys_at)


class Keys:
    """One shared key index per set of keys (every run's totals have the same names, in the same order)."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, ...], Mapping[str, int]] = {}
        self._empty: dict[tuple[str, ...], Values] = {}

    def values(self, given: Mapping[str, Any]) -> Values:
        names, values = tuple(given), tuple(given.values())
        index = self._known.get(names)
        if index is None:
            index = self._known[names] = {name: n for n, name in enumerate(names)}
        if not any(value is not None for value in values):
            # All null (a run no schedule queued): one mapping for every such row.
            empty = self._empty.get(names)
            if empty is None:
                empty = self._empty[names] = Values(index, values)
            return empty
        return Values(index, values)


class RunRow:
    """An ended run as the list reads it, made without its items: its totals (for the outcome filter, then kept) and
    its header are read from its activity, built again when asked for (and kept a while), since an ended run reads the
    same at any later second."""

    __slots__ = ("_totals", "at", "attribution", "created", "executed", "fields", "id", "keys", "run", "source")
    parent_id = None
    children: tuple[str, ...] = ()

    def __init__(self, run: StartedRun, state: State, at: float, keys: Keys, source: RunActivities) -> None:
        created, executed, fields = source.opening(run, state)
        self.id = run.activity_id
        self.created: datetime = created
        self.executed: datetime | None = executed
        self.fields = keys.values({name: fields[name] for name in LISTED_FIELDS})
        given = attribution(run.schedule) if run.schedule is not None else {}
        self.attribution = keys.values({**dict.fromkeys(SCHEDULE_FIELDS), **given})
        self.run, self.at, self.source, self.keys = run, at, source, keys
        self._totals: Values | None = None

    @property
    def status(self) -> str:
        return str(self.fields["status"])

    @property
    def totals(self) -> Mapping[str, int]:
        """Read once, when the outcome filter first asks, and kept: the filter reads every row at each request."""
        if self._totals is None:
            self._totals = self.keys.values(self.source.activity(self.run, self.at).totals)
        return self._totals

    @property
    def header_json(self) -> bytes:
        return self.source.activity(self.run, self.at).header_json


class StartedListing:
    """One sandbox's runs: ended ones as rows kept, moving ones read at each reading of the clock."""

    def __init__(self, client: ClientState, activities: RunActivities) -> None:
        self.client = client
        self.activities = activities
        self.keys = Keys()
        self.ended: dict[str, RunRow] = {}
        self.moving: dict[str, None] = {}
        """The ids of the runs not yet seen to end, in the order they started."""
        self.started_seen = 0
        self.cancels_seen = 0

    def take_in(self) -> None:
        """Runs started, and cancels taken, since the last reading."""
        runs = self.client.own
        for run in runs.started_since(self.started_seen):
            self.moving[run.activity_id] = None
            self.started_seen += 1
        for activity_id in runs.cancelled_since(self.cancels_seen):
            self.cancels_seen += 1
            if self.ended.pop(activity_id, None) is not None:
                self.moving[activity_id] = None

    def read(self, elapsed: float) -> tuple[list[tuple[StartedRun, Activity]], Sequence[Listed]]:
        """(the runs still in progress with their activities, oldest first; the ended runs, as rows or, for the
        scheduler's, which it may forget, as activities)."""
        self.take_in()
        runs = self.client.runs
        going: list[tuple[StartedRun, Activity]] = []
        fired_ended: list[Listed] = []
        for fired in self.client.fired(elapsed):
            activity = self.activities.activity(fired, elapsed)
            if activity.status == "InProgress":
                going.append((fired, activity))
            else:
                fired_ended.append(activity)
        for activity_id in list(self.moving):
            run = runs.get(activity_id)
            assert run is not None
            state, _, ended = self.activities.state(run, elapsed)
            if not ended:
                going.append((run, self.activities.activity(run, elapsed)))
                continue
            del self.moving[activity_id]
            self.ended[activity_id] = RunRow(run, state, elapsed, self.keys, self.activities)
        going.sort(key=lambda found: found[0].started)  # stable: in the order they started, second by second
        return going, [*self.ended.values(), *fired_ended]
