"""Runs a client starts (POST …/execute) and their worker tasks, in both profiles, as JIM's SynchronisationController
and WorkerTasksController answer. A started run is an ordinary top-level Run Profile activity from the moment the
POST returns; the list, detail, /stats, /items and /progress agree at every reading of the clock until it ends.

Every test here POSTs: in-process on an app of its own (`writer`), against a live server only with --allow-writes.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import Any

import pytest

from contract_tests.target import MISSING_ID, Target
from contract_tests.test_connected_systems import MISSING_SYSTEM, every_system, system_url
from contract_tests.test_progress import TERMINAL, progress

EXECUTION_KEYS = {"activityId", "taskId", "message", "warnings"}
TASK_KEYS = {
    "id", "name", "type", "timestamp", "status", "initiatedByType", "initiatedById", "initiatedByName", "activityId",
    "objectsToProcess", "objectsProcessed", "progressMessage", "steps", "scheduleExecutionId", "scheduleExecutionName",
    "scheduleStepIndex", "scheduleTotalSteps", "scheduleCurrentStepIndex",
}  # fmt: skip
TASKS_URL = "/api/v1/worker-tasks"
POLL_SECONDS = 2
"""What Start-JIMRunProfile -Wait waits between polls."""
MAX_POLLS = 500
UTC_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,6}[1-9])?Z")
"""A DateTime of kind UTC as System.Text.Json writes it: seconds, then a fraction only if it has one, with no
trailing zeros (up to 7 digits; what PostgreSQL keeps, and the sandbox, has 6), and Z."""
TIMESPAN = re.compile(r"(\d+\.)?\d\d:\d\d:\d\d(\.\d{7})?")
"""A TimeSpan as System.Text.Json writes it: .NET's constant ("c") format, seven fractional digits if any."""


def execute_url(system: object, run_profile: object) -> str:
    return system_url(system, f"run-profiles/{run_profile}/execute")


def post(target: Target, url: str, **kwargs: Any) -> Any:
    return target.client.post(url, headers={"X-Api-Key": target.api_key, **kwargs.pop("headers", {})}, **kwargs)


def start(target: Target, system: str, run_profile: str) -> dict[str, Any]:
    """Resolve the names as a client does (the systems' list, then the system's run profiles), then start it."""
    found = [s for s in every_system(target) if s["name"] == system]
    if not found:
        pytest.skip(f"the target has no connected system named {system!r}")
    system_id = found[0]["id"]
    profiles = target.admin(system_url(system_id, "run-profiles")).json()
    matching = [p for p in profiles if p["name"] == run_profile]
    if not matching:
        pytest.skip(f"{system!r} has no run profile named {run_profile!r}")
    response = post(target, execute_url(system_id, matching[0]["id"]))
    assert response.status_code == 202, response.text[:300]
    assert response.headers["content-type"] == target.profile.json_type
    body: dict[str, Any] = response.json()
    assert set(body) == EXECUTION_KEYS, sorted(body)
    assert body["message"] == f"Run Profile '{run_profile}' has been queued for execution."
    assert isinstance(body["warnings"], list)
    return body


def follow(target: Target, activity_id: str) -> list[dict[str, Any]]:
    """Poll /progress as Start-JIMRunProfile -Wait does, until a terminal status; every snapshot."""
    seen = [progress(target, activity_id)]
    while seen[-1]["status"] not in TERMINAL:
        assert len(seen) < MAX_POLLS, f"still {seen[-1]['status']} after {MAX_POLLS} polls"
        target.wait(POLL_SECONDS)
        seen.append(progress(target, activity_id))
    return seen


