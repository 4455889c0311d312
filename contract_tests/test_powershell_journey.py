"""The documentation page's PowerShell example, request for request: Connect-JIM, then Get-JIMActivity -ExecutionItems.

Read from the JIM PowerShell module (TetronIO/JIM, src/JIM.PowerShell, August 2026):

- every call goes through Invoke-JIMApi, which sends `Accept: application/json`, the key as
  `X-API-Key`, `-ContentType 'application/json'` and `-MaximumRedirection 0` (a redirect is a
  failure);
- `Connect-JIM -Url … -ApiKey …` (Connect-JIMWithApiKey) calls GET /api/v1/health, then
  Get-JIMServerVersion calls GET /api/v1/health/version and reads `.version`;
- `Get-JIMActivity -Id … -ExecutionItems` does not read the activity itself: it asks
  /api/v1/activities/{id}/items?page=N&pageSize=100 from N = 1 while the last page held exactly
  100 items and `N * 100 < totalCount`, streaming each page's items;
- `Get-JIMActivity -Id … -Follow` asks /api/v1/activities/{id}/progress, then sleeps 2 seconds and asks
  again, until `status` is terminal (a failed poll is a warning and the loop goes on; without -MaxPolls it
  never gives up), then emits /api/v1/activities/{id} (August 2026);
- `Get-JIMActivity -Status …` asks /api/v1/activities?page=1&pageSize=20 and one `status=` per value;
- `Start-JIMRunProfile -ConnectedSystemName … -RunProfileName … -Wait` (Start-JIMRunProfile.ps1) resolves the
  system through Get-JIMPagedItems (…/connected-systems?page=N&pageSize=100 until it holds totalCount), lists
  that system's run profiles (a plain array), POSTs …/execute, then sleeps 2 seconds and asks the run's
  /progress, again and again, until `status` is terminal;
- `Start-JIMSchedule -Id … -Wait` (Start-JIMSchedule.ps1) POSTs /api/v1/schedules/{id}/run, reads the execution
  (/api/v1/schedule-executions/{executionId}) once, then asks it again, sleeping 5 seconds between asks, until
  `status` is Complete, Failed or Cancelled, and emits it.
"""

from __future__ import annotations

import math
from typing import Any

import httpx

from contract_tests.target import Target

MODULE_PAGE_SIZE = 100
TERMINAL = ("Complete", "CompleteWithWarning", "CompleteWithError", "FailedWithError", "Cancelled")
FOLLOW_INTERVAL = 2
SCHEDULE_INTERVAL = 5
SCHEDULE_TERMINAL = ("Complete", "Failed", "Cancelled")
MAX_POLLS = 200
"""-MaxPolls the tests give -Follow, so that a run that never ends fails the test instead of hanging it."""


