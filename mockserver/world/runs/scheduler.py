"""Enabled schedules firing by the world's clock, as JIM's scheduler service fires them (src/JIM.Scheduler/
Scheduler.cs, ProcessDueSchedulesAsync; src/JIM.Application/Servers/SchedulerServer.cs).

JIM's scheduler polls every 30 seconds for enabled schedules whose NextRunTime has come (SchedulingRepository.
GetDueSchedulesAsync), starts an execution of each, initiated by the System as "Scheduler Service", and sets its
NextRunTime to the expression's next occurrence (CalculateNextRunTime). A schedule that already has an active
execution when it is due is skipped ("prevent overlap"): that occurrence is lost, and the next is the one after.
A Manual or disabled schedule, or one without steps, never fires.

Here firing is a pure function of the seed, the schedules, the world's start and the clock's seconds: the n-th
firing of a schedule happens at the first occurrence after the world's start, then at each occurrence at which the
n-1-th firing's execution has ended (its steps run as their run profiles' fixtures say). No process writes
anything, so every worker, replica and sandbox sees the same fired executions without asking another. What is
kept is a cache of that function (the most recent FIRED_KEPT firings of each schedule, older ones forgotten as if
pruned), rebuilt from the start if the clock is set back. A client that cancels a fired run or execution changes
only its own view (`FiredRuns`, `FiredExecutions`); the firings after it stay where the uncancelled execution
would have put them, and executions a client starts with `run` never hold a firing back.

Ids are drawn from the seed, the schedule and the firing's ordinal, in a namespace of their own ("fired"), so they
never meet the ids of runs and executions clients start.
"""

from __future__ import annotations

import heapq
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from mockserver.world.fixtures.schedules import Schedule
from mockserver.world.items.hashing import digest, uuid4_from_free_bits
from mockserver.world.runs.clock import Clock
from mockserver.world.runs.cron import Cron
from mockserver.world.runs.executions import MemoryExecutionStore, StartedExecution
from mockserver.world.runs.run_activity import RunActivities
from mockserver.world.runs.started import MemoryRunStore, StartedRun, StepOf

Record = TypeVar("Record", StartedRun, StartedExecution)
FIRED_KEPT = 20
"""Fired executions kept visible per schedule: the most recent; an older one is gone from every list, and its id,
its runs' and its tasks' ids answer 404, as if JIM's history had been pruned."""
INITIATED_BY_TYPE = "System"
INITIATED_BY_NAME = "Scheduler Service"
"""Who JIM's scheduler says started an execution and its runs (Scheduler.ProcessDueSchedulesAsync)."""


def fires(schedule: Schedule) -> bool:
    """Whether JIM's scheduler fires it: enabled, Cron (a checked expression, fixtures/schedules.py), with steps."""
    given = schedule.record
    return bool(given["isEnabled"] and given["triggerType"] == "Cron" and schedule.steps)


def fired_guid(seed: int, kind: str, schedule_id: str, ordinal: int, step: int = 0) -> str:
    return uuid4_from_free_bits(digest(seed, "fired", kind, schedule_id, ordinal, step) >> 6)


@dataclass
class Track:
    """How far one schedule's firings have been worked out."""

    cron: Cron
    next_at: float | None
    """The next occurrence not yet examined, in world seconds (None: no more)."""
    busy: float
    """When the last firing's execution ends: an occurrence before it is skipped."""
    count: int = 0
    recent: deque[StartedExecution] = field(default_factory=deque)


