"""Runs a client starts, and their worker tasks: the state a client changes, behind one interface.

A started run is a small record: its ids, its run profile, who started it, when by the world's clock, and, once
cancelled, when. Everything else (its steps, counts, items and status at any moment) is computed from the record,
its run profile's plan and the world's time (world/runs/run_activity.py), so a run costs the same memory whatever
it touches. `MemoryRunStore` keeps one sandbox's records; what fills it is that sandbox's log of writes
(world/runs/client_state.py), kept in this process or in Redis.

Ids are GUIDs as JIM's are, but drawn from the seed and a per-store counter (the n-th run started since start-up),
never at random: the same seed and the same starts give the same ids.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace

from mockserver.world.items.hashing import digest, uuid4_from_free_bits

MAX_STARTED_RUNS = 10_000
"""Runs kept: past this, a start is refused (400, nothing recorded is dropped); restart the server to start more."""


@dataclass(frozen=True, slots=True)
class StartedRun:
    number: int
    """The n-th run started since start-up (from 1)."""
    activity_id: str
    task_id: str
    run_profile_id: int
    started: float
    """When, in the world clock's seconds since start-up."""
    initiated_by_id: str | None
    initiated_by_name: str
    cancelled: float | None = None
    """When the run was cancelled (world clock seconds), if it was."""
    schedule: StepOf | None = None
    """The schedule execution that queued it, as which step (None: a client started it)."""
    initiated_by_type: str = "ApiKey"
    """"System" for a run JIM's scheduler fired (world/runs/scheduler.py)."""


@dataclass(frozen=True, slots=True)
class StepOf:
    """A scheduled run's place: JIM queues every step of an execution at once, each waiting for the one before
    (SchedulerServer.StartScheduleExecutionAsync); a step whose predecessor fails is cancelled unawaited unless that
    predecessor continues on failure (TaskingServer.TryAdvanceScheduleExecutionAsync)."""

    execution_id: str
    step_index: int
    schedule_id: str
    schedule_name: str
    after: str | None
    """The activity id of the step before it, which it waits for (None: the first step)."""
    halt: bool
    """Whether it is cancelled when the step before it fails (that step does not continue on failure)."""


def guid(seed: int, kind: str, number: int, sandbox: str | None = None) -> str:
    """The n-th id of a kind in a sandbox (None: the shared world, whose ids are those of a sandbox-less server)."""
    parts = (seed, "started", kind, number) if sandbox is None else (seed, "started", sandbox, kind, number)
    return uuid4_from_free_bits(digest(*parts) >> 6)


class MemoryRunStore:
    """The runs of this process, in a dict, under a lock."""

    def __init__(
        self,
        seed: int,
        bound: int = MAX_STARTED_RUNS,
        sandbox: str | None = None,
        index: dict[str, MemoryRunStore] | None = None,
    ) -> None:
        """`sandbox`: whose runs these are (their ids are drawn with it); `index`: where every store of the process
        notes the runs it holds, so that a run is found by id without knowing its sandbox."""
        self.seed = seed
        self.bound = bound
        self.sandbox = sandbox
        self.index = index if index is not None else {}
        self._lock = threading.Lock()
        self._runs: dict[str, StartedRun] = {}
        self._tasks: dict[str, str] = {}
        self._order: list[str] = []
        """Activity ids in the order the runs started."""
        self._cancels: list[str] = []
        """Activity ids in the order the runs were cancelled."""
        self._version = 0

    def start(
        self, run_profile_id: int, at: float, by_id: str | None, by_name: str, schedule: StepOf | None = None
    ) -> StartedRun | None:
        with self._lock:
            if len(self._runs) >= self.bound:
                return None
            number = len(self._runs) + 1
            run = StartedRun(
                number,
                guid(self.seed, "activity", number, self.sandbox),
                guid(self.seed, "task", number, self.sandbox),
                run_profile_id,
                at,
                by_id,
                by_name,
                schedule=schedule,
            )
            self._runs[run.activity_id] = run
            self._tasks[run.task_id] = run.activity_id
            self._order.append(run.activity_id)
            self.index[run.activity_id] = self
            self._version += 1
            return run

    def get(self, activity_id: str) -> StartedRun | None:
        return self._runs.get(activity_id)

    def by_task(self, task_id: str) -> StartedRun | None:
        activity_id = self._tasks.get(task_id)
        return self._runs.get(activity_id) if activity_id is not None else None

    def cancel(self, task_id: str, at: float) -> StartedRun | None:
        with self._lock:
            run = self.by_task(task_id)
            if run is None or run.cancelled is not None:
                return run
            run = self._runs[run.activity_id] = replace(run, cancelled=at)
            self._cancels.append(run.activity_id)
            self._version += 1
            return run

    def runs(self) -> Iterator[StartedRun]:
        with self._lock:
            return iter(list(self._runs.values()))

    def version(self) -> int:
        return self._version

    def started_since(self, count: int) -> list[StartedRun]:
        """The runs started after the first `count`, in the order they started."""
        return [self._runs[activity_id] for activity_id in self._order[count:]]

    def cancelled_since(self, count: int) -> list[str]:
        """The activity ids of the runs cancelled after the first `count` cancels, in the order they were."""
        return self._cancels[count:]

    def __len__(self) -> int:
        return len(self._runs)

    def forget(self) -> None:
        """Drop every run from the process's index (the sandbox is gone)."""
        with self._lock:
            for activity_id in self._runs:
                self.index.pop(activity_id, None)
