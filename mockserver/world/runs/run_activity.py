"""A started run as an activity at a reading of the world's clock: a pure function of its record (world/runs/
started.py), its run profile's plan (world/runs/plan.py) and the seconds since the world's start.

JIM files a run it queues as a top-level Run Profile activity, InProgress, executed at once
(TaskingServer.CreateWorkerTaskAsync, ActivityServer.CreateActivityWithTriadAsync); when it ends, its execution
and total times are set (ActivityServer.Complete…/Fail…/CancelActivityAsync). Its items are generated from the
seed, with the run's activity id as their salt: the first n of its final items, n growing with its time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from mockserver.memo import Memo
from mockserver.world.activity import Activity, build_activity
from mockserver.world.fixtures.systems import RunProfile
from mockserver.world.items import figures
from mockserver.world.items.generator import GeneratedActivity
from mockserver.world.items.pools import ItemPools
from mockserver.world.items.source import FirstItems
from mockserver.world.runs import plan as plans
from mockserver.world.runs.phases import COMPLETED, FAILED, RUNNING, Timeline
from mockserver.world.runs.started import StartedRun
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
"""What fixes a run's activity: its status, objects processed, items recorded, and where its clock stands."""


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

    def generated(self, run: StartedRun) -> GeneratedActivity:
        found = self._generated.get(run.activity_id)
        if found is None:
            profile = self.profiles[run.run_profile_id]
            outcomes = "export" if profile.run_type == "Export" else "sync"
            errors = profile.plan.ending in plans.WITH_ERRORS
            found = GeneratedActivity(self.pools, run.activity_id, profile.plan.changes, outcomes, errors)
            self._generated.put(run.activity_id, found)
        return found

    def state(self, run: StartedRun, elapsed: float) -> tuple[State, float, bool]:
        """(the state, seconds into the run it stands at, whether it has ended) at `elapsed` world seconds."""
        plan = self.profiles[run.run_profile_id].plan
        age = max(0.0, elapsed - run.started)
        stops = plan.stops
        status = plan.ending
        if run.cancelled is not None and run.cancelled - run.started < stops:
            stops, status = max(0.0, run.cancelled - run.started), "Cancelled"
        ended = age >= stops
        at = min(age, stops)
        processed, items = plans.done(plan.objects, at, plan.seconds), plans.done(plan.changes, at, plan.seconds)
        return (status if ended else "InProgress", processed, items, at if ended else age), at, ended

    def activity(self, run: StartedRun, elapsed: float) -> Activity:
        state, at, ended = self.state(run, elapsed)
        key = (run.activity_id, state)
        found = self._built.get(key)
        if found is None:
            found = self.build(run, state, at, ended)
            if ended:
                self._built.put(key, found)
        return found

    def build(self, run: StartedRun, state: State, at: float, ended: bool) -> Activity:
        profile = self.profiles[run.run_profile_id]
        plan = profile.plan
        status, processed, recorded, _ = state
        executed = self.start + timedelta(seconds=run.started)
        fields: dict[str, Any] = dict.fromkeys((*HEADER_FIELDS, *DETAIL_FIELDS, *JIM_DETAIL_FIELDS))
        fields.update(
            id=run.activity_id,
            created=iso(executed),
            executed=iso(executed),
            status=status,
            targetType=RUN_PROFILE,
            targetOperationType="Execute",
            targetName=profile.name,
            targetContext=profile.system_name,
            initiatedByType="ApiKey",
            initiatedById=run.initiated_by_id,
            initiatedByName=run.initiated_by_name,
            objectsToProcess=plan.objects,
            objectsProcessed=processed,
            connectedSystemRunType=profile.run_type,
            connectedSystemId=profile.system_id,
            connectedSystemRunProfileId=profile.id,
        )
        if ended:
            took = timespan(timedelta(seconds=at))
            fields.update(message=FINAL_MESSAGES[status], executionTime=took, totalActivityTime=took)
            if status == "CompleteWithWarning":
                fields["warningMessage"] = plan.message
            if status == "FailedWithError":
                fields["errorMessage"] = plan.message
        items = FirstItems(self.generated(run), recorded)
        tally = items.tally()
        stats = figures.execution_stats(tally, processed)
        finished = ended and status in ("Complete", "CompleteWithWarning", "CompleteWithError")
        given = plans.given_steps(profile.run_type, plan.seconds, plan.seconds if finished else at, ended)
        timeline = Timeline(profile.run_type, given, executed)
        step_state = RUNNING if not ended else (COMPLETED if finished else FAILED)
        end = executed + timedelta(seconds=at) if ended else None
        return build_activity(
            shape=self.shape,
            activity_id=run.activity_id,
            parent_id=None,
            created=executed,
            executed=executed,
            fields=fields,
            items=items,
            totals=figures.header_totals(stats),
            stats=stats,
            children=(),
            phases=timeline.rows(step_state, end),
            operation_counts={
                self.change_names.get(name, name): tally.change_types[name]
                for name in CHANGE_TYPES
                if tally.change_types[name]
            },
            rate=plan.objects / plan.seconds if not ended else None,
        )
