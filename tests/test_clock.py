"""One clock: every time the server writes (error and health timestamps, the journal, Date) is the world's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from mockserver.testing.served import sandbox_settings, serve_sandbox
from mockserver.world.runs.clock import ManualClock
from tests.conftest import ADMIN, SEED_ACTIVITY

START = "2026-04-05T07:01:00"
"""The fixtures' own "now" (their live.asOf): the world's time at start-up with the default epoch."""
MISSING = "/api/v1/activities/ffffffff-ffff-ffff-ffff-ffffffffffff"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(2.5)


@pytest.mark.parametrize("path", ["/api/v1/health", "/api/v1/health/live", "/api/v1/health/ready"])
def test_health_timestamps_are_the_worlds_time(
    make_client: Callable[..., TestClient], clock: ManualClock, path: str
) -> None:
    client = make_client(clock=clock, access_log=False)
    assert client.get(path).json()["timestamp"] == f"{START[:-2]}02.500Z"
    clock.advance(60)
    assert client.get(path).json()["timestamp"] == "2026-04-05T07:02:02.500Z"


@pytest.mark.parametrize("profile", ["documented", "jim"])
def test_error_timestamps_are_the_worlds_time(
    make_client: Callable[..., TestClient], clock: ManualClock, profile: str
) -> None:
    client = make_client(clock=clock, profile=profile, access_log=False)
    assert client.get(MISSING, headers=ADMIN).json()["timestamp"] == f"{START[:-2]}02.500Z"
    if profile == "documented":  # the jim profile's 401 has no timestamp
        assert client.get(MISSING).json()["timestamp"] == f"{START[:-2]}02.500Z"


def test_a_cors_refusal_is_stamped_with_the_worlds_time(make_client: Callable[..., TestClient]) -> None:
    client = make_client(cors_origins=("http://localhost:3000",), access_log=False)
    refused = client.options(MISSING, headers={"Origin": "http://elsewhere", "Access-Control-Request-Method": "GET"})
    assert refused.status_code == 400 and refused.json()["timestamp"] == f"{START}.000Z"


def test_the_journal_records_the_worlds_time(make_client: Callable[..., TestClient], clock: ManualClock) -> None:
    client = make_client(clock=clock, journal_size=10, access_log=False)
    client.get(f"/api/v1/activities/{SEED_ACTIVITY}", headers=ADMIN)
    clock.advance(30)
    client.get(MISSING, headers=ADMIN)
    entries = client.get("/__admin/requests").json()["entries"]
    assert [(e["time"], e["status"]) for e in entries] == [
        ("2026-04-05T07:01:32.500Z", 404),
        ("2026-04-05T07:01:02.500Z", 200),
    ]
    # Durations too are the world's: a hand-turned clock that did not move took no time.
    assert [e["durationMs"] for e in entries] == [0.0, 0.0]


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", f"/api/v1/activities/{SEED_ACTIVITY}", ADMIN, 200),
        ("HEAD", f"/api/v1/activities/{SEED_ACTIVITY}", ADMIN, 200),
        ("GET", MISSING, ADMIN, 404),
        ("GET", MISSING, {}, 401),
        ("GET", "/api/v1/health", {}, 200),
        ("GET", "/__admin/requests", {}, 200),
        ("GET", "/api/reference", {}, 200),
    ],
)
def test_every_answer_is_dated_by_the_worlds_clock(
    make_client: Callable[..., TestClient],
    clock: ManualClock,
    method: str,
    path: str,
    headers: dict[str, str],
    status: int,
) -> None:
    client = make_client(clock=clock, journal_size=5, access_log=False)
    response = client.request(method, path, headers=headers)
    assert response.status_code == status
    assert response.headers.get_list("date") == ["Sun, 05 Apr 2026 07:01:02 GMT"]
    clock.advance(86_400)
    assert client.request(method, path, headers=headers).headers["date"] == "Mon, 06 Apr 2026 07:01:02 GMT"


def test_a_served_sandbox_sends_one_date_the_worlds(tmp_path: Path) -> None:
    with serve_sandbox(sandbox_settings(access_log=False)) as sandbox:
        response = httpx.get(sandbox.base_url + "/api/v1/health", timeout=10)
    [date] = response.headers.get_list("date")
    stamped = datetime.fromisoformat(response.json()["timestamp"])
    # Dated as the answer starts, after the handler read the clock: the same second, or the next.
    assert parsedate_to_datetime(date) - stamped.replace(microsecond=0) in (timedelta(0), timedelta(seconds=1))
    assert stamped.date().isoformat() == START[:10], "the world's clock, not the wall's"
