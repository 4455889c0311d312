"""An activity's progress (/progress), in both profiles: where a finished activity stands, and a run that moves.

The shape and rules are JIM's (ActivityProgressDto.cs): percentages to one decimal, seconds elapsed since it
started whatever its status, throughput and an estimate only while it runs, its items counted by change type,
and its steps. A run in progress is polled until it ends, as a client's poller does: against the in-process
sandbox the test turns its clock instead of waiting.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from itertools import pairwise
from typing import Any

import pytest

from contract_tests.target import Target
from contract_tests.walk import walk

PROGRESS_KEYS = {
    "id", "status", "message", "objectsProcessed", "objectsToProcess", "percentComplete", "elapsedSeconds",
    "objectsPerSecond", "estimatedSecondsRemaining", "targetType", "runType", "operationCounts", "totalErrors",
    "retrievedAt", "phases", "currentPhase", "currentPhaseNumber", "totalPhases",
}  # fmt: skip
PHASE_KEYS = {"key", "name", "parentKey", "order", "status", "started", "ended", "durationSeconds"}
PHASE_STATUSES = {"Pending", "Active", "Completed", "Skipped", "Failed"}
TERMINAL = {"Complete", "CompleteWithWarning", "CompleteWithError", "FailedWithError", "Cancelled"}
POLL_SECONDS = 2
"""What Get-JIMActivity -Follow waits between polls."""
MAX_POLLS = 200


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def progress(target: Target, activity: str) -> dict[str, Any]:
    response = target.admin(target.activity_url(activity, "progress"))
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == target.profile.json_type
    body: dict[str, Any] = response.json()
    assert_progress_laws(body)
    return body


def assert_progress_laws(body: dict[str, Any]) -> None:
    """What holds between a snapshot's fields, whatever the activity."""
    assert set(body) == PROGRESS_KEYS, sorted(body)
    processed, total = body["objectsProcessed"], body["objectsToProcess"]
    expected_percent = round(min(100.0, processed / total * 100), 1) if total > 0 else None
    assert body["percentComplete"] == expected_percent, (body["percentComplete"], processed, total)
    running = body["status"] == "InProgress"
    if not running:
        assert body["objectsPerSecond"] is None and body["estimatedSecondsRemaining"] is None, body
    if processed == 0:
        # JIM's rate is over the counts its polls have seen: none on the first, 0 while the count stands still.
        assert not body["objectsPerSecond"] and body["estimatedSecondsRemaining"] is None, body
    if body["objectsPerSecond"]:
        left = (total - processed) / body["objectsPerSecond"]
        assert body["estimatedSecondsRemaining"] == pytest.approx(left), body
    assert body["totalErrors"] <= sum(body["operationCounts"].values())
    top = [phase for phase in body["phases"] if phase["parentKey"] is None]
    assert body["totalPhases"] == len(top)
    assert [phase["order"] for phase in body["phases"]] == sorted(phase["order"] for phase in body["phases"])
    for phase in body["phases"]:
        assert set(phase) == PHASE_KEYS and phase["status"] in PHASE_STATUSES, phase
        timed = phase["started"] is not None and phase["ended"] is not None
        if timed:
            took = (moment(phase["ended"]) - moment(phase["started"])).total_seconds()
            assert phase["durationSeconds"] == pytest.approx(took), phase
        assert phase["status"] not in ("Pending", "Skipped") or phase["started"] is None, phase
        assert phase["status"] != "Completed" or timed, phase
    active = [phase for phase in body["phases"] if phase["status"] == "Active"]
    if not running or not active:
        assert (body["currentPhase"], body["currentPhaseNumber"]) == (None, None), body
    else:
        current = max(active, key=lambda phase: (phase["parentKey"] is not None, phase["order"]))
        host = current["parentKey"] or current["key"]
        assert body["currentPhase"] == current
        assert body["currentPhaseNumber"] == [phase["key"] for phase in top].index(host) + 1


