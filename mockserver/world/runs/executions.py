"""Schedule executions a client starts (POST schedules/{id}/run), and how one reads at any second of the clock.

An execution is a small record: its id, its schedule, when and by whom it was started, the activity id of the run
each step queued and, once cancelled, when. JIM queues every step at once, the first Queued and the rest
WaitingForPreviousStep, each with its activity (SchedulerServer.StartScheduleExecutionAsync, TaskingServer.
CreateWorkerTaskAsync); the runs are started runs of the run store (world/runs/started.py), chained so that each
executes when the one before it ends (world/runs/run_activity.py). The execution's status, step and times follow
from its steps' activities, as SchedulerServer.CheckAndAdvanceExecutionAsync and GetScheduleExecutionDetailAsync
read them. Ids are drawn from the seed and the n-th execution started, never at random.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from mockserver.world.activity import Activity
from mockserver.world.files import fixture_error
from mockserver.world.fixtures.schedules import Schedule
from mockserver.world.runs.run_activity import FAILING, Course
from mockserver.world.runs.started import guid
from mockserver.world.times import iso, seconds, utc

MAX_EXECUTIONS = 1_000
"""Executions kept: past this, a run is refused (400); restart the server to start more."""
STEP_STATUS = {
    "Complete": ("Completed", "Completed"),
    "CompleteWithWarning": ("CompletedWithWarning", "Completed with Warning"),
    "CompleteWithError": ("CompletedWithError", "Completed with Error"),
    "FailedWithError": ("Failed", "Failed"),
    "Cancelled": ("Cancelled", "Cancelled"),
}
"""An ended step's activity status -> (ScheduleExecutionStepStatus, its display string): ScheduleStepReading."""


@dataclass(frozen=True)
class StartedExecution:
    number: int
    id: str
    schedule_id: str
    started: float
    initiated_by_id: str | None
    initiated_by_name: str | None
    runs: tuple[str, ...]
    """The activity id of each step's run, in step order."""
    cancelled: float | None = None
    initiated_by_type: str = "ApiKey"


class MemoryExecutionStore:
    """The executions of this process, in a dict, under a lock."""

    def __init__(
        self,
        seed: int,
        bound: int = MAX_EXECUTIONS,
        history: Sequence[StartedExecution] = (),
        sandbox: str | None = None,
    ) -> None:
        self.seed = seed
        self.bound = bound
        self.sandbox = sandbox
        self._lock = threading.Lock()
        self._executions: dict[str, StartedExecution] = {e.id: e for e in history}
        """The fixture history's executions (oldest first), then those started, in the order they started."""
        self._started = 0

    def start(
        self, schedule_id: str, at: float, by_id: str | None, by_name: str, queue: Callable[[str], Sequence[str]]
    ) -> StartedExecution | None:
        """Record a new execution; `queue` starts its steps' runs given its id. None when the store is full."""
        with self._lock:
            if self._started >= self.bound:
                return None
            number = self._started = self._started + 1
            execution_id = guid(self.seed, "execution", number, self.sandbox)
            runs = tuple(queue(execution_id))
            found = StartedExecution(number, execution_id, schedule_id, at, by_id, by_name, runs)
            self._executions[execution_id] = found
            return found

    def get(self, execution_id: str) -> StartedExecution | None:
        return self._executions.get(execution_id)

    def cancel(self, execution_id: str, at: float) -> StartedExecution | None:
        with self._lock:
            found = self._executions.get(execution_id)
            if found is None or found.cancelled is not None:
                return found
            found = self._executions[execution_id] = replace(found, cancelled=at)
            return found

    def executions(self) -> Iterator[StartedExecution]:
        """Every execution, oldest first."""
        with self._lock:
            return iter(list(self._executions.values()))


def past_executions(
    schedules: Mapping[str, Schedule], activities: Mapping[str, Activity], start: datetime, path: Path
) -> list[StartedExecution]:
    """The fixture history's executions, oldest first, each with the runs that name it, one per step (the scheduler
    that fired them is the System, as JIM's Scheduler service is)."""
    runs: dict[str, dict[int, str]] = {}
    for activity in activities.values():
        given = activity.attribution
        if given["scheduleExecutionId"] is not None:
            runs.setdefault(given["scheduleExecutionId"], {})[given["scheduleStepIndex"]] = activity.id
    found = []
    for index, schedule in enumerate(schedules.values()):
        for n, given in enumerate(schedule.record.get("executions", ())):
            steps = runs.get(given["id"], {})
            missing = [i for i in range(len(schedule.steps)) if i not in steps]
            problem = (
                f"step {missing[0] if missing else 0} has no run in activities.json (JIM queues every step at once)"
            )
            if not schedule.steps:
                problem = "a schedule with no steps never runs (SchedulesController.RunAsync)"
            if missing or not schedule.steps:
                raise fixture_error(path, index, schedule.name, f"executions.{n}", problem)
            at = (utc(given["queuedAt"]) - start).total_seconds()
            ids = tuple(steps[i] for i in range(len(schedule.steps)))
            found.append(StartedExecution(0, given["id"], schedule.id, at, None, None, ids, None, "System"))
    return sorted(found, key=lambda e: e.started)