class Module:
    """The module's HTTP behaviour, with a log of what it asked."""

    def __init__(self, target: Target, api_key: str) -> None:
        self.target = target
        self.headers = {"Accept": "application/json", "X-API-Key": api_key, "Content-Type": "application/json"}
        self.requests: list[str] = []

    def invoke(self, endpoint: str) -> Any:
        """Invoke-JIMApi: any status but 2xx throws, and so does a redirect."""
        self.requests.append(endpoint)
        response: httpx.Response = self.target.client.get(endpoint, headers=self.headers, follow_redirects=False)
        assert response.status_code == 200, f"{endpoint}: {response.status_code} {response.text[:300]}"
        assert response.headers["content-type"].split(";")[0] == "application/json"
        return response.json()

    def poll(self, endpoint: str) -> Any:
        """Invoke-JIMApi inside -Follow's try/catch: a failure is a warning (None) and the loop goes on."""
        self.requests.append(endpoint)
        response = self.target.client.get(endpoint, headers=self.headers, follow_redirects=False)
        return response.json() if response.status_code == 200 else None

    def connect(self) -> dict[str, Any]:
        health = self.invoke("/api/v1/health")
        version = self.invoke("/api/v1/health/version")["version"]
        return {"Status": health.get("status") or "Connected", "ServerVersion": version}

    def execution_items(self, activity_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page, more = 1, True
        while more:
            response = self.invoke(f"/api/v1/activities/{activity_id}/items?page={page}&pageSize={MODULE_PAGE_SIZE}")
            items += response["items"]
            more = len(response["items"]) == MODULE_PAGE_SIZE and page * MODULE_PAGE_SIZE < response["totalCount"]
            page += 1
        return items

    def follow(self, activity_id: str, max_polls: int = MAX_POLLS) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Get-JIMActivity -Id … -Follow -MaxPolls n: (the progress polled, the activity it emits at the end)."""
        polled: list[dict[str, Any]] = []
        for count in range(1, max_polls + 1):
            progress = self.poll(f"/api/v1/activities/{activity_id}/progress")
            if progress is not None:
                polled.append(progress)
            if (progress is not None and progress["status"] in TERMINAL) or count == max_polls:
                break
            self.target.wait(FOLLOW_INTERVAL)
        return polled, self.invoke(f"/api/v1/activities/{activity_id}")

    def paged_items(self, endpoint: str) -> list[dict[str, Any]]:
        """Get-JIMPagedItems: pages of 100 until it holds totalCount (or a page comes back empty)."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            response = self.invoke(f"{endpoint}?page={page}&pageSize={MODULE_PAGE_SIZE}")
            items += response["items"]
            page += 1
            if len(items) >= response["totalCount"] or not response["items"]:
                return items

    def start_run_profile(self, system: str, run_profile: str, max_polls: int = MAX_POLLS) -> list[dict[str, Any]]:
        """Start-JIMRunProfile -ConnectedSystemName … -RunProfileName … -Wait: the progress it polled."""
        systems = [s for s in self.paged_items("/api/v1/synchronisation/connected-systems") if s["name"] == system]
        assert len(systems) == 1, f"Resolve-JIMConnectedSystem finds one '{system}', not {len(systems)}"
        base = f"/api/v1/synchronisation/connected-systems/{systems[0]['id']}/run-profiles"
        profiles = [p for p in self.invoke(base) if p["name"] == run_profile]
        assert len(profiles) == 1, f"one Run Profile '{run_profile}', not {len(profiles)}"
        endpoint = f"{base}/{profiles[0]['id']}/execute"
        self.requests.append(f"POST {endpoint}")
        started = self.target.client.post(endpoint, headers=self.headers, follow_redirects=False)
        assert started.status_code == 202, f"{endpoint}: {started.status_code} {started.text[:300]}"
        polled: list[dict[str, Any]] = []
        for _ in range(max_polls):
            self.target.wait(FOLLOW_INTERVAL)  # it sleeps before each poll, the first one included
            progress = self.poll(f"/api/v1/activities/{started.json()['activityId']}/progress")
            if progress is not None:
                polled.append(progress)
                if progress["status"] in TERMINAL:
                    break
        return polled

    def start_schedule(self, schedule_id: str, max_polls: int = MAX_POLLS) -> dict[str, Any]:
        """Start-JIMSchedule -Id … -Wait: the execution it emits."""
        endpoint = f"/api/v1/schedules/{schedule_id}/run"
        self.requests.append(f"POST {endpoint}")
        started = self.target.client.post(endpoint, headers=self.headers, follow_redirects=False)
        assert started.status_code == 202, f"{endpoint}: {started.status_code} {started.text[:300]}"
        execution_url = f"/api/v1/schedule-executions/{started.json()['executionId']}"
        execution = self.invoke(execution_url)
        for _ in range(max_polls):
            execution = self.invoke(execution_url)
            if execution["status"] in SCHEDULE_TERMINAL:
                break
            self.target.wait(SCHEDULE_INTERVAL)
        return dict(execution)

    def activities(self, **filters: list[str]) -> list[dict[str, Any]]:
        """Get-JIMActivity with filters: one page of 20, each value of a filter its own query parameter."""
        query = "&".join(
            ["page=1", "pageSize=20", *(f"{name}={v}" for name, values in filters.items() for v in values)]
        )
        return list(self.invoke(f"/api/v1/activities?{query}")["items"])


def test_connect_then_get_execution_items_retrieves_every_item(target: Target) -> None:
    activity = target.need("run_profile_id")
    module = Module(target, target.api_key)

    connection = module.connect()
    items = module.execution_items(activity)

    assert connection["Status"] == "healthy" and connection["ServerVersion"]
    total = target.items(activity, pageSize=1).json()["totalCount"]
    pages = max(1, math.ceil(total / MODULE_PAGE_SIZE))  # it always asks page 1
    assert module.requests == [
        "/api/v1/health",
        "/api/v1/health/version",
        *(f"/api/v1/activities/{activity}/items?page={n}&pageSize=100" for n in range(1, pages + 1)),
    ]
    ids = [item["id"] for item in items]
    assert len(ids) == total == len(set(ids)), "the module's loop lost or repeated items"


def test_the_documented_example_retrieves_all_248_items_jane_smith_first(target: Target) -> None:
    target.need_sandbox()
    module = Module(target, target.api_key)
    module.connect()
    items = module.execution_items("a1b2c3d4-e5f6-7890-abcd-ef1234567890")
    assert len(items) == 248
    assert len(module.requests) == 2 + 3, module.requests  # health, version, pages of 100, 100 and 48
    assert [items[0]["displayName"], items[1]["displayName"]] == ["Jane Smith", "John Doe"]


def test_follow_polls_progress_every_two_seconds_until_the_run_ends_then_emits_the_activity(target: Target) -> None:
    activity = target.need("running_activity_id")
    module = Module(target, target.api_key)
    module.connect()
    before = target.clock.elapsed() if target.clock is not None else None
    try:
        polled, emitted = module.follow(activity)
    finally:
        if before is not None:
            target.clock.set(before)  # the world as it stood, for the tests that follow
    assert polled and polled[-1]["status"] in TERMINAL, f"-Follow gave up after {len(polled)} polls, not ended"
    assert module.requests == [
        "/api/v1/health",
        "/api/v1/health/version",
        *[f"/api/v1/activities/{activity}/progress"] * len(polled),
        f"/api/v1/activities/{activity}",
    ], "every poll answered 200, so -Follow made exactly these requests"
    assert emitted["status"] == polled[-1]["status"] and emitted["objectsProcessed"] == polled[-1]["objectsProcessed"]
    if target.sandbox and target.clock is not None:
        assert len(polled) > 2, "the sandbox's run was in progress: -Follow saw it move"


def test_follow_on_a_finished_activity_polls_once(target: Target) -> None:
    activity = target.need("run_profile_id")
    module = Module(target, target.api_key)
    polled, emitted = module.follow(activity)
    assert len(polled) == 1 and polled[0]["status"] == emitted["status"] in TERMINAL
    assert module.requests == [f"/api/v1/activities/{activity}/progress", f"/api/v1/activities/{activity}"]


def test_get_jim_activity_status_filters_where_the_server_has_filters(target: Target) -> None:
    module = Module(target, target.api_key)
    failed = module.activities(status=["FailedWithError", "CompleteWithError"])
    everything = module.activities()
    if target.profile.list_filters:
        assert [a["id"] for a in failed] == [
            a["id"] for a in everything if a["status"] in ("FailedWithError", "CompleteWithError")
        ]
    else:  # the documented list has no filters: the module gets the first page of everything
        assert failed == everything


def test_start_run_profile_wait_resolves_the_names_starts_the_run_and_polls_it_to_its_end(writer: Target) -> None:
    writer.need_sandbox()
    module = Module(writer, writer.api_key)
    module.connect()
    polled = module.start_run_profile("Entra ID", "Delta Import")
    assert polled and polled[-1]["status"] == "CompleteWithWarning", [p["status"] for p in polled]
    progress = [r for r in module.requests if r.endswith("/progress")]
    assert module.requests == [
        "/api/v1/health",
        "/api/v1/health/version",
        "/api/v1/synchronisation/connected-systems?page=1&pageSize=100",
        "/api/v1/synchronisation/connected-systems/3/run-profiles",
        "POST /api/v1/synchronisation/connected-systems/3/run-profiles/11/execute",
        *progress,
    ], "every answer was what the cmdlet expects, so it made exactly these requests"
    assert len(progress) == len(polled)
    if writer.clock is not None:  # in-process, the clock moves only by the cmdlet's sleeps: 2 s a poll
        assert len(polled) > 2, "the run moved while the cmdlet polled it"
    assert len(set(progress)) == 1, "every poll asks the run the POST started"


def test_start_schedule_wait_runs_it_and_polls_the_execution_until_it_ends(writer: Target) -> None:
    writer.need_sandbox()
    module = Module(writer, writer.api_key)
    schedules = module.paged_items("/api/v1/schedules")  # Get-JIMSchedule, to find the id it pipes on
    schedule_id = next(s["id"] for s in schedules if s["name"] == "Hourly Entra ID Delta")
    module.requests.clear()
    execution = module.start_schedule(schedule_id)
    assert execution["status"] == "Complete" and execution["completedAt"] is not None, execution
    polls = [r for r in module.requests if r.startswith("/api/v1/schedule-executions/")]
    assert module.requests == [f"POST /api/v1/schedules/{schedule_id}/run", *polls]
    assert len(set(polls)) == 1 and polls[0].endswith(execution["id"])
    assert len(polls) > 2, "the execution moved while the cmdlet polled it"
    for step in execution["steps"]:
        activity = module.invoke(f"/api/v1/activities/{step['activityId']}")
        assert activity["status"] == step["activityStatus"] and activity["parentActivityId"] is None
