"""The run in progress at start-up moves with the world's clock, and the world around it agrees at every moment."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from mockserver import serving
from mockserver.cli import main
from mockserver.settings import Settings
from mockserver.world.runs.clock import ManualClock, RunningClock
from tests.conftest import ADMIN

RUN = "a37fa88f-3aed-4d06-b5b1-1571bdd6b0b2"
EXECUTION = "d091da9f-c495-40da-9293-c0744035a637"
"""The Hourly Entra ID Delta's execution whose second step is the run (schedules.json)."""
EXECUTIONS = "/api/v1/schedule-executions"
ACTIVITIES = "/api/v1/activities"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sandbox(make_client: Callable[..., TestClient], clock: ManualClock) -> TestClient:
    """Its run ends 10 seconds after the start."""
    return make_client(clock=clock, live_run_seconds=10, access_log=False)


def get(client: TestClient, url: str) -> dict[str, object]:
    response = client.get(url, headers=ADMIN)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_the_run_moves_steadily_from_where_it_stood_to_its_end(sandbox: TestClient, clock: ManualClock) -> None:
    seen = []
    for _ in range(3):
        detail = get(sandbox, f"{ACTIVITIES}/{RUN}")
        seen.append((detail["status"], detail["objectsProcessed"], detail["message"], detail["executionTime"]))
        clock.advance(5)
    assert seen == [
        ("InProgress", 17, "Synchronising: 17 of 40 objects", None),
        ("InProgress", 28, "Synchronising: 28 of 40 objects", None),  # 17 + 23 * 5 / 10, rounded down
        ("Complete", 40, "Completed successfully", "00:00:46"),  # from 07:00:24 to 07:01:00 + 10 s
    ]


def test_its_schedule_execution_completes_when_it_does(sandbox: TestClient, clock: ManualClock) -> None:
    # JIM files no activity for the execution: it is its own resource, read from its steps' runs.
    execution = f"{EXECUTIONS}/{EXECUTION}"
    assert get(sandbox, execution)["status"] == "InProgress"
    assert [e["id"] for e in get(sandbox, f"{EXECUTIONS}/active")] == [EXECUTION]
    clock.advance(9.999)
    assert get(sandbox, execution)["status"] == "InProgress"
    clock.advance(0.001)
    ended = get(sandbox, execution)
    assert (ended["status"], ended["currentStepIndex"], ended["completedAt"]) == ("Complete", 1, "2026-04-05T07:01:10Z")
    assert [s["activityStatus"] for s in ended["steps"]] == ["Complete", "Complete"]
    assert get(sandbox, f"{EXECUTIONS}/active") == []
    rows = get(sandbox, f"{ACTIVITIES}?sortBy=status&pageSize=100")["items"]
    assert isinstance(rows, list) and all(row["status"] != "InProgress" for row in rows)


def test_the_items_it_records_are_the_first_of_its_final_items(sandbox: TestClient, clock: ManualClock) -> None:
    url = f"{ACTIVITIES}/{RUN}/items?pageSize=100"
    at_start = get(sandbox, url)
    clock.advance(10)
    at_end = get(sandbox, url)
    assert (at_start["totalCount"], at_end["totalCount"]) == (12, 28)
    assert isinstance(at_start["items"], list) and isinstance(at_end["items"], list)
    assert at_end["items"][:12] == at_start["items"], "an item once recorded never changes"
    stats = get(sandbox, f"{ACTIVITIES}/{RUN}/stats")
    assert (stats["totalObjectChangeCount"], stats["totalObjectsProcessed"]) == (28, 40)


def test_progress_counts_the_seconds_the_clock_gave_and_estimates_the_rest(
    sandbox: TestClient, clock: ManualClock
) -> None:
    clock.advance(2.5)
    progress = get(sandbox, f"{ACTIVITIES}/{RUN}/progress")
    assert progress["retrievedAt"] == "2026-04-05T07:01:02.5Z"
    assert progress["elapsedSeconds"] == 38.5  # since it started at 07:00:24
    assert (progress["objectsProcessed"], progress["objectsPerSecond"]) == (22, 2.3)  # 23 objects in 10 s
    assert progress["estimatedSecondsRemaining"] == pytest.approx(18 / 2.3)
    assert progress["currentPhase"]["key"] == "sync.process" and progress["currentPhaseNumber"] == 2  # type: ignore[index]


def test_the_same_reading_of_the_clock_is_the_same_bytes(make_client: Callable[..., TestClient]) -> None:
    one, other = (make_client(clock=ManualClock(7.25), live_run_seconds=10, access_log=False) for _ in range(2))
    for part in ("progress", "", "stats", "items"):
        url = f"{ACTIVITIES}/{RUN}/{part}".rstrip("/")
        assert one.get(url, headers=ADMIN).content == other.get(url, headers=ADMIN).content, url


def test_a_running_clock_reads_the_wall_from_its_origin() -> None:
    wall = [1000.0]
    clock = RunningClock(origin=990.0, wall=lambda: wall[0])
    assert clock.elapsed() == 10.0
    wall[0] = 980.0  # the wall clock set back: the world does not run backwards past its start
    assert clock.elapsed() == 0.0


def test_a_hand_turned_clock_only_goes_forward_unless_set() -> None:
    clock = ManualClock()
    clock.advance(3)
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
    clock.set(0)
    assert clock.elapsed() == 0


def test_serve_gives_its_workers_one_clock_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[Settings] = []

    def serve(app: object, settings: Settings, listener: socket.socket) -> None:
        listener.close()
        served.append(settings)

    monkeypatch.setattr(serving, "serve", serve)
    result = CliRunner().invoke(main, ["serve", "--port", "0", "--no-access-log"])
    assert result.exit_code == 0, result.output
    (settings,) = served
    assert settings.clock_origin is not None
    # Each worker rebuilds its settings from these variables, so each clock starts at the same second.
    assert Settings(**{"clock_origin": settings.as_environment()["MOCKSERVER_CLOCK_ORIGIN"]}).clock_origin == (
        settings.clock_origin
    )
