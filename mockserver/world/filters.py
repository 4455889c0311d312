"""The activity list's filters, as JIM's list applies them: every one optional, AND across, OR within a repeated one.

Read from JIM.PostgresData/Repositories/ActivitiesRepository.cs (BuildTopLevelActivitiesQuery). A filter left
empty filters nothing; a text one given as empty holds a null, which no activity's text equals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime

from mockserver.world.activity import Listed


@dataclass(frozen=True)
class ListFilter:
    """What a request to the list asked for; a field left at its default filters nothing."""

    target_type: tuple[str, ...] = ()
    initiator_type: tuple[str, ...] = ()
    operation: tuple[str, ...] = ()
    outcome: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    initiated_by_id: str | None = None
    has_child_activities: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    connected_system: tuple[str | None, ...] = ()
    run_profile: tuple[str | None, ...] = ()
    initiated_by: str | None = None
    scheduled_only: bool | None = None
    schedule_id: tuple[str, ...] = ()

    def tests(self) -> list[Callable[[Listed], bool]]:
        """One test per filter given; an activity is listed when it passes them all."""
        found: list[Callable[[Listed], bool]] = []
        field = self.field_test
        for name, values in (
            ("targetType", self.target_type),
            ("initiatedByType", self.initiator_type),
            ("targetOperationType", self.operation),
            ("status", self.status),
            ("targetContext", self.connected_system),
            ("targetName", self.run_profile),
        ):
            if values:
                found.append(field(name, values))
        if self.outcome:
            # JIM's ListedOutcomeType: an activity has the outcome when its counter `total` + the name is above 0.
            found.append(lambda a: any(a.totals[f"total{name}"] > 0 for name in self.outcome))
        if self.initiated_by_id is not None:
            found.append(lambda a: a.fields["initiatedById"] == self.initiated_by_id)
        if self.has_child_activities is not None:
            found.append(lambda a: bool(a.children) == self.has_child_activities)
        if self.created_from is not None:
            found.append(lambda a: self.created_from is not None and a.created >= self.created_from)
        if self.created_to is not None:
            found.append(lambda a: self.created_to is not None and a.created <= self.created_to)
        if self.initiated_by is not None and self.initiated_by.strip():
            needle = self.initiated_by.lower()
            found.append(
                lambda a: a.fields["initiatedByName"] is not None and needle in a.fields["initiatedByName"].lower()
            )
        if self.scheduled_only is not None:
            found.append(lambda a: (a.attribution["scheduledByScheduleId"] is not None) == self.scheduled_only)
        if self.schedule_id:
            found.append(lambda a: a.attribution["scheduledByScheduleId"] in self.schedule_id)
        return found

    @staticmethod
    def field_test(name: str, values: tuple[str | None, ...]) -> Callable[[Listed], bool]:
        # A null never matches: JIM's query asks `field != null && values.Contains(field)`.
        wanted = frozenset(value for value in values if value is not None)
        return lambda a: a.fields[name] in wanted


NO_FILTER = ListFilter()
FILTER_FIELDS = tuple(field.name for field in fields(ListFilter))
