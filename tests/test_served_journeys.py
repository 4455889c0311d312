"""A JIM client's two journeys over HTTP, against `mockserver serve --clock-rate 60` in a process of its own: start a
run profile by name and follow its /progress to the end, then page its items and find the run's figures; run a
schedule and follow its execution to the end, each step's activity with it. Then the scheduler: with the world
running 3,600 times as fast, a server started with `--no-scheduler` fires nothing, and one without it fires."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from scripts.contract_live import wait_until_healthy

ANNOUNCED = re.compile(r"serving on http://127\.0\.0\.1:([0-9]+) ")
KEY = {"X-Api-Key": "jim_ak_sandbox_admin"}
TERMINAL = ("Complete", "CompleteWithWarning", "CompleteWithError", "FailedWithError", "Cancelled")
SCHEDULE_TERMINAL = ("Complete", "Failed", "Cancelled")
POLL_SECONDS = 0.05
"""A client polls every 2 s (5 s for a schedule) of the wall; the world runs 60 times as fast, so this test polls at
a sixtieth of that, or a little faster."""
DEADLINE = 60.0
HOURLY = "76416817-d9f3-474d-8851-5bf9062cc715"


def serve(*arguments: str) -> Iterator[httpx.Client]:
    command = [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--no-access-log", "--log-level", "warning"]
    with subprocess.Popen([*command, *arguments], stderr=subprocess.PIPE, text=True) as server:
        try:
            assert server.stderr is not None
            announced = ANNOUNCED.search(server.stderr.readline())
            assert announced, "no announcement of the port"
            base = f"http://127.0.0.1:{announced[1]}"
            wait_until_healthy(f"{base}/api/v1/health/live", server)  # type: ignore[arg-type]
            with httpx.Client(base_url=base, headers=KEY, timeout=10) as client:
                yield client
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[httpx.Client]:
    yield from serve("--clock-rate", "60")


def get(client: httpx.Client, url: str, **query: Any) -> Any:
    response = client.get(url, params=query)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.text[:300]}"
    return response.json()


def until(client: httpx.Client, url: str, done: tuple[str, ...]) -> Any:
    deadline = time.monotonic() + DEADLINE
    while (found := get(client, url))["status"] not in done:
        assert time.monotonic() < deadline, f"{url} never ended: {found}"
        time.sleep(POLL_SECONDS)
    return found


def test_a_client_starts_a_run_by_name_follows_it_and_pages_its_items(sandbox: httpx.Client) -> None:
    systems = get(sandbox, "/api/v1/synchronisation/connected-systems", page=1, pageSize=100)["items"]
    system = next(s for s in systems if s["name"] == "Entra ID")
    profiles = get(sandbox, f"/api/v1/synchronisation/connected-systems/{system['id']}/run-profiles")
    profile = next(p for p in profiles if p["name"] == "Delta Import")
    url = f"/api/v1/synchronisation/connected-systems/{system['id']}/run-profiles/{profile['id']}/execute"
    started = sandbox.post(url)
    assert started.status_code == 202, started.text
    activity_id = started.json()["activityId"]
    progress = until(sandbox, f"/api/v1/activities/{activity_id}/progress", TERMINAL)
    assert progress["status"] == "CompleteWithWarning"  # Entra ID's Delta Import skips 3 objects (its fixture)
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        found = get(sandbox, f"/api/v1/activities/{activity_id}/items", page=page, pageSize=100)
        items += found["items"]
        if not found["items"] or len(items) >= found["totalCount"]:
            break
        page += 1
    stats = get(sandbox, f"/api/v1/activities/{activity_id}/stats")
    changes = Counter(item["objectChangeType"] for item in items)
    outcomes: Counter[str] = Counter()
    for item in items:
        for part in filter(None, (item["outcomeSummary"] or "").split(",")):
            name, _, count = part.partition(":")
            outcomes[name] += int(count)
    assert len(items) == len({i["id"] for i in items}) == stats["totalObjectChangeCount"] > 0
    assert (changes["Add"], changes["Update"], changes["Delete"]) == (
        stats["totalCsoAdds"], stats["totalCsoUpdates"], stats["totalCsoDeletes"],
    )  # fmt: skip
    assert (outcomes["Joined"], outcomes["Projected"], outcomes["AttributeFlow"]) == (
        stats["totalJoins"], stats["totalProjections"], stats["totalAttributeFlows"],
    )  # fmt: skip
    assert sum(1 for i in items if i["errorType"]) == stats["totalObjectErrors"]
    assert stats["totalObjectsProcessed"] == progress["objectsProcessed"]


def test_a_client_runs_a_schedule_and_follows_its_execution(sandbox: httpx.Client) -> None:
    started = sandbox.post(f"/api/v1/schedules/{HOURLY}/run")
    assert started.status_code == 202, started.text
    url = f"/api/v1/schedule-executions/{started.json()['executionId']}"
    execution = until(sandbox, url, SCHEDULE_TERMINAL)
    assert execution["status"] == "Complete" and len(execution["steps"]) == 2
    for step in execution["steps"]:
        activity = get(sandbox, f"/api/v1/activities/{step['activityId']}")
        assert activity["status"] == step["activityStatus"] in TERMINAL
        assert activity["initiatedByType"] == "ApiKey"
    assert [s["activityStatus"] for s in execution["steps"]] == ["CompleteWithWarning", "Complete"]


def fired(client: httpx.Client) -> list[dict[str, Any]]:
    rows = get(client, "/api/v1/schedule-executions", scheduleId=HOURLY, pageSize=100)["items"]
    return [row for row in rows if row["initiatedByName"] == "Scheduler Service"]


@pytest.mark.parametrize("scheduler", [True, False])
def test_a_served_world_fires_its_schedules_unless_told_not_to(scheduler: bool) -> None:
    # At 3,600 times the wall, Hourly Entra ID Delta's 08:00 comes a second after start-up, 09:00 a minute later.
    flags = ["--clock-rate", "3600", *([] if scheduler else ["--no-scheduler"])]
    for client in serve(*flags):
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline and get(client, "/api/v1/health")["timestamp"] < "2026-04-05T08:01":
            time.sleep(0.2)
        found = fired(client)
        assert [e["queuedAt"] for e in found] == (["2026-04-05T08:00:00Z"] if scheduler else [])
