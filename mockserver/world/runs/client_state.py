"""What clients change, sandbox by sandbox: the runs they start, the schedule executions they run, what they cancel.

Every write is an event, and a sandbox's state is its events applied in order. Applying is deterministic: the same
events give the same records, ids included (drawn from the seed, the sandbox and the n-th run), whichever process
applies them. So the log decides where state lives: in one process it is that process's memory (`LocalLog`, the
default, where a write is applied as it is made); with --redis-url it is a Redis list that every worker and replica
appends to and reads (controls/client_log.py), and a process applies what it has not yet seen before it answers.

The fixture history is no client's state: nothing here is read to answer for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mockserver.memo import Memo
from mockserver.world.fixtures.schedules import Schedule
from mockserver.world.runs.clock import Clock, ManualClock
from mockserver.world.runs.executions import MemoryExecutionStore, StartedExecution
from mockserver.world.runs.scheduler import FiredExecutions, FiredRuns, Scheduler
from mockserver.world.runs.started import MemoryRunStore, StartedRun, StepOf

Event = Mapping[str, Any]
"""One write, as JSON would carry it: `kind` and its fields (see ClientState.apply)."""
REPLAYABLE_KEPT = 256
"""Sandboxes' states a process keeps when their logs are in Redis (ClientStates.kept)."""
RESULTS_KEPT = 256
"""Results of recent events kept, for the writer whose event another request's read applied first."""


@dataclass(frozen=True)
class Refused:
    """A write the sandbox refuses: `what` it keeps at most `bound` of."""

    what: str
    bound: int


Result = StartedRun | StartedExecution | Refused | None
Fired = tuple[Scheduler, Clock]
"""The scheduler's firings, and the clock they are read by."""


class ClientStateUnavailable(Exception):
    """Where client state lives did not answer in time, or refused; the message says which, without internals."""


class ClientState:
    """One sandbox's runs and schedule executions (the shared world's when `sandbox` is None)."""

    def __init__(
        self,
        sandbox: str | None,
        seed: int,
        schedules: Mapping[str, Schedule],
        history: Sequence[StartedExecution],
        index: dict[str, MemoryRunStore],
        status: Callable[[StartedRun, float], str],
        fired: Fired | None = None,
    ) -> None:
        """`history`: the fixture history's executions, which every sandbox sees; `status`: a run's activity status
        at a reading of the clock (a cancel stops only what is still in progress then); `fired`: the scheduler's
        firings, which every sandbox sees too, and the clock they are read by."""
        self.sandbox = sandbox
        self.own = MemoryRunStore(seed, sandbox=sandbox, index=index)
        """The runs this sandbox's clients started (and the steps of the schedules they ran)."""
        own_executions = MemoryExecutionStore(seed, history=history, sandbox=sandbox)
        self.runs: MemoryRunStore | FiredRuns = self.own
        """Every run this sandbox sees: its own, and those the scheduler fired (with this sandbox's cancels)."""
        self.executions: MemoryExecutionStore | FiredExecutions = own_executions
        if fired is not None:
            self.runs = FiredRuns(self.own, *fired)
            self.executions = FiredExecutions(own_executions, *fired)
        self.schedules = schedules
        self.status = status
        self.applied = 0
        """How many events of the log this state holds: the next event's position."""
        self.results: Memo[int, Result] = Memo("write results", RESULTS_KEPT)

    def apply(self, event: Event) -> Result:
        """Apply the next event of the log: what a start recorded, or why it was refused; what a cancel changed."""
        position = self.applied
        self.applied += 1
        result = self._apply(event)
        self.results.put(position, result)
        return result

    def _apply(self, event: Event) -> Result:
        kind, at = event["kind"], float(event["at"])
        if kind == "start-run":
            run = self.runs.start(int(event["runProfileId"]), at, event["byId"], event["byName"])
            return run if run is not None else Refused("started runs", self.own.bound)
        if kind == "run-schedule":
            return self.run_schedule(self.schedules[event["scheduleId"]], at, event["byId"], event["byName"])
        if kind == "cancel-task":
            return self.runs.cancel(event["taskId"], at)
        if kind == "cancel-execution":
            return self.cancel_execution(event["executionId"], at)
        raise ValueError(f"unknown client event {kind!r}")

    def run_schedule(self, schedule: Schedule, at: float, by_id: str | None, by_name: str) -> Result:
        """Queue every step at once, each waiting for the one before (SchedulerServer.StartScheduleExecutionAsync);
        refused whole, before anything is recorded, when the runs it needs would pass the bound."""
        if len(self.own) + len(schedule.steps) > self.own.bound:
            return Refused("started runs", self.runs.bound)
        runs = self.runs

        def queue(execution_id: str) -> list[str]:
            started: list[str] = []
            for n, step in enumerate(schedule.steps):
                halt = n > 0 and not schedule.steps[n - 1].continue_on_failure
                place = StepOf(execution_id, step.index, schedule.id, schedule.name, started[-1] if n else None, halt)
                run = runs.start(step.run_profile_id, at, by_id, by_name, place)
                assert run is not None  # room was checked above, and nothing else starts runs meanwhile
                started.append(run.activity_id)
            return started

        execution = self.executions.start(schedule.id, at, by_id, by_name, queue)
        return execution if execution is not None else Refused("schedule executions", self.executions.bound)

    def fired(self, elapsed: float) -> list[StartedRun]:
        """The scheduler's runs kept at `elapsed`, as this sandbox sees them (cancelled where it cancelled them)."""
        return self.runs.fired(elapsed) if isinstance(self.runs, FiredRuns) else []

    def cancel_execution(self, execution_id: str, at: float) -> Result:
        """Every step's task is cancelled: the running one at once (the sandbox's worker is always free), the waiting
        ones unrun (SchedulerServer.CancelScheduleExecutionAsync)."""
        execution = self.executions.get(execution_id)
        if execution is None or execution.cancelled is not None:
            return execution
        for activity_id in execution.runs:
            run = self.runs.get(activity_id)
            if run is not None and self.status(run, at) == "InProgress":
                self.runs.cancel(run.task_id, at)
        return self.executions.cancel(execution_id, at)

    def forget(self) -> None:
        self.own.forget()


