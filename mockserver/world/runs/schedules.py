"""Schedule attribution: the runs a schedule execution queued say which schedule and which execution, as which step.

JIM files no activity for a schedule or its execution: each step's run is an ordinary top-level Run Profile
activity onto which TaskingServer.CreateActivityFromWorkerTaskAsync copies the execution's id, the step's index and
the schedule's id and name (src/JIM.Application/Servers/TaskingServer.cs). A fixture run gives its execution and
step (`"schedule": {"executionId", "step"}`); the execution, in schedules.json, gives the schedule, so no fixture
repeats the schedule's id or name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Execution:
    schedule_id: str
    execution_id: str
    schedule_name: str | None
    run_profiles: tuple[int, ...] = ()
    """The run profile of each of the schedule's steps, in step order."""


def check(given: Mapping[str, Any], run_profile_id: int, executions: Mapping[str, Execution]) -> str | None:
    """What is wrong with a run's `schedule` (naming the field after `schedule.`), or None."""
    execution = executions.get(given["executionId"])
    if execution is None:
        return f"executionId: no execution {given['executionId']} of any schedule in schedules.json"
    if given["step"] >= len(execution.run_profiles):
        return f"step: schedule {execution.schedule_name!r} has {len(execution.run_profiles)} steps"
    if execution.run_profiles[given["step"]] != run_profile_id:
        return f"step: step {given['step']} of {execution.schedule_name!r} runs run profile " + str(
            execution.run_profiles[given["step"]]
        )
    return None


def attribution(execution: Execution, step: int) -> dict[str, Any]:
    """The four fields of step `step` (0-based) of `execution`."""
    return {
        "scheduleExecutionId": execution.execution_id,
        "scheduleStepIndex": step,
        "scheduledByScheduleId": execution.schedule_id,
        "scheduledByScheduleName": execution.schedule_name,
    }