def all_items(target: Target, activity_id: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        response = target.items(activity_id, page=page, pageSize=100)
        assert response.status_code == 200, response.text[:300]
        body = response.json()
        rows += body["items"]
        if not body["hasNextPage"]:
            return rows
        page += 1


def assert_agree(target: Target, activity_id: str) -> dict[str, Any]:
    """The list's row, the detail, /stats, /items and /progress say the same at this reading of the clock."""
    snapshot = progress(target, activity_id)
    detail = target.admin(target.activity_url(activity_id)).json()
    stats = target.admin(target.activity_url(activity_id, "stats")).json()
    items = target.items(activity_id, pageSize=1).json()
    rows = target.activities(sortBy="created", sortDirection="desc", pageSize=100).json()["items"]
    row = next((r for r in rows if r["id"] == activity_id), None)
    assert row is not None, "a started run is a top-level activity, among the newest"
    for body in (row, detail):
        assert (body["status"], body["objectsProcessed"]) == (snapshot["status"], snapshot["objectsProcessed"])
    assert stats["totalObjectsProcessed"] == snapshot["objectsProcessed"]
    assert stats["totalObjectChangeCount"] == items["totalCount"] == sum(snapshot["operationCounts"].values())
    assert stats["totalObjectErrors"] == snapshot["totalErrors"] == row["totalErrors"]
    return snapshot


def test_a_client_starts_a_run_by_name_follows_it_to_its_end_and_pages_its_items(writer: Target) -> None:
    started = start(writer, "Corporate LDAP", "Delta Import")
    first = progress(writer, started["activityId"])
    assert first["status"] == "InProgress" and first["targetType"] == "ConnectedSystemRunProfile"
    assert first["runType"] == "DeltaImport"
    seen = follow(writer, started["activityId"])
    processed = [s["objectsProcessed"] for s in seen]
    assert processed == sorted(processed), "a run never goes back"
    last = seen[-1]
    items = all_items(writer, started["activityId"])
    stats = writer.admin(writer.activity_url(started["activityId"], "stats")).json()
    assert len(items) == stats["totalObjectChangeCount"] == sum(last["operationCounts"].values())
    assert len({i["id"] for i in items}) == len(items)
    assert dict(Counter(i["objectChangeType"] for i in items)) == last["operationCounts"]
    assert sum(1 for i in items if i["errorType"] is not None) == stats["totalObjectErrors"] == last["totalErrors"]
    assert last["objectsProcessed"] == stats["totalObjectsProcessed"]


def test_the_first_poll_before_any_object_is_processed_has_no_estimate(writer: Target) -> None:
    # ActivitiesController feeds ActivityEtaTracker one sample a poll: the first gives no rate, and a count that
    # has not moved gives a rate of 0; either way no estimate of the seconds left.
    started = start(writer, "Corporate LDAP", "Full Import")
    first = progress(writer, started["activityId"])
    if first["objectsProcessed"] > 0:
        pytest.skip("the run had processed objects by the first poll (a live server's clock does not wait)")
    assert first["status"] == "InProgress"
    assert not first["objectsPerSecond"] and first["estimatedSecondsRemaining"] is None, first
    writer.wait(POLL_SECONDS)
    later = follow(writer, started["activityId"])
    moving = [p for p in later if p["status"] == "InProgress" and p["objectsProcessed"] > 0]
    assert any(p["estimatedSecondsRemaining"] is not None for p in moving), "an estimate once the count moves"


def seconds(timespan: str) -> float:
    match = TIMESPAN.fullmatch(timespan)
    assert match, timespan
    days = match.group(1) or ""
    hours, minutes, rest = timespan[len(days) :].split(":")
    return int(days[:-1] or 0) * 86_400 + int(hours) * 3_600 + int(minutes) * 60 + float(rest)


def utc(text: str) -> datetime:
    assert UTC_TIME.fullmatch(text), text
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_a_runs_times_are_set_as_jims_activity_server_sets_them(writer: Target) -> None:
    # ActivityServer: Created when the activity is made, Executed when it starts (and again when the worker picks its
    # task up), ExecutionTime = end - Executed and TotalActivityTime = end - Created only when it ends; the DTOs send
    # them as UTC DateTimes and TimeSpans.
    started = start(writer, "Corporate LDAP", "Full Import")
    url = writer.activity_url(started["activityId"])
    running = writer.admin(url).json()
    assert running["status"] == "InProgress"
    assert utc(running["executed"]) >= utc(running["created"])
    assert (running["executionTime"], running["totalActivityTime"]) == (None, None), running
    seen = follow(writer, started["activityId"])
    for snapshot in seen:
        utc(snapshot["retrievedAt"])
        for phase in snapshot["phases"]:
            for name in ("started", "ended"):
                assert phase[name] is None or utc(phase[name]), phase
    ended = writer.admin(url).json()
    for name in ("executionTime", "totalActivityTime"):
        assert TIMESPAN.fullmatch(ended[name] or ""), (name, ended[name])
    waited = (utc(ended["executed"]) - utc(ended["created"])).total_seconds()
    took, total = seconds(ended["executionTime"]), seconds(ended["totalActivityTime"])
    assert total == pytest.approx(took + waited, abs=1e-6), ended
    assert utc(seen[-1]["retrievedAt"]) >= utc(ended["executed"])


def test_the_list_detail_stats_items_and_progress_agree_at_every_reading(writer: Target) -> None:
    started = start(writer, "Corporate LDAP", "Full Import")
    while assert_agree(writer, started["activityId"])["status"] not in TERMINAL:
        writer.wait(3 * POLL_SECONDS + 1)


@pytest.mark.parametrize(
    ("system", "run_profile", "ending"),
    [
        ("Corporate LDAP", "Delta Import", "Complete"),
        ("Entra ID", "Delta Import", "CompleteWithWarning"),
        ("HR Database", "Full Import", "CompleteWithError"),
        ("HR Database", "Delta Synchronisation", "FailedWithError"),
    ],
)
def test_each_run_profile_ends_as_its_fixture_says(writer: Target, system: str, run_profile: str, ending: str) -> None:
    writer.need_sandbox()
    started = start(writer, system, run_profile)
    last = follow(writer, started["activityId"])[-1]
    assert last["status"] == ending
    detail = writer.admin(writer.activity_url(started["activityId"])).json()
    assert (detail["warningMessage"] is not None) == (ending == "CompleteWithWarning")
    assert (detail["errorMessage"] is not None) == (ending == "FailedWithError")
    assert (last["totalErrors"] > 0) == (ending == "CompleteWithError") or ending == "FailedWithError"
    statuses = {p["status"] for p in last["phases"]}
    assert "Active" not in statuses and "Pending" not in statuses, last["phases"]
    assert ("Failed" in statuses) == (ending == "FailedWithError"), last["phases"]


def test_a_worker_task_is_listed_while_its_run_goes_and_cancelling_ends_the_run_cancelled(writer: Target) -> None:
    started = start(writer, "Corporate LDAP", "Full Synchronisation")
    task_url = f"{TASKS_URL}/{started['taskId']}"
    tasks = writer.admin(TASKS_URL).json()
    assert started["taskId"] in [t["id"] for t in tasks["items"]]
    task = writer.admin(task_url).json()
    assert set(task) == TASK_KEYS, sorted(task)
    assert (task["activityId"], task["status"]) == (started["activityId"], "Processing")
    writer.wait(POLL_SECONDS)
    response = post(writer, f"{task_url}/cancel")
    assert response.status_code == 202 and response.content == b"", response.text[:300]
    last = progress(writer, started["activityId"])
    assert last["status"] == "Cancelled"
    statuses = [p["status"] for p in last["phases"] if p["parentKey"] is None]
    assert statuses.count("Failed") == 1 and "Active" not in statuses and "Pending" not in statuses, statuses
    # JIM deletes a task whose run has ended: it is neither listed nor found, and cannot be cancelled again.
    assert started["taskId"] not in [t["id"] for t in writer.admin(TASKS_URL).json()["items"]]
    writer.assert_error(writer.admin(task_url), 404, "NOT_FOUND")
    writer.assert_error(post(writer, f"{task_url}/cancel"), 404, "NOT_FOUND")
    assert_agree(writer, started["activityId"])


def test_what_jim_refuses_it_refuses_in_its_words(writer: Target) -> None:
    body = writer.assert_error(post(writer, execute_url(MISSING_SYSTEM, 1)), 404, "NOT_FOUND")
    assert body["message"] == f"Connected System with ID {MISSING_SYSTEM} not found."
    systems = every_system(writer)
    if len(systems) < 2:
        pytest.skip("needs two connected systems")
    other = writer.admin(system_url(systems[1]["id"], "run-profiles")).json()
    if not other:
        pytest.skip("the second system has no run profile")
    wrong = execute_url(systems[0]["id"], other[0]["id"])
    body = writer.assert_error(post(writer, wrong), 404, "NOT_FOUND")
    assert body["message"] == f"Run Profile with ID {other[0]['id']} not found for Connected System {systems[0]['id']}."
    body = writer.assert_error(writer.admin(f"{TASKS_URL}/{MISSING_ID}"), 404, "NOT_FOUND")
    assert body["message"] == f"Worker task with ID {MISSING_ID} not found."
    writer.assert_error(post(writer, f"{TASKS_URL}/{MISSING_ID}/cancel"), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("url", "name"),
    [
        (execute_url("one", 1), "connectedSystemId"),
        (execute_url(1, "1.5"), "runProfileId"),
        (f"{TASKS_URL}/not-a-guid/cancel", "id"),
        (f"{TASKS_URL}/not-a-guid", "id"),
    ],
)
def test_an_id_its_route_does_not_take_never_starts_or_cancels_anything(writer: Target, url: str, name: str) -> None:
    before = writer.activities().json()["totalCount"]
    response = post(writer, url) if url.endswith(("execute", "cancel")) else writer.admin(url)
    if writer.profile.non_guid_id_is_web_ui:
        writer.assert_non_guid_answer(response)
    else:
        writer.assert_validation_error(response, name)
    assert writer.activities().json()["totalCount"] == before


def test_a_body_sent_with_the_post_is_ignored_as_jim_ignores_it(writer: Target) -> None:
    system = every_system(writer)[0]["id"]
    profiles = writer.admin(system_url(system, "run-profiles")).json()
    if not profiles:
        pytest.skip("the first system has no run profile")
    for body, kind in ((b"{}", "application/json"), (b"<x/>", "application/xml"), (b"\xff\x00", "text/plain")):
        response = post(writer, execute_url(system, profiles[0]["id"]), content=body, headers={"content-type": kind})
        assert response.status_code == 202, response.text[:300]


def test_a_burst_of_starts_loses_nothing(writer: Target) -> None:
    writer.need_sandbox()
    ids = [start(writer, "Entra ID", "Export")["activityId"] for _ in range(200)]
    assert len(set(ids)) == len(ids)
    listed = writer.activities(sortBy="created", sortDirection="desc", pageSize=100).json()
    assert listed["totalCount"] >= len(ids)
    for activity_id in ids[::37]:
        assert writer.admin(writer.activity_url(activity_id)).status_code == 200