def test_a_finished_run_stands_where_it_ended(target: Target) -> None:
    activity = target.need("run_profile_id")
    body = progress(target, activity)
    detail = target.admin(target.activity_url(activity)).json()
    stats = target.admin(target.activity_url(activity, "stats")).json()
    assert body["status"] == detail["status"] and body["status"] in TERMINAL
    assert (body["id"], body["message"], body["targetType"]) == (activity, detail["message"], detail["targetType"])
    assert (body["objectsProcessed"], body["objectsToProcess"]) == (
        detail["objectsProcessed"],
        detail["objectsToProcess"],
    )
    assert body["runType"] == detail["connectedSystemRunType"]
    items = walk(target, target.items_url(activity), "items")
    assert body["operationCounts"] == dict(Counter(item["objectChangeType"] for item in items))
    assert body["totalErrors"] == stats["totalObjectErrors"]
    # Elapsed from when it started to when the snapshot was taken, though it finished long before.
    since = (moment(body["retrievedAt"]) - moment(detail["executed"])).total_seconds()
    assert body["elapsedSeconds"] == pytest.approx(since, abs=0.001)
    if "phases" in target.profile.detail_keys:
        assert body["phases"] == detail["phases"], "the detail's steps are the progress's"


def test_an_activity_that_is_not_a_run_has_no_steps_and_no_counts(target: Target) -> None:
    body = progress(target, target.need("non_run_profile_id"))
    assert (body["phases"], body["totalPhases"], body["runType"]) == ([], 0, None)
    assert (body["operationCounts"], body["totalErrors"]) == ({}, 0)


def test_the_same_moment_is_the_same_snapshot(target: Target) -> None:
    if target.clock is None:
        pytest.skip("a live server's clock runs: two snapshots differ by when they were taken")
    url = target.activity_url(target.need("run_profile_id"), "progress")
    assert target.admin(url).content == target.admin(url).content


def test_a_run_in_progress_moves_until_it_ends_and_then_the_activity_shows_its_end(target: Target) -> None:
    activity = target.need("running_activity_id")
    polls = [progress(target, activity)]
    if polls[0]["status"] != "InProgress":
        pytest.skip("the run had already ended when the test began (a live server's run ends on its clock)")
    before = target.clock.elapsed() if target.clock is not None else None
    recorded = target.admin(target.items_url(activity), pageSize=1).json()["totalCount"]
    if target.clock is not None:  # one reading of the clock: the items recorded are the operations counted
        assert recorded == sum(polls[0]["operationCounts"].values())
    try:
        while polls[-1]["status"] == "InProgress" and len(polls) < MAX_POLLS:
            target.wait(POLL_SECONDS)
            polls.append(progress(target, activity))
        final = target.admin(target.activity_url(activity)).json()
        counted = target.admin(target.items_url(activity), pageSize=1).json()["totalCount"]
    finally:
        if before is not None:
            target.clock.set(before)  # the world as it stood, for the tests that follow
    assert polls[-1]["status"] in TERMINAL, f"still {polls[-1]['status']} after {len(polls)} polls"
    for earlier, later in pairwise(polls):
        assert later["objectsProcessed"] >= earlier["objectsProcessed"], (earlier, later)
        assert sum(later["operationCounts"].values()) >= sum(earlier["operationCounts"].values())
        gone = (moment(later["retrievedAt"]) - moment(earlier["retrievedAt"])).total_seconds()
        assert later["elapsedSeconds"] - earlier["elapsedSeconds"] == pytest.approx(gone, abs=0.001)
        if target.clock is not None:  # the sandbox's time moves only with its clock
            assert gone == pytest.approx(POLL_SECONDS)
    assert len({poll["objectsProcessed"] for poll in polls}) > 2, "the run did not move while it was polled"
    assert polls[0]["objectsPerSecond"] is not None, "a run that moves has a rate"
    last = polls[-1]
    assert (final["status"], final["objectsProcessed"]) == (last["status"], last["objectsProcessed"])
    assert final["executionTime"] is not None and final["totalActivityTime"] is not None
    assert counted == sum(last["operationCounts"].values()), "the items recorded are the operations counted"
    assert counted > recorded, "the run recorded no items while it moved"
    assert last["currentPhase"] is None and all(p["status"] not in ("Active", "Pending") for p in last["phases"])
