"""A schedule's run as the world's clock turns: each step waits for the one before it, then executes at the second
that one ends, and the list, the detail, the worker task and the execution say so at every reading."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.world.runs.clock import ManualClock
from tests.conftest import ADMIN

HOURLY = "76416817-d9f3-474d-8851-5bf9062cc715"
"""Entra ID's Delta Import (12 s, CompleteWithWarning, continues on failure), then its Delta Synchronisation (30 s)."""


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox(make_client: Callable[..., TestClient], clock: ManualClock) -> TestClient:
    return make_client(clock=clock, access_log=False)


def get(client: TestClient, url: str) -> Any:
    response = client.get(url, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_second_step_waits_then_executes_when_the_first_ends(sandbox: TestClient, clock: ManualClock) -> None:
    started = sandbox.post(f"/api/v1/schedules/{HOURLY}/run", headers=ADMIN)
    assert started.status_code == 202, started.text
    url = f"/api/v1/schedule-executions/{started.json()['executionId']}"
    first, second = get(sandbox, url)["steps"]
    waiting = get(sandbox, f"/api/v1/activities/{second['activityId']}")
    assert (waiting["status"], waiting["objectsToProcess"], waiting.get("phases", [])) == ("InProgress", 0, [])
    assert waiting["executed"] == waiting["created"], "JIM sets Executed when it files the activity"
    task = get(sandbox, f"/api/v1/worker-tasks/{second['taskId']}")
    assert (task["status"], task["scheduleStepIndex"]) == ("WaitingForPreviousStep", 1)
    clock.advance(12)
    first, second = get(sandbox, url)["steps"]
    assert (first["activityStatus"], second["status"]) == ("CompleteWithWarning", "Processing")
    rows = get(sandbox, "/api/v1/activities?sortBy=created&sortDirection=desc&pageSize=100")["items"]
    row = next(r for r in rows if r["id"] == second["activityId"])
    assert row["executed"] == first["completedAt"] == second["startedAt"], "it executes as the first step ends"
    assert get(sandbox, f"/api/v1/worker-tasks/{second['taskId']}")["status"] == "Processing"
    clock.advance(30)
    execution = get(sandbox, url)
    assert (execution["status"], execution["currentStepIndex"]) == ("Complete", 1)
    assert execution["progress"]["steps"][0]["status"] == "CompletedWithWarning"


def test_ids_come_from_the_seed_and_the_order_of_starts(make_client: Callable[..., TestClient]) -> None:
    answers = []
    for _ in range(2):
        client = make_client(clock=ManualClock(), access_log=False)
        answers.append(client.post(f"/api/v1/schedules/{HOURLY}/run", headers=ADMIN).json()["executionId"])
    assert answers[0] == answers[1]
