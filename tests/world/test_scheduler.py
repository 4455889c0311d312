"""Enabled schedules fire by the world's clock as JIM's scheduler fires them: at each occurrence of the expression
after the world's start, initiated by the System, skipped while the schedule's last execution still runs, the most
recent FIRED_KEPT of each kept; the same at every reading of the same clock, in every process."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from mockserver.app import fires_schedules
from mockserver.settings import Settings
from mockserver.world.runs.clock import ManualClock
from mockserver.world.runs.scheduler import FIRED_KEPT
from mockserver.world.vocabulary import RUN_PROFILE
from tests.conftest import ADMIN

HOURLY = "76416817-d9f3-474d-8851-5bf9062cc715"
"""Cron `0 * * * *`; the world starts at 07:01 (Sunday 5 April 2026), so it first fires at 08:00, 3,540 s on."""
NIGHTLY = "d61db53a-3330-4cea-9bdc-45eb3aa6b7df"
EVERY_MINUTE = "0f0e0d0c-0b0a-4908-8706-050403020100"
TO_EIGHT = 3540.0


def get(client: TestClient, url: str) -> Any:
    response = client.get(url, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


def fired(client: TestClient, schedule_id: str = HOURLY) -> list[dict[str, Any]]:
    """The schedule's executions the scheduler started, oldest first."""
    rows = get(client, f"/api/v1/schedule-executions?scheduleId={schedule_id}&pageSize=100")["items"]
    return [row for row in reversed(rows) if row["initiatedByType"] == "System" and row["initiatedByName"]]


def schedule(client: TestClient, schedule_id: str = HOURLY) -> dict[str, Any]:
    return next(s for s in get(client, "/api/v1/schedules")["items"] if s["id"] == schedule_id)


def test_a_schedule_fires_at_its_next_run_time_as_a_client_started_run_would_run(
    make_client: Callable[..., TestClient],
) -> None:
    clock = ManualClock()
    client = make_client(clock=clock, access_log=False)
    assert schedule(client)["nextRunTime"] == "2026-04-05T08:00:00Z"
    clock.advance(TO_EIGHT - 1)
    assert fired(client) == []
    clock.advance(1)
    (execution,) = fired(client)
    assert (execution["queuedAt"], execution["status"]) == ("2026-04-05T08:00:00Z", "InProgress")
    assert (execution["initiatedById"], execution["initiatedByName"]) == (None, "Scheduler Service")
    assert [e["id"] for e in get(client, "/api/v1/schedule-executions/active")] == [execution["id"]]
    row = schedule(client)
    assert (row["lastRunTime"], row["nextRunTime"], row["lastExecutionId"]) == (
        "2026-04-05T08:00:00Z",
        "2026-04-05T09:00:00Z",
        execution["id"],
    )
    first, second = get(client, f"/api/v1/schedule-executions/{execution['id']}")["steps"]
    activity = get(client, f"/api/v1/activities/{first['activityId']}")
    assert (activity["initiatedByType"], activity["initiatedByName"], activity["status"]) == (
        "System",
        "Scheduler Service",
        "InProgress",
    )
    assert activity.get("parentActivityId") is None and activity["targetType"] == RUN_PROFILE
    task = get(client, f"/api/v1/worker-tasks/{second['taskId']}")
    assert (task["status"], task["scheduleExecutionId"]) == ("WaitingForPreviousStep", execution["id"])
    listed = get(client, "/api/v1/activities?sortBy=created&sortDirection=desc&pageSize=100")["items"]
    assert {first["activityId"], second["activityId"]} <= {a["id"] for a in listed}
    clock.advance(42)
    assert get(client, f"/api/v1/schedule-executions/{execution['id']}")["status"] == "Complete"
    assert get(client, "/api/v1/schedule-executions/active") == []
    assert client.get(f"/api/v1/worker-tasks/{second['taskId']}", headers=ADMIN).status_code == 404


def test_scheduled_only_finds_the_fired_runs(make_client: Callable[..., TestClient]) -> None:
    clock = ManualClock(TO_EIGHT + 60)
    client = make_client(clock=clock, access_log=False, profile="jim")
    (execution,) = fired(client)
    rows = get(client, f"/api/v1/activities?scheduleId={HOURLY}&pageSize=100")["items"]
    mine = sorted(
        (r["scheduleStepIndex"], r["scheduledByScheduleName"])
        for r in rows
        if r["scheduleExecutionId"] == execution["id"]
    )
    assert mine == [(0, "Hourly Entra ID Delta"), (1, "Hourly Entra ID Delta")]


def test_no_scheduler_fires_nothing_and_keeps_the_fixtures_next_run_time(
    make_client: Callable[..., TestClient],
) -> None:
    clock = ManualClock()
    client = make_client(clock=clock, access_log=False, scheduler=False)
    clock.advance(3 * 86_400)
    assert fired(client) == [] and fired(client, NIGHTLY) == []
    assert schedule(client)["nextRunTime"] == "2026-04-05T08:00:00Z"


def test_a_hand_turned_clock_fires_only_when_asked() -> None:
    assert fires_schedules(Settings())
    assert not fires_schedules(Settings(hand_turned_clock=True))
    assert fires_schedules(Settings(hand_turned_clock=True, scheduler=True))
    assert not fires_schedules(Settings(scheduler=False))


