"""Starting runs and watching their worker tasks, as JIM's SynchronisationController.ExecuteRunProfileAsync and
WorkerTasksController answer (src/JIM.Web/Controllers/Api/).

A started run is kept as a small record (world/runs/started.py); its activity, its task's counts and steps are
computed at each reading of the world's clock. JIM deletes a worker task once its run ends
(TaskingServer.CompleteWorkerTaskAsync, CancelWorkerTaskAsync), so a task is listed and found only while its run
is in progress. The sandbox's worker is always free: a task is Processing from the moment it is queued, and a
cancellation is picked up at once (JIM's worker notices CancellationRequested on its next loop).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import Scope

from mockserver import errors
from mockserver.api.clients import Clients
from mockserver.scope import caller, params
from mockserver.world.activity import Activity
from mockserver.world.items.hashing import digest, uuid4_from_free_bits
from mockserver.world.paging import Window
from mockserver.world.runs.client_state import ClientState
from mockserver.world.runs.started import StartedRun
from mockserver.world.store import Store
from mockserver.world.times import iso

Refuse = Callable[[errors.JimError], errors.JimError]
Answer = Callable[[bytes], Response]
Envelope = Callable[[bytes, Window], Response]
Accepted = Callable[[bytes | None], Response]
TASK_TYPE = "Synchronisation Worker Task"
"""nameof(SynchronisationWorkerTask).SplitOnCapitalLetters() (TaskingRepository.GetWorkerTaskType)."""


def key_id(name: str) -> str:
    """A key's id, as a GUID drawn from its name: the sandbox's keys have names, JIM's also ids."""
    return uuid4_from_free_bits(digest("api key", name) >> 6)


def steps(phases: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The top-level steps and the one running now (RunPhaseSummary.From, src/JIM.Models/Activities/)."""
    top = [row for row in phases if row["parentKey"] is None]
    if not top:
        return None
    number, running = next(((n, row) for n, row in enumerate(top, start=1) if row["status"] == "Active"), (None, None))
    return {
        "currentStepName": running["name"] if running else None,
        "currentStepNumber": number,
        "totalSteps": len(top),
        "steps": [{"order": row["order"], "name": row["name"], "status": row["status"]} for row in top],
    }


def task_header(run: StartedRun, activity: Activity, waiting: bool = False) -> dict[str, Any]:
    """WorkerTaskHeader as TaskingRepository.GetWorkerTaskHeadersAsync fills it (src/JIM.Models/Tasking/DTOs); a
    scheduled step's task waits for the step before it (WaitingForPreviousStep) and names its execution."""
    fields = activity.fields
    step = run.schedule
    return {
        "id": run.task_id,
        "name": f"{fields['targetContext']} - {fields['targetName']}",
        "type": TASK_TYPE,
        "timestamp": iso(activity.created),
        "status": "WaitingForPreviousStep" if waiting else "Processing",
        "initiatedByType": fields["initiatedByType"],
        "initiatedById": fields["initiatedById"],
        "initiatedByName": fields["initiatedByName"],
        "activityId": run.activity_id,
        "objectsToProcess": fields["objectsToProcess"],
        "objectsProcessed": fields["objectsProcessed"],
        "progressMessage": fields["message"],
        "steps": steps(activity.phases),
        "scheduleExecutionId": step.execution_id if step else None,
        "scheduleExecutionName": step.schedule_name if step else None,
        "scheduleStepIndex": step.step_index if step else None,
        "scheduleTotalSteps": None,
        "scheduleCurrentStepIndex": None,
    }


class ClientHandlers:
    """What the handlers of what clients start share: the world, the caller's sandbox state, and the app's answers."""

    def __init__(
        self, store: Store, clients: Clients, answer: Answer, page: Envelope, accepted: Accepted, refuse: Refuse
    ) -> None:
        self.store = store
        self.clients = clients
        self.answer = answer
        self.page = page
        self.accepted = accepted
        self.refuse = refuse


class RunHandlers(ClientHandlers):
    async def execute_run_profile(self, scope: Scope) -> Response:
        given, store = params(scope), self.store
        system_id, profile_id = given.connected_system_id or 0, given.run_profile_id or 0
        if store.systems.detail(system_id) is None:
            raise self.refuse(errors.connected_system_not_found(system_id))
        assert store.run_activities is not None
        profile = store.run_activities.profiles.get(profile_id)
        if profile is None or profile.system_id != system_id:
            raise self.refuse(errors.run_profile_not_found(profile_id, system_id))
        key = caller(scope).key
        name = key.name if key is not None else "Unknown"
        state = self.clients.unread(scope)
        event = {
            "kind": "start-run",
            "runProfileId": profile.id,
            "at": store.clock.elapsed(),
            "byId": key_id(name),
            "byName": name,
        }
        run = await self.clients.write(scope, state, event)
        assert isinstance(run, StartedRun)
        body = {
            "activityId": run.activity_id,
            "taskId": run.task_id,
            "message": f"Run Profile '{profile.name}' has been queued for execution.",
            "warnings": [],
        }
        return self.accepted(orjson.dumps(body))

    def in_progress(self, state: ClientState) -> list[tuple[StartedRun, Activity]]:
        """The runs whose tasks still exist, most recent first (JIM orders tasks by Timestamp descending)."""
        return list(reversed(self.store.in_progress(state)))

    async def task(self, scope: Scope) -> tuple[ClientState, StartedRun, Activity]:
        task_id = params(scope).id or ""
        state = await self.clients.state(scope)
        run = state.runs.by_task(task_id)
        if run is not None:
            activity = self.store.run_activity(run, self.store.clock.elapsed())
            if activity.status == "InProgress":
                return state, run, activity
        raise self.refuse(errors.worker_task_not_found(task_id))

    async def list_worker_tasks(self, scope: Scope) -> Response:
        given = params(scope)
        tasks = self.in_progress(await self.clients.state(scope))
        window = Window(given.page, given.page_size, len(tasks))
        rows = [orjson.dumps(task_header(run, a, self.waiting(run))) for run, a in tasks[window.start : window.stop]]
        return self.page(b"[" + b",".join(rows) + b"]", window)

    def waiting(self, run: StartedRun) -> bool:
        assert self.store.run_activities is not None
        return self.store.clock.elapsed() < self.store.run_activities.course(run).begins

    async def get_worker_task(self, scope: Scope) -> Response:
        _, run, activity = await self.task(scope)
        return self.answer(orjson.dumps(task_header(run, activity, self.waiting(run))))

    async def cancel_worker_task(self, scope: Scope) -> Response:
        state, run, _ = await self.task(scope)
        event = {"kind": "cancel-task", "taskId": run.task_id, "at": self.store.clock.elapsed()}
        await self.clients.write(scope, state, event)
        return self.accepted(None)


OPERATIONS = {
    "executeRunProfile": "runs.execute_run_profile",
    "listWorkerTasks": "runs.list_worker_tasks",
    "getWorkerTask": "runs.get_worker_task",
    "cancelWorkerTask": "runs.cancel_worker_task",
}
"""operationId -> the handler, as a path from the app's Handlers."""
