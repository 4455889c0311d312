"""Schedules and schedule executions, as JIM's SchedulesController and ScheduleExecutionsController answer
(src/JIM.Web/Controllers/Api/).

`run` starts an execution whose steps are ordinary top-level Run Profile activities carrying the schedule's
attribution (world/runs/executions.py); no activity stands for the schedule or its execution.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import Scope

from mockserver import errors
from mockserver.api.runs import ClientHandlers, key_id
from mockserver.scope import caller, params
from mockserver.world import schedule_list
from mockserver.world.fixtures.schedules import Schedule
from mockserver.world.paging import Window
from mockserver.world.runs import executions as readings
from mockserver.world.runs.client_state import ClientState
from mockserver.world.runs.executions import StartedExecution
from mockserver.world.times import iso

ACTIVE = ("Queued", "InProgress")
"""What an execution can be cancelled in, and what `active` lists (SchedulerServer.CancelScheduleExecutionAsync)."""


class ScheduleHandlers(ClientHandlers):
    def schedule(self, scope: Scope) -> Schedule:
        schedule_id = params(scope).id or ""
        found = self.store.schedules.get(schedule_id)
        if found is None:
            raise self.refuse(errors.schedule_not_found(schedule_id))
        return found

    def last(self, schedule: Schedule, state: ClientState) -> tuple[StartedExecution, readings.Reading] | None:
        mine = [e for e in state.executions.executions() if e.schedule_id == schedule.id]
        if not mine:
            return None
        elapsed = self.store.clock.elapsed()
        return mine[-1], readings.read(mine[-1], schedule, self.store.execution_steps(mine[-1], elapsed, state))

    def next_run(self, schedule: Schedule, body: dict[str, Any]) -> None:
        """NextRunTime as JIM's scheduler keeps it, when it fires the schedule (world/runs/scheduler.py)."""
        fires = self.store.scheduler
        found = fires.next_run(schedule.id, self.store.clock.elapsed()) if fires is not None else None
        if found is not None:
            body["nextRunTime"] = iso(found)

    def row(self, schedule: Schedule, state: ClientState) -> dict[str, Any]:
        """ScheduleDto.FromHeader: with the last execution (a started one; the fixture's lastRunTime otherwise)."""
        body = schedule.dto()
        self.next_run(schedule, body)
        last = self.last(schedule, state)
        if last is not None:
            execution, reading = last
            start = self.store.start
            header = readings.header(execution, schedule, reading, start)
            body.update(
                lastRunTime=header["startedAt"],
                lastExecutionId=execution.id,
                lastExecutionStatus=reading.status,
                lastExecutionCurrentStepIndex=reading.current,
                lastExecutionTotalSteps=len(schedule.steps),
                lastExecutionCompletedAt=header["completedAt"],
                lastExecutionErrorMessage=reading.error,
            )
        return body

    async def list_schedules(self, scope: Scope) -> Response:
        given, state = params(scope), await self.clients.state(scope)
        found = schedule_list.search([self.row(s, state) for s in self.store.schedules.values()], given.search)
        found = schedule_list.order(found, given.sort_by, bool(given.sort_descending))
        window = Window(given.page, given.page_size, len(found))
        rows = [orjson.dumps(row) for row in found[window.start : window.stop]]
        return self.page(b"[" + b",".join(rows) + b"]", window)

    async def get_schedule(self, scope: Scope) -> Response:
        schedule = self.schedule(scope)
        body = schedule.dto()
        self.next_run(schedule, body)
        last = self.last(schedule, await self.clients.state(scope))
        if last is not None:  # StartScheduleExecutionAsync sets the schedule's LastRunTime
            body["lastRunTime"] = iso(self.store.start + timedelta(seconds=last[0].started))
        body["steps"] = [step.dto() for step in schedule.steps]
        return self.answer(orjson.dumps(body))

    async def run_schedule(self, scope: Scope) -> Response:
        schedule = self.schedule(scope)
        if not schedule.steps:
            raise self.refuse(errors.schedule_has_no_steps())
        key = caller(scope).key
        name = key.name if key is not None else "Unknown"
        at = self.store.clock.elapsed()
        event = {"kind": "run-schedule", "scheduleId": schedule.id, "at": at, "byId": key_id(name), "byName": name}
        execution = await self.clients.write(scope, self.clients.unread(scope), event)
        assert isinstance(execution, StartedExecution)
        body = {"executionId": execution.id, "message": f"Schedule '{schedule.name}' started successfully"}
        return self.accepted(orjson.dumps(body))

    def reading(self, execution: StartedExecution, state: ClientState) -> tuple[Schedule, list[readings.Step]]:
        return self.store.schedules[execution.schedule_id], self.store.execution_steps(
            execution, self.store.clock.elapsed(), state
        )

    def header(self, execution: StartedExecution, state: ClientState) -> dict[str, Any]:
        schedule, steps = self.reading(execution, state)
        return readings.header(execution, schedule, readings.read(execution, schedule, steps), self.store.start)

    @staticmethod
    def newest_first(state: ClientState) -> list[StartedExecution]:
        return list(reversed(list(state.executions.executions())))

    async def execution(self, scope: Scope) -> tuple[ClientState, StartedExecution]:
        execution_id = params(scope).id or ""
        state = await self.clients.state(scope)
        found = state.executions.get(execution_id)
        if found is None:
            raise self.refuse(errors.schedule_execution_not_found(execution_id))
        return state, found

    async def list_schedule_executions(self, scope: Scope) -> Response:
        given, state = params(scope), await self.clients.state(scope)
        wanted = given.schedule_id
        wanted = (wanted,) if isinstance(wanted, str) else wanted
        found = [e for e in self.newest_first(state) if not wanted or e.schedule_id in wanted]
        window = Window(given.page, given.page_size, len(found))
        rows = [orjson.dumps(self.header(e, state)) for e in found[window.start : window.stop]]
        return self.page(b"[" + b",".join(rows) + b"]", window)

    async def list_active_schedule_executions(self, scope: Scope) -> Response:
        state = await self.clients.state(scope)
        rows = [self.header(e, state) for e in self.newest_first(state)]
        return self.answer(orjson.dumps([row for row in rows if row["status"] in ACTIVE]))

    async def get_schedule_execution(self, scope: Scope) -> Response:
        state, execution = await self.execution(scope)
        schedule, steps = self.reading(execution, state)
        return self.answer(orjson.dumps(readings.detail(execution, schedule, steps, self.store.start)))

    async def cancel_schedule_execution(self, scope: Scope) -> Response:
        state, execution = await self.execution(scope)
        status = self.header(execution, state)["status"]
        if status not in ACTIVE:
            raise self.refuse(errors.cannot_cancel_execution(status))
        event = {"kind": "cancel-execution", "executionId": execution.id, "at": self.store.clock.elapsed()}
        cancelled = await self.clients.write(scope, state, event)
        assert isinstance(cancelled, StartedExecution)
        return self.answer(orjson.dumps(self.header(cancelled, state)))


OPERATIONS = {
    "listSchedules": "schedules.list_schedules",
    "getSchedule": "schedules.get_schedule",
    "runSchedule": "schedules.run_schedule",
    "listScheduleExecutions": "schedules.list_schedule_executions",
    "listActiveScheduleExecutions": "schedules.list_active_schedule_executions",
    "getScheduleExecution": "schedules.get_schedule_execution",
    "cancelScheduleExecution": "schedules.cancel_schedule_execution",
}
"""operationId -> the handler, as a path from the app's Handlers."""