@dataclass(frozen=True)
class Step:
    """One step's run as it stands: its activity, its course and whether its worker task still exists."""

    activity: Activity
    course: Course
    task_id: str | None
    waiting: bool


@dataclass(frozen=True)
class Reading:
    """An execution at one reading of the clock."""

    status: str
    current: int
    completed: float | None
    error: str | None


def read(execution: StartedExecution, schedule: Schedule, steps: Sequence[Step]) -> Reading:
    """Status, current step, end and error, as SchedulerServer advances and cancels an execution."""
    if execution.cancelled is not None:
        current = next((n for n, s in enumerate(steps) if s.activity.status == "Cancelled"), len(steps) - 1)
        return Reading("Cancelled", max(current, 0), execution.cancelled, "Cancelled by user")
    for n, step in enumerate(steps):
        status = step.activity.status
        if status == "InProgress":
            return Reading("InProgress", n, None, None)
        given = schedule.steps[n]
        if status in FAILING and not given.continue_on_failure:
            name = given.record.get("name") or f"Step {given.index}"
            error = f"Step '{name}' failed and ContinueOnFailure is false."
            return Reading("Failed", n, step.course.ends, error)
    return Reading("Complete", len(steps) - 1, steps[-1].course.ends if steps else execution.started, None)


def header(execution: StartedExecution, schedule: Schedule, reading: Reading, start: datetime) -> dict[str, Any]:
    """ScheduleExecutionDto.FromEntity."""
    began = iso(start + timedelta(seconds=execution.started))
    return {
        "id": execution.id,
        "scheduleId": schedule.id,
        "scheduleName": schedule.name,
        "status": reading.status,
        "currentStepIndex": reading.current,
        "totalSteps": len(schedule.steps),
        "queuedAt": began,
        "startedAt": began,
        "completedAt": iso(start + timedelta(seconds=reading.completed)) if reading.completed is not None else None,
        "initiatedByType": execution.initiated_by_type,
        "initiatedById": execution.initiated_by_id,
        "initiatedByName": execution.initiated_by_name,
        "errorMessage": reading.error,
    }


def step_status(step: Step) -> tuple[str, str]:
    """(ScheduleExecutionStepStatus, its display string): the task's while it exists, else the activity's."""
    if step.task_id is not None:
        return ("Waiting", "Waiting") if step.waiting else ("Processing", "Processing")
    return STEP_STATUS.get(step.activity.status, ("Unknown", "Unknown"))


def detail(execution: StartedExecution, schedule: Schedule, steps: Sequence[Step], start: datetime) -> dict[str, Any]:
    """ScheduleExecutionDetailDto: the header, a step per schedule step (GetScheduleExecutionDetailAsync) and the
    progress by step group (ScheduleStepReading.FromStepStates; each sandbox group is one step)."""
    reading = read(execution, schedule, steps)
    rows, groups = [], []
    for given, step in zip(schedule.steps, steps, strict=True):
        activity = step.activity
        status, shown = step_status(step)
        executed, took = activity.executed, activity.fields.get("totalActivityTime")
        # CompletedAt is Executed + TotalActivityTime, as GetScheduleExecutionDetailAsync adds them.
        end = None
        if executed is not None and activity.status != "InProgress":
            end = executed + timedelta(seconds=seconds(took or "00:00:00"))
        name = given.record.get("name") or f"Step {given.index + 1}"
        rows.append(
            {
                "stepIndex": given.index,
                "name": name,
                "stepType": "RunProfile",
                "executionMode": "Sequential",
                "connectedSystemId": given.record["connectedSystemId"],
                "status": shown,
                "taskId": step.task_id,
                "startedAt": iso(executed) if executed is not None else None,
                "completedAt": iso(end) if end is not None else None,
                "errorMessage": activity.fields.get("errorMessage"),
                "activityId": activity.id,
                "activityStatus": activity.status,
                "connectedSystemName": given.system_name,
                "runProfileId": given.run_profile_id,
                "runProfileName": given.run_profile_name,
                "continueOnFailure": given.continue_on_failure,
            }
        )
        groups.append(
            {"stepIndex": given.index, "name": name, "status": status, "taskStatuses": [status], "isParallel": False}
        )
    number = reading.current + 1 if 0 <= reading.current < len(groups) else None
    progress = {"currentStepNumber": number, "totalSteps": len(groups), "steps": groups} if groups else None
    return {**header(execution, schedule, reading, start), "steps": rows, "progress": progress}