class ClientLog(Protocol):
    """Where the events of every sandbox are kept, in order."""

    async def read(self, state: ClientState) -> None:
        """Apply to `state` the events it has not yet seen; ClientStateUnavailable when the log cannot be read."""
        ...

    async def write(self, state: ClientState, event: Event) -> Result:
        """Add `event` to the sandbox's log and apply it (with any before it not yet seen): its result."""
        ...


class LocalLog:
    """The events of this process alone: each is applied as it is written, so there is nothing to read."""

    async def read(self, state: ClientState) -> None:
        return None

    async def write(self, state: ClientState, event: Event) -> Result:
        return state.apply(event)


class ClientStates:
    """Every sandbox's state in this process, made when first asked for."""

    def __init__(
        self,
        seed: int,
        schedules: Mapping[str, Schedule],
        history: Sequence[StartedExecution],
        status: Callable[[StartedRun, float], str],
        scheduler: Scheduler | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.seed = seed
        self.fired: Fired | None = (scheduler, clock or ManualClock()) if scheduler is not None else None
        self.scheduler = scheduler
        self.schedules = schedules
        self.history = tuple(history)
        self.status = status
        self.index: dict[str, MemoryRunStore] = {}
        self._states: dict[str | None, ClientState] = {}
        self.kept: int | None = None
        """Sandboxes' states kept, least recently used out first (None: every one). Only where the log can be read
        back (Redis): there, a sandbox deleted or ended through another replica is never heard of here."""
        self.dropped: list[Callable[[str], None]] = []
        """Told of each sandbox whose state is dropped (what is kept for it elsewhere goes too)."""

    def get(self, sandbox: str | None = None) -> ClientState:
        found = self._states.pop(sandbox, None)
        if found is None:
            found = ClientState(sandbox, self.seed, self.schedules, self.history, self.index, self.status, self.fired)
        self._states[sandbox] = found  # the most recently used last
        if self.kept is not None and len(self._states) > self.kept:
            # The least recently used sandbox that is not the shared world: read back from its log when next used.
            oldest = next(key for key in self._states if key is not None)
            self.drop(oldest)
        return found

    def find_run(self, activity_id: str) -> StartedRun | None:
        """A started run of any sandbox, by its activity id (ids are drawn with the sandbox: they never collide), or
        one the scheduler fired (as fired: a sandbox's cancel of it is that sandbox's alone)."""
        store = self.index.get(activity_id)
        if store is not None:
            return store.get(activity_id)
        return self.scheduler.run(activity_id) if self.scheduler is not None else None

    def drop(self, sandbox: str) -> None:
        """Forget a sandbox's state (it was deleted or expired, or is read back from its log when next used)."""
        found = self._states.pop(sandbox, None)
        if found is not None:
            found.forget()
        for hear in self.dropped:
            hear(sandbox)