class Scheduler:
    """The firings of every enabled Cron schedule, worked out as far as the clock has been read."""

    def __init__(
        self,
        seed: int,
        schedules: Mapping[str, Schedule],
        start: datetime,
        courses: RunActivities,
        busy: Mapping[str, float] | None = None,
        kept: int = FIRED_KEPT,
    ) -> None:
        self.seed = seed
        self.start = start
        self.courses = courses
        self.kept = kept
        self.busy = dict(busy or {})
        self.schedules = {s.id: s for s in schedules.values() if fires(s)}
        self.order = {key: n for n, key in enumerate(self.schedules)}
        """Schedules due at the same second fire in file order."""
        self._lock = threading.Lock()
        self._runs: dict[str, StartedRun] = {}
        self._tasks: dict[str, str] = {}
        self._executions: dict[str, StartedExecution] = {}
        self._tracks: dict[str, Track] = {}
        self._upto = -1.0
        self._reset()

    def _seconds(self, moment: datetime | None) -> float | None:
        return (moment - self.start).total_seconds() if moment is not None else None

    def _reset(self) -> None:
        self._runs.clear()
        self._tasks.clear()
        self._executions.clear()
        self._tracks = {
            key: Track(cron, self._seconds(cron.after(self.start)), self.busy.get(key, 0.0))
            for key, cron in ((key, Cron.parse(s.record["cronExpression"])) for key, s in self.schedules.items())
        }
        self._upto = -1.0

    def advance(self, elapsed: float) -> None:
        """Work the firings out up to `elapsed` seconds. An earlier reading (another thread's, or a clock set back)
        is answered from what is kept, filtered by time, unless a firing it should see has been forgotten since:
        then they are worked out from the start again."""
        with self._lock:
            if elapsed < self._upto:
                if not any(self._forgotten_since(track, elapsed) for track in self._tracks.values()):
                    return
                self._reset()
            self._upto = elapsed
            for key, track in self._tracks.items():
                while track.next_at is not None and track.next_at <= elapsed:
                    if track.next_at >= track.busy:
                        self._fire(self.schedules[key], track, track.next_at)
                    track.next_at = self._seconds(track.cron.after(self.start + timedelta(seconds=track.next_at)))

    @staticmethod
    def _forgotten_since(track: Track, elapsed: float) -> bool:
        later = sum(1 for e in track.recent if e.started > elapsed)
        return later > 0 and track.count > len(track.recent)

    def _fire(self, schedule: Schedule, track: Track, at: float) -> None:
        track.count += 1
        n = track.count
        execution_id = fired_guid(self.seed, "execution", schedule.id, n)
        runs: list[StartedRun] = []
        for index, step in enumerate(schedule.steps):
            halt = index > 0 and not schedule.steps[index - 1].continue_on_failure
            after = runs[-1].activity_id if runs else None
            place = StepOf(execution_id, step.index, schedule.id, schedule.name, after, halt)
            activity_id = fired_guid(self.seed, "activity", schedule.id, n, index)
            task_id = fired_guid(self.seed, "task", schedule.id, n, index)
            run = StartedRun(
                0, activity_id, task_id, step.run_profile_id, at, None, INITIATED_BY_NAME, None, place,
                INITIATED_BY_TYPE,
            )  # fmt: skip
            runs.append(run)
            self._runs[activity_id] = run
            self._tasks[task_id] = activity_id
        execution = StartedExecution(
            0, execution_id, schedule.id, at, None, INITIATED_BY_NAME, tuple(r.activity_id for r in runs), None,
            INITIATED_BY_TYPE,
        )  # fmt: skip
        self._executions[execution_id] = execution
        # The last step's course ends when the execution does: it waits for each before it, or is cancelled unrun
        # when the one it follows fails.
        track.busy = self.courses.course(runs[-1], self.run).ends
        track.recent.append(execution)
        if len(track.recent) > self.kept:
            self._forget(track.recent.popleft())

    def _forget(self, execution: StartedExecution) -> None:
        del self._executions[execution.id]
        for activity_id in execution.runs:
            run = self._runs.pop(activity_id)
            del self._tasks[run.task_id]

    def run(self, activity_id: str) -> StartedRun | None:
        return self._runs.get(activity_id)

    def by_task(self, task_id: str) -> StartedRun | None:
        activity_id = self._tasks.get(task_id)
        return self._runs.get(activity_id) if activity_id is not None else None

    def execution(self, execution_id: str) -> StartedExecution | None:
        return self._executions.get(execution_id)

    def executions(self, elapsed: float) -> list[StartedExecution]:
        """The fired executions kept at `elapsed`, oldest first."""
        self.advance(elapsed)
        with self._lock:
            found = (e for e in self._executions.values() if e.started <= elapsed)
            return sorted(found, key=lambda e: (e.started, self.order[e.schedule_id]))

    def runs(self, elapsed: float) -> list[StartedRun]:
        return [r for e in self.executions(elapsed) for r in (self._runs.get(a) for a in e.runs) if r is not None]

    def next_run(self, schedule_id: str, elapsed: float) -> datetime | None:
        """NextRunTime as JIM's scheduler keeps it: the first occurrence after now (None: not a schedule it fires)."""
        schedule = self.schedules.get(schedule_id)
        if schedule is None:
            return None
        return Cron.parse(schedule.record["cronExpression"]).after(self.start + timedelta(seconds=elapsed))


