"""Schedules and schedule executions, in both profiles, as JIM's SchedulesController and
ScheduleExecutionsController answer. Running a schedule queues every step at once, each an ordinary top-level Run
Profile activity carrying the schedule's attribution; the execution's status follows its steps.

The GETs of the fixture schedules are read anywhere; every test that POSTs uses `writer`.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract_tests.target import MISSING_ID, Target
from contract_tests.test_runs import MAX_POLLS, POLL_SECONDS, post

SCHEDULES_URL = "/api/v1/schedules"
EXECUTIONS_URL = "/api/v1/schedule-executions"
TERMINAL = ("Complete", "Failed", "Cancelled")
"""What Start-JIMSchedule -Wait stops polling at."""


def schedule_named(target: Target, name: str) -> dict[str, Any]:
    found = [s for s in target.admin(SCHEDULES_URL, pageSize=100).json()["items"] if s["name"] == name]
    if not found:
        pytest.skip(f"the target has no schedule named {name!r}")
    return found[0]


def run(target: Target, name: str) -> str:
    schedule = schedule_named(target, name)
    response = post(target, f"{SCHEDULES_URL}/{schedule['id']}/run")
    assert response.status_code == 202, response.text[:300]
    body = response.json()
    assert body["message"] == f"Schedule '{name}' started successfully"
    return str(body["executionId"])


def wait(target: Target, execution_id: str) -> dict[str, Any]:
    """Poll the execution as Start-JIMSchedule -Wait does, until a terminal status."""
    for _ in range(MAX_POLLS):
        body: dict[str, Any] = target.admin(f"{EXECUTIONS_URL}/{execution_id}").json()
        if body["status"] in TERMINAL:
            return body
        target.wait(POLL_SECONDS)
    raise AssertionError(f"execution {execution_id} still running after {MAX_POLLS} polls")


def test_schedules_are_listed_and_found_with_their_steps(target: Target) -> None:
    listed = target.admin(SCHEDULES_URL).json()
    if target.sandbox:
        assert listed["items"], "the sandbox's fixtures have schedules"
    for row in listed["items"]:
        detail = target.admin(f"{SCHEDULES_URL}/{row['id']}").json()
        assert detail["stepCount"] == len(detail["steps"]) == row["stepCount"]
        assert [s["stepIndex"] for s in detail["steps"]] == sorted(s["stepIndex"] for s in detail["steps"])
        assert detail["lastExecutionId"] is None, "JIM fills the last execution in the list only"
    body = target.assert_error(target.admin(f"{SCHEDULES_URL}/{MISSING_ID}"), 404, "NOT_FOUND")
    assert body["message"] == f"Schedule not found: {MISSING_ID}"
    body = target.assert_error(target.admin(f"{EXECUTIONS_URL}/{MISSING_ID}"), 404, "NOT_FOUND")
    assert body["message"] == f"Schedule execution not found: {MISSING_ID}"
    assert isinstance(target.admin(f"{EXECUTIONS_URL}/active").json(), list)


def test_a_schedule_runs_its_steps_one_after_another_as_top_level_attributed_activities(writer: Target) -> None:
    execution_id = run(writer, "Hourly Entra ID Delta")
    first = writer.admin(f"{EXECUTIONS_URL}/{execution_id}").json()
    assert first["status"] == "InProgress" and first["currentStepIndex"] == 0
    assert [s["status"] for s in first["steps"]] == ["Processing", "Waiting"]
    assert all(s["taskId"] is not None and s["activityId"] is not None for s in first["steps"])
    assert execution_id in [e["id"] for e in writer.admin(f"{EXECUTIONS_URL}/active").json()]
    last = wait(writer, execution_id)
    assert last["status"] == "Complete" and last["completedAt"] is not None
    assert [s["taskId"] for s in last["steps"]] == [None, None], "JIM deletes a task once its run ends"
    schedule = schedule_named(writer, "Hourly Entra ID Delta")
    assert (schedule["lastExecutionId"], schedule["lastExecutionStatus"]) == (execution_id, "Complete")
    for index, step in enumerate(last["steps"]):
        activity = writer.admin(writer.activity_url(step["activityId"])).json()
        assert activity["parentActivityId"] is None, "a scheduled step is a top-level activity"
        assert activity["status"] == step["activityStatus"]
        if "scheduleExecutionId" in activity:
            assert (activity["scheduleExecutionId"], activity["scheduleStepIndex"]) == (execution_id, index)
            assert activity["scheduledByScheduleId"] == schedule["id"]
            assert activity["scheduledByScheduleName"] == schedule["name"]
    assert execution_id not in [e["id"] for e in writer.admin(f"{EXECUTIONS_URL}/active").json()]
    listed = writer.admin(EXECUTIONS_URL, scheduleId=schedule["id"]).json()["items"]
    assert execution_id in [e["id"] for e in listed]
    assert {e["scheduleId"] for e in listed} == {schedule["id"]}  # the filter holds: this schedule's alone


def test_a_failing_step_fails_the_execution_and_its_successors_never_run(writer: Target) -> None:
    writer.need_sandbox()
    last = wait(writer, run(writer, "Nightly Synchronisation"))
    assert last["status"] == "Failed" and last["currentStepIndex"] == 1, last
    assert last["errorMessage"] == "Step 'Step 1' failed and ContinueOnFailure is false."
    assert [s["activityStatus"] for s in last["steps"]] == ["Complete", "FailedWithError", "Cancelled", "Cancelled"]


def test_cancelling_an_execution_cancels_its_steps_and_then_cannot_be_repeated(writer: Target) -> None:
    execution_id = run(writer, "Hourly Entra ID Delta")
    response = post(writer, f"{EXECUTIONS_URL}/{execution_id}/cancel")
    assert response.status_code == 200, response.text[:300]
    body = response.json()
    assert (body["id"], body["status"], body["errorMessage"]) == (execution_id, "Cancelled", "Cancelled by user")
    detail = writer.admin(f"{EXECUTIONS_URL}/{execution_id}").json()
    assert all(s["activityStatus"] == "Cancelled" and s["taskId"] is None for s in detail["steps"]), detail["steps"]
    again = writer.assert_error(post(writer, f"{EXECUTIONS_URL}/{execution_id}/cancel"), 400, "BAD_REQUEST")
    assert again["message"] == "Cannot cancel execution with status: Cancelled"
    writer.assert_error(post(writer, f"{EXECUTIONS_URL}/{MISSING_ID}/cancel"), 404, "NOT_FOUND")


def test_a_schedule_without_steps_is_refused_in_jims_words(writer: Target) -> None:
    empty = [s for s in writer.admin(SCHEDULES_URL).json()["items"] if s["stepCount"] == 0]
    if not empty:
        pytest.skip("the target has no schedule without steps")
    body = writer.assert_error(post(writer, f"{SCHEDULES_URL}/{empty[0]['id']}/run"), 400, "BAD_REQUEST")
    assert body["message"] == "Cannot run a schedule with no steps"
    writer.assert_error(post(writer, f"{SCHEDULES_URL}/{MISSING_ID}/run"), 404, "NOT_FOUND")


def test_no_activity_stands_for_a_schedule_and_the_filters_find_the_scheduled_runs(target: Target) -> None:
    rows = target.activities(pageSize=100).json()["items"]
    assert "Schedule" not in {r["targetType"] for r in rows}, "JIM files no activity for a schedule's execution"
    executions = target.admin(EXECUTIONS_URL, pageSize=100).json()["items"]
    if not executions:
        pytest.skip("the target has no schedule executions")
    execution = target.admin(f"{EXECUTIONS_URL}/{executions[-1]['id']}").json()
    steps = [s["activityId"] for s in execution["steps"] if s["activityId"] is not None]
    for activity_id in steps:
        detail = target.admin(target.activity_url(activity_id)).json()
        assert detail["parentActivityId"] is None
    if not target.profile.list_filters:
        return  # the documented list has no filters: nothing more to find them by
    scheduled = target.activities(scheduledOnly="true", pageSize=100).json()["items"]
    assert set(steps) <= {r["id"] for r in scheduled}
    assert all(r["scheduledByScheduleId"] is not None for r in scheduled)
    by_schedule = target.activities(scheduleId=execution["scheduleId"], pageSize=100).json()["items"]
    assert set(steps) <= {r["id"] for r in by_schedule}
    assert {r["scheduledByScheduleName"] for r in by_schedule} == {execution["scheduleName"]}
