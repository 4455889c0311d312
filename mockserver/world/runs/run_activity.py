"""A started run as an activity at a reading of the world's clock: a pure function of its record (world/runs/
started.py), its run profile's plan (world/runs/plan.py) and the seconds since the world's start.

JIM files a run it queues as a top-level Run Profile activity, InProgress, executed at once
(TaskingServer.CreateWorkerTaskAsync, ActivityServer.CreateActivityWithTriadAsync); when it ends, its execution
and total times are set (ActivityServer.Complete…/Fail…/CancelActivityAsync). Its items are generated from the
seed, with the run's activity id as their salt: the first n of its final items, n growing with its time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from mockserver.memo import Memo
from mockserver.world.activity import Activity, build_activity
from mockserver.world.fixtures.systems import RunProfile
from mockserver.world.items import figures
from mockserver.world.items.generator import GeneratedActivity
from mockserver.world.items.pools import ItemPools
from mockserver.world.items.source import FirstItems
from mockserver.world.runs import plan as plans
from mockserver.world.runs.phases import COMPLETED, FAILED, RUNNING, Timeline
from mockserver.world.runs.started import StartedRun, StepOf
from mockserver.world.shapes import DETAIL_FIELDS, HEADER_FIELDS, JIM_DETAIL_FIELDS, Shape
from mockserver.world.times import iso, timespan
from mockserver.world.vocabulary import CHANGE_TYPES, RUN_PROFILE

FINAL_MESSAGES = {
    "Complete": "Completed successfully",
    "CompleteWithWarning": "Completed with warnings",
    "CompleteWithError": "Completed with errors",
    "FailedWithError": "Failed",
    "Cancelled": "Cancelled",
}
"""The activity's message once it ends, as the fixture history writes them."""
KEPT = 256
"""Started runs' generators and finished activities kept built (memos); any other is rebuilt when asked for."""

State = tuple[str, int, int, float]
"""What fixes a run's activity: its status, objects processed, items recorded, and where its clock stands (negative
for a scheduled step that never executes: WAITING while the step before it runs, UNRUN once cancelled unrun)."""
WAITING = -1.0
UNRUN = -2.0
FAILING = ("CompleteWithError", "FailedWithError", "Cancelled")
"""A step that ends so has failed (TaskingServer.TryAdvanceScheduleExecutionAsync's anyFailed)."""
UNRUN_MESSAGE = "Cancelled: previous step failed or execution was cancelled."
"""TaskingRepository.DeleteWaitingTasksForExecutionAsync's words for a waiting step's activity."""


class Course(NamedTuple):
    """A run's life in world-clock seconds: when it begins executing, when it ends, how, and whether it executed."""

    begins: float
    ends: float
    status: str
    ran: bool