def every_minute(fixtures: Path, run_profile: int = 6) -> None:
    """A schedule firing every minute whose one step (HR Database's Full Import) takes 90 seconds."""
    path = fixtures / "schedules.json"
    records = json.loads(path.read_text())
    step = {"id": "0f0e0d0c-0b0a-4908-8706-0504030201ff", "stepIndex": 0, "connectedSystemId": 2}
    records.append(
        {
            "id": EVERY_MINUTE, "name": "Every Minute", "triggerType": "Cron", "cronExpression": "* * * * *",
            "isEnabled": True, "created": "2026-04-01T00:00:00Z", "steps": [{**step, "runProfileId": run_profile}],
        }
    )  # fmt: skip
    path.write_text(json.dumps(records))


def test_a_firing_due_while_the_last_execution_runs_is_skipped(
    make_client: Callable[..., TestClient], fixtures: Path
) -> None:
    every_minute(fixtures)
    clock = ManualClock(7 * 60)
    client = make_client(clock=clock, access_log=False, fixtures_dir=fixtures)
    queued = [e["queuedAt"][11:16] for e in fired(client, EVERY_MINUTE)]
    # 07:02 runs to 07:03:30: 07:03 is skipped (JIM's scheduler: "already has an active execution"), 07:04 fires.
    assert queued == ["07:02", "07:04", "07:06", "07:08"]
    assert schedule(client, EVERY_MINUTE)["nextRunTime"] == "2026-04-05T07:09:00Z"


def test_only_the_most_recent_firings_are_kept(make_client: Callable[..., TestClient], fixtures: Path) -> None:
    every_minute(fixtures)
    clock = ManualClock(2 * 60)
    client = make_client(clock=clock, access_log=False, fixtures_dir=fixtures)
    (oldest,) = fired(client, EVERY_MINUTE)
    runs = [s["activityId"] for s in get(client, f"/api/v1/schedule-executions/{oldest['id']}")["steps"]]
    clock.advance(2 * 60 * FIRED_KEPT)
    kept = fired(client, EVERY_MINUTE)
    assert len(kept) == FIRED_KEPT and oldest["id"] not in {e["id"] for e in kept}
    assert client.get(f"/api/v1/schedule-executions/{oldest['id']}", headers=ADMIN).status_code == 404
    assert client.get(f"/api/v1/activities/{runs[0]}", headers=ADMIN).status_code == 404


def test_the_same_clock_gives_the_same_bytes_however_it_got_there(
    make_client: Callable[..., TestClient],
) -> None:
    url = "/api/v1/schedule-executions?pageSize=100"
    step_by_step, at_once = ManualClock(), ManualClock(86_400)
    one = make_client(clock=step_by_step, access_log=False)
    for _ in range(48):
        one.get(url, headers=ADMIN)
        step_by_step.advance(1_800)
    other = make_client(clock=at_once, access_log=False)
    assert one.get(url, headers=ADMIN).content == other.get(url, headers=ADMIN).content
    step_by_step.set(0)
    assert fired(one) == []
    step_by_step.set(86_400)
    assert one.get(url, headers=ADMIN).content == other.get(url, headers=ADMIN).content
    # Set back past firings forgotten since (24 hourly ones, 20 kept), or past none: as a fresh world there.
    few = ManualClock(18_000)
    two = make_client(clock=few, access_log=False)
    assert len(fired(two)) == 5
    for clock, client, back in ((step_by_step, one, 20_000), (few, two, 10_000)):
        clock.set(back)
        fresh = make_client(clock=ManualClock(back), access_log=False)
        assert client.get(url, headers=ADMIN).content == fresh.get(url, headers=ADMIN).content


def test_fired_ids_are_the_seeds_and_never_a_client_started_runs(make_client: Callable[..., TestClient]) -> None:
    clock = ManualClock(TO_EIGHT)
    client = make_client(clock=clock, access_log=False)
    started = client.post(f"/api/v1/schedules/{HOURLY}/run", headers=ADMIN).json()["executionId"]
    again = make_client(clock=ManualClock(TO_EIGHT), access_log=False)
    assert client.post(f"/api/v1/schedules/{HOURLY}/run", headers=ADMIN).status_code == 202
    other = make_client(clock=ManualClock(TO_EIGHT), access_log=False, seed=1)
    ids = [fired(c)[0]["id"] for c in (client, again, other)]
    assert ids[0] == ids[1] != ids[2] and started not in ids
    # The client's runs are numbered as they were before the scheduler: the first started run's id is unchanged.
    quiet = make_client(clock=ManualClock(TO_EIGHT), access_log=False, scheduler=False)
    assert quiet.post(f"/api/v1/schedules/{HOURLY}/run", headers=ADMIN).json()["executionId"] == started


def test_cancelling_a_fired_execution_is_the_clients_alone(make_client: Callable[..., TestClient]) -> None:
    clock = ManualClock(TO_EIGHT + 5)
    client = make_client(clock=clock, access_log=False)
    (execution,) = fired(client)
    cancelled = client.post(f"/api/v1/schedule-executions/{execution['id']}/cancel", headers=ADMIN)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "Cancelled"
    steps = get(client, f"/api/v1/schedule-executions/{execution['id']}")["steps"]
    assert [s["activityStatus"] for s in steps] == ["Cancelled", "Cancelled"]
    elsewhere = make_client(clock=ManualClock(TO_EIGHT + 5), access_log=False)
    assert fired(elsewhere)[0]["status"] == "InProgress"
    clock.advance(3_600)
    assert [e["queuedAt"] for e in fired(client)] == ["2026-04-05T08:00:00Z", "2026-04-05T09:00:00Z"]
