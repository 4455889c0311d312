"""One clock: every time the server writes (error and health timestamps, the journal, Date) is the world's."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

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
