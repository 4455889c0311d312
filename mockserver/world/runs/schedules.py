"""Schedule attribution: the steps a schedule execution ran say which schedule and which execution, as which step.

A schedule execution's record names its schedule and execution (`"schedule": {"id", "executionId"}`); its
children's attribution follows from that, the schedule's name (the execution's targetName, captured when the
step was created) and their creation order, so no fixture repeats it. JIM copies the same four values onto
each Activity a scheduled step creates (JIM.Application/Servers/TaskingServer.cs).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SCHEDULE = "Schedule"


class ScheduleError(ValueError):
    """A record's `schedule` that does not fit: `index` is the record's."""

    def __init__(self, index: int, problem: str) -> None:
        super().__init__(problem)
        self.index = index


@dataclass(frozen=True)
class Execution:
    schedule_id: str
    execution_id: str
    schedule_name: str | None


def executions(records: Sequence[Mapping[str, Any]]) -> dict[str, Execution]:
    """Each schedule execution by its activity id; ScheduleError for the first record that does not fit."""
    found: dict[str, Execution] = {}
    names: dict[str, str | None] = {}
    used: set[str] = set()
    for index, record in enumerate(records):
        schedule = record.get("schedule")
        if schedule is None:
            continue
        if record["targetType"] != SCHEDULE or record["targetOperationType"] != "Execute":
            raise ScheduleError(index, "only a schedule execution (targetType Schedule, Execute) runs a schedule")
        name = record.get("targetName")
        if names.setdefault(schedule["id"], name) != name:
            raise ScheduleError(index, f"schedule {schedule['id']} is named {names[schedule['id']]!r} elsewhere")
        if schedule["executionId"] in used:
            raise ScheduleError(index, f"execution {schedule['executionId']} is another activity's")
        used.add(schedule["executionId"])
        found[record["id"]] = Execution(schedule["id"], schedule["executionId"], name)
    return found


def attribution(execution: Execution, step: int) -> dict[str, Any]:
    """The four fields of step `step` (0-based) of `execution`."""
    return {
        "scheduleExecutionId": execution.execution_id,
        "scheduleStepIndex": step,
        "scheduledByScheduleId": execution.schedule_id,
        "scheduledByScheduleName": execution.schedule_name,
    }