class Cancellations(Generic[Record]):
    """A client's cancellations of fired runs (by task id) or executions (by id): the first time wins. Past
    FIRED_KEPT x 100 of them, those of firings the scheduler has forgotten are dropped."""

    def __init__(self, key: Callable[[Record], str], known: Callable[[str], object | None]) -> None:
        self.key: Callable[[Record], str] = key
        self.known = known
        self.kept: dict[str, float] = {}

    def seen(self, record: Record | None) -> Record | None:
        """The record as this client sees it: cancelled when it cancelled it."""
        at = self.kept.get(self.key(record)) if record is not None else None
        return replace(record, cancelled=at) if record is not None and at is not None else record

    def add(self, record: Record, at: float) -> Record | None:
        self.kept.setdefault(self.key(record), at)
        if len(self.kept) > FIRED_KEPT * 100:
            for gone in [k for k in self.kept if self.known(k) is None]:
                del self.kept[gone]
        return self.seen(record)


class FiredRuns:
    """A run store with the scheduler's fired runs merged in; a client's cancellation of a fired run is kept here,
    with the client's own runs (the inner store), never in the scheduler."""

    def __init__(self, inner: MemoryRunStore, scheduler: Scheduler, clock: Clock) -> None:
        self.inner = inner
        self.scheduler = scheduler
        self.clock = clock
        self.bound = int(getattr(inner, "bound", 0))
        self.cancels: Cancellations[StartedRun] = Cancellations(lambda r: r.task_id, scheduler.by_task)

    def start(
        self, run_profile_id: int, at: float, by_id: str | None, by_name: str, schedule: StepOf | None = None
    ) -> StartedRun | None:
        return self.inner.start(run_profile_id, at, by_id, by_name, schedule)

    def get(self, activity_id: str) -> StartedRun | None:
        return self.inner.get(activity_id) or self.cancels.seen(self.scheduler.run(activity_id))

    def by_task(self, task_id: str) -> StartedRun | None:
        return self.inner.by_task(task_id) or self.cancels.seen(self.scheduler.by_task(task_id))

    def cancel(self, task_id: str, at: float) -> StartedRun | None:
        fired = self.scheduler.by_task(task_id)
        return self.inner.cancel(task_id, at) if fired is None else self.cancels.add(fired, at)

    def fired(self, elapsed: float) -> list[StartedRun]:
        """The fired runs kept at `elapsed`, as this client sees them, in the order they started."""
        return [r for r in (self.cancels.seen(r) for r in self.scheduler.runs(elapsed)) if r is not None]

    def runs(self) -> Iterator[StartedRun]:
        """The client's runs and the fired runs kept now, in the order they started."""
        fired = [self.cancels.seen(r) for r in self.scheduler.runs(self.clock.elapsed())]
        # A merge, not a sort: the client's runs keep their own order (a clock set back may start one earlier).
        return heapq.merge(self.inner.runs(), (r for r in fired if r), key=lambda r: r.started)

    def version(self) -> int:
        return self.inner.version() + len(self.cancels.kept)


class FiredExecutions:
    """The execution store with the scheduler's fired executions merged in (a client's cancellation of one kept
    here)."""

    def __init__(self, inner: MemoryExecutionStore, scheduler: Scheduler, clock: Clock) -> None:
        self.inner = inner
        self.scheduler = scheduler
        self.clock = clock
        self.bound = inner.bound
        self.cancels: Cancellations[StartedExecution] = Cancellations(lambda e: e.id, scheduler.execution)

    def start(
        self, schedule_id: str, at: float, by_id: str | None, by_name: str, queue: Callable[[str], Sequence[str]]
    ) -> StartedExecution | None:
        return self.inner.start(schedule_id, at, by_id, by_name, queue)

    def get(self, execution_id: str) -> StartedExecution | None:
        return self.inner.get(execution_id) or self.cancels.seen(self.scheduler.execution(execution_id))

    def cancel(self, execution_id: str, at: float) -> StartedExecution | None:
        fired = self.scheduler.execution(execution_id)
        return self.inner.cancel(execution_id, at) if fired is None else self.cancels.add(fired, at)

    def executions(self) -> Iterator[StartedExecution]:
        """The history's, the client's and the fired executions kept now, in the order they were queued."""
        fired = [self.cancels.seen(e) for e in self.scheduler.executions(self.clock.elapsed())]
        return heapq.merge(self.inner.executions(), (e for e in fired if e), key=lambda e: e.started)
