"""--epoch places the fixture history in time, moved whole; --clock-rate runs the world faster than the wall."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings
from mockserver.world.runs.clock import ManualClock, RunningClock
from tests.conftest import ADMIN
from tests.test_serve_command import one_line

RUN = "a37fa88f-3aed-4d06-b5b1-1571bdd6b0b2"
SYSTEM = "/api/v1/synchronisation/connected-systems/1"
OWN_END = datetime(2026, 4, 5, 7, 1, tzinfo=UTC)
"""The fixtures' own "now" (their live.asOf)."""
HANG_GUARD = 30.0


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def world_now(client: TestClient) -> datetime:
    return moment(client.get("/api/v1/health").json()["timestamp"])


def history(client: TestClient) -> dict[str, tuple[datetime, datetime | None]]:
    """Every top-level activity's created and executed."""
    rows = client.get("/api/v1/activities?pageSize=100", headers=ADMIN).json()["items"]
    return {r["id"]: (moment(r["created"]), moment(r["executed"]) if r["executed"] else None) for r in rows}


def test_epoch_now_ends_the_history_at_start_up_keeping_its_shape(make_client: Callable[..., TestClient]) -> None:
    own = make_client(access_log=False)
    before = time.time()
    moved = make_client(access_log=False, epoch="now")
    after = time.time()
    end = world_now(moved)
    assert int(before) <= end.timestamp() <= after, "the history ends in the start-up second"
    offset = end - OWN_END
    assert offset.microseconds == 0, "moved by whole seconds"
    # Every time moved by the same offset: the same gaps, the same order, the newest no later than the end.
    shifted = {key: (c + offset, e + offset if e else None) for key, (c, e) in history(own).items()}
    assert history(moved) == shifted
    assert max(c for c, _ in history(moved).values()) <= end
    systems = (own.get(SYSTEM, headers=ADMIN).json(), moved.get(SYSTEM, headers=ADMIN).json())
    assert moment(systems[1]["created"]) - moment(systems[0]["created"]) == offset


def test_an_epoch_date_time_is_where_the_history_ends(make_client: Callable[..., TestClient]) -> None:
    clock = ManualClock()
    client = make_client(access_log=False, epoch="2030-01-01T01:00:00+01:00", clock=clock)
    assert client.get("/api/v1/health").json()["timestamp"] == "2030-01-01T00:00:00.000Z"
    clock.advance(2.5)
    progress = client.get(f"/api/v1/activities/{RUN}/progress", headers=ADMIN)
    assert progress.json()["retrievedAt"] == "2030-01-01T00:00:02.5Z"
    assert progress.headers["date"] == "Tue, 01 Jan 2030 00:00:02 GMT"
    assert client.get(f"/api/v1/activities/{RUN}", headers=ADMIN).json()["created"] < "2030-01-01T00:00:00Z"


def test_a_date_alone_is_its_midnight_in_utc() -> None:
    assert Settings(epoch="2030-01-01").epoch == "2030-01-01T00:00:00Z"
    assert Settings(epoch=" NOW ").epoch == "now"


def test_workers_given_one_origin_agree_on_a_moved_history() -> None:
    settings = Settings(access_log=False, epoch="now", clock_origin=time.time() - 3600.5)
    answers = []
    for _ in range(2):
        with create_app(settings, clock=ManualClock()).test_client() as client:
            answers.append(client.get("/api/v1/activities?pageSize=100", headers=ADMIN).content)
    assert answers[0] == answers[1]


def test_a_running_clock_runs_at_its_rate() -> None:
    wall = [1000.0]
    clock = RunningClock(origin=990.0, wall=lambda: wall[0], rate=60)
    assert clock.elapsed() == 600.0
    with pytest.raises(ValueError, match="rate"):
        RunningClock(rate=0)


def test_the_clock_rate_runs_the_world_ahead_of_the_wall() -> None:
    # Started an hour ago at 4 times the wall's rate: the world has run at least 4 hours.
    settings = Settings(access_log=False, clock_origin=time.time() - 3600, clock_rate=4)
    with create_app(settings).test_client() as client:
        assert (world_now(client) - OWN_END).total_seconds() >= 4 * 3600


def test_the_clock_rate_ends_a_live_run_sooner() -> None:
    # A 60-second run at 6,000 times the wall ends in 10 ms of it: polled until it does, with a guard against a hang.
    with create_app(Settings(access_log=False, clock_rate=6000, live_run_seconds=60)).test_client() as client:
        deadline = time.monotonic() + HANG_GUARD
        while (progress := client.get(f"/api/v1/activities/{RUN}/progress", headers=ADMIN).json())["status"] == (
            "InProgress"
        ):
            assert time.monotonic() < deadline, "the run never ended"
            time.sleep(0.01)
    assert progress["status"] == "Complete"


@pytest.mark.parametrize(
    ("arguments", "environment", "said"),
    [
        (["--epoch", "yesterday"], {}, "--epoch: use fixtures, now, or a date-time with its zone"),
        (["--epoch", "2030-01-01T00:00:00"], {}, "--epoch: 2030-01-01T00:00:00 needs its zone"),
        ([], {"MOCKSERVER_EPOCH": "0001-01-01"}, "MOCKSERVER_EPOCH: a year from 1971 to 9000"),
        (["--clock-rate", "0"], {}, "--clock-rate: Input should be greater than 0"),
        ([], {"MOCKSERVER_CLOCK_RATE": "-2"}, "MOCKSERVER_CLOCK_RATE: Input should be greater than 0"),
        ([], {"MOCKSERVER_HAND_TURNED_CLOCK": "true"}, "MOCKSERVER_HAND_TURNED_CLOCK: only a sandbox served from"),
    ],
)
def test_bad_clock_settings_stop_start_up_in_one_line(
    arguments: list[str], environment: dict[str, str], said: str
) -> None:
    assert said in one_line("serve", *arguments, **environment)