class RunActivities:
    """Builds started runs' activities; the world's start and profile's shape are fixed."""

    def __init__(
        self,
        start: datetime,
        shape: Shape,
        pools: ItemPools,
        profiles: Mapping[int, RunProfile],
        names: Mapping[str, str],
    ) -> None:
        self.start = start
        self.shape = shape
        self.pools = pools
        self.profiles = profiles
        self.change_names = dict(names)
        self._generated: Memo[str, GeneratedActivity] = Memo("started run items", KEPT)
        self._built: Memo[tuple[str, State], Activity] = Memo("started run activities", KEPT)
        self.lookup: Callable[[str], StartedRun | None] = lambda _: None
        """Finds the step a scheduled run waits for (the run store's `get`, set when the store is made)."""

    def generated(self, run: StartedRun) -> GeneratedActivity:
        found = self._generated.get(run.activity_id)
        if found is None:
            profile = self.profiles[run.run_profile_id]
            outcomes = "export" if profile.run_type == "Export" else "sync"
            errors = profile.plan.ending in plans.WITH_ERRORS
            found = GeneratedActivity(self.pools, run.activity_id, profile.plan.changes, outcomes, errors)
            self._generated.put(run.activity_id, found)
        return found

    def course(self, run: StartedRun, lookup: Callable[[str], StartedRun | None] | None = None) -> Course:
        """When the run executes and ends: at once for a run a client starts; a scheduled step when the step before
        it ends, or never (cancelled then, unrun) when that step failed and does not continue on failure. `lookup`
        finds the step before (the store's `lookup` unless given)."""
        plan = self.profiles[run.run_profile_id].plan
        begins = run.started
        step = run.schedule
        if step is not None and step.after is not None:
            before = (lookup or self.lookup)(step.after)
            if before is not None:
                previous = self.course(before, lookup)
                begins = max(begins, previous.ends)
                if step.halt and previous.status in FAILING:
                    return Course(begins, begins, "Cancelled", False)
        if run.cancelled is not None and run.cancelled < begins:
            return Course(run.cancelled, run.cancelled, "Cancelled", False)
        if run.cancelled is not None and run.cancelled - begins < plan.stops:
            return Course(begins, run.cancelled, "Cancelled", True)
        return Course(begins, begins + plan.stops, plan.ending, True)

    def state(self, run: StartedRun, elapsed: float) -> tuple[State, float, bool]:
        """(the state, seconds into the run it stands at, whether it has ended) at `elapsed` world seconds."""
        plan = self.profiles[run.run_profile_id].plan
        course = self.course(run)
        if not course.ran and elapsed >= course.ends:
            return ("Cancelled", 0, 0, UNRUN), course.ends - run.started, True
        if elapsed < course.begins:
            return ("InProgress", 0, 0, WAITING), 0.0, False
        stops = course.ends - course.begins
        age = elapsed - course.begins
        ended = age >= stops
        at = min(age, stops)
        processed, items = plans.done(plan.objects, at, plan.seconds), plans.done(plan.changes, at, plan.seconds)
        status = course.status if ended else "InProgress"
        return (status, processed, items, at if ended else age), at, ended

    def items(self, run: StartedRun, elapsed: float) -> FirstItems:
        """The items the run has recorded `elapsed` seconds after the world's start: what its activity's `items` are,
        without building the activity."""
        state, _, _ = self.state(run, elapsed)
        return FirstItems(self.generated(run), state[2])

    def activity(self, run: StartedRun, elapsed: float) -> Activity:
        state, at, ended = self.state(run, elapsed)
        key = (run.activity_id, state)
        found = self._built.get(key)
        if found is None:
            found = self.build(run, state, at, ended)
            if ended:
                self._built.put(key, found)
        return found

    def opening(self, run: StartedRun, state: State) -> tuple[datetime, datetime, dict[str, Any]]:
        """(created, executed, the fields every state of the run sets): what the list reads of it, with no items."""
        profile = self.profiles[run.run_profile_id]
        status, processed, _, clock = state
        created = self.start + timedelta(seconds=run.started)
        idle = clock in (WAITING, UNRUN)
        # The worker sets Executed when it picks the task up (src/JIM.Worker/Worker.cs); until then it is the
        # creation time ActivityServer.CreateActivityWithTriadAsync gave it.
        executed = created if idle else self.start + timedelta(seconds=self.course(run).begins)
        fields: dict[str, Any] = dict.fromkeys((*HEADER_FIELDS, *DETAIL_FIELDS, *JIM_DETAIL_FIELDS))
        fields.update(
            id=run.activity_id,
            created=iso(created),
            executed=iso(executed),
            status=status,
            targetType=RUN_PROFILE,
            targetOperationType="Execute",
            targetName=profile.name,
            targetContext=profile.system_name,
            initiatedByType=run.initiated_by_type,
            initiatedById=run.initiated_by_id,
            initiatedByName=run.initiated_by_name,
            objectsToProcess=0 if idle else profile.plan.objects,
            objectsProcessed=processed,
            connectedSystemRunType=profile.run_type,
            connectedSystemId=profile.system_id,
            connectedSystemRunProfileId=profile.id,
        )
        return created, executed, fields

    def build(self, run: StartedRun, state: State, at: float, ended: bool) -> Activity:
        profile = self.profiles[run.run_profile_id]
        plan = profile.plan
        status, processed, recorded, clock = state
        created, executed, fields = self.opening(run, state)
        idle = clock in (WAITING, UNRUN)
        if clock == UNRUN:
            fields.update(message=UNRUN_MESSAGE, totalActivityTime=timespan(timedelta(seconds=at)))
        elif ended:
            took = timespan(timedelta(seconds=at))
            total = timespan(executed + timedelta(seconds=at) - created)
            fields.update(message=FINAL_MESSAGES[status], executionTime=took, totalActivityTime=total)
            if status == "CompleteWithWarning":
                fields["warningMessage"] = plan.message
            if status == "FailedWithError":
                fields["errorMessage"] = plan.message
        items = FirstItems(self.generated(run), recorded)
        tally = items.tally()
        stats = figures.execution_stats(tally, processed)
        finished = ended and status in ("Complete", "CompleteWithWarning", "CompleteWithError")
        rows: Any = ()
        if not idle:
            given = plans.given_steps(profile.run_type, plan.seconds, plan.seconds if finished else at, ended)
            step_state = RUNNING if not ended else (COMPLETED if finished else FAILED)
            end = executed + timedelta(seconds=at) if ended else None
            rows = Timeline(profile.run_type, given, executed).rows(step_state, end)
        step = run.schedule
        return build_activity(
            shape=self.shape,
            activity_id=run.activity_id,
            parent_id=None,
            created=created,
            executed=executed,
            fields=fields,
            items=items,
            totals=figures.header_totals(stats),
            stats=stats,
            children=(),
            phases=rows,
            attribution=attribution(step) if step is not None else None,
            operation_counts={
                self.change_names.get(name, name): tally.change_types[name]
                for name in CHANGE_TYPES
                if tally.change_types[name]
            },
            rate=plan.objects / plan.seconds if not ended and not idle else None,
        )


def attribution(step: StepOf) -> dict[str, Any]:
    """The four fields TaskingServer.CreateActivityFromWorkerTaskAsync copies onto a scheduled step's activity."""
    return {
        "scheduleExecutionId": step.execution_id,
        "scheduleStepIndex": step.step_index,
        "scheduledByScheduleId": step.schedule_id,
        "scheduledByScheduleName": step.schedule_name,
    }
