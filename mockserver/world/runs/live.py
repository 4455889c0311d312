"""Runs in progress that move with the clock: a fixture gives a run's state as of the world's start (`live.asOf`),
and the run goes on from there to its end, `live_run_seconds` later, at a steady rate.

While it runs, objects processed and items recorded grow in proportion to the time gone (the items are the first
of the run's final items, so an item once seen never changes), its message counts them, and its step in progress
stays active. At its end it takes its final status and message, its times, and JIM's closing of the steps (the
running one ends, those never reached are skipped); a parent in progress whose running children have all ended
ends with them. Every state is a function of the clock's reading alone, built once and kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mockserver.world.activity import Activity
from mockserver.world.times import timespan


@dataclass(frozen=True)
class Moment:
    """How one live activity stands at some reading of the clock."""

    fields: Mapping[str, Any]
    """Its record's fields as they are now."""
    items: int | None
    """How many of its final items it has recorded (None: it has none)."""
    ended: datetime | None
    """When it ended, once it has."""
    rate: float | None
    """Objects a second while it runs."""


@dataclass(frozen=True)
class LiveActivity:
    """A live record: where it stood at the world's start and how it ends."""

    id: str
    fields: Mapping[str, Any]
    created: datetime
    executed: datetime
    final_status: str
    final_message: str
    progress_message: str | None
    items_at_start: int | None
    final_items: int | None
    runs: bool
    """True for a run that processes objects; False for a parent that ends when its live children do."""

    def moment(self, elapsed: float, duration: float, start: datetime) -> Moment:
        done = elapsed >= duration
        fields = dict(self.fields)
        rate = None
        items = self.items_at_start
        if self.runs:
            first, total = fields["objectsProcessed"], fields["objectsToProcess"]
            processed = total if done else first + math.floor((total - first) * elapsed / duration)
            fields["objectsProcessed"] = processed
            if self.final_items is not None and self.items_at_start is not None:
                gained = self.final_items - self.items_at_start
                items = self.final_items if done else self.items_at_start + math.floor(gained * elapsed / duration)
            if not done:
                rate = (total - first) / duration
                if self.progress_message is not None:
                    fields["message"] = self.progress_message.format(processed=f"{processed:,}", total=f"{total:,}")
        if not done:
            return Moment(fields, items, None, rate)
        ended = start + timedelta(seconds=duration)
        fields.update(
            status=self.final_status,
            message=self.final_message,
            executionTime=timespan(ended - self.executed),
            totalActivityTime=timespan(ended - self.created),
        )
        return Moment(fields, items, ended, None)


class Live:
    """Every live activity's state for a reading of the clock: the activities that moved, built once per state."""

    def __init__(
        self,
        live: Sequence[LiveActivity],
        start: datetime,
        duration: float,
        assemble: Callable[[str, Moment], Activity],
    ) -> None:
        self.live = tuple(live)
        self.ids = frozenset(activity.id for activity in live)
        self.start = start
        self.duration = duration
        self.assemble = assemble
        self._states: dict[tuple[Any, ...], Mapping[str, Activity]] = {}

    def activities(self, elapsed: float) -> tuple[tuple[Any, ...], Mapping[str, Activity]]:
        """(a key naming this state, the live activities as they stand `elapsed` seconds after the start)."""
        moments = {activity.id: activity.moment(elapsed, self.duration, self.start) for activity in self.live}
        key = tuple((m.fields["objectsProcessed"], m.items, m.ended) for m in moments.values())
        state = self._states.get(key)
        if state is None:
            state = {activity_id: self.assemble(activity_id, moment) for activity_id, moment in moments.items()}
            self._states[key] = state
        return key, state
