"""A run's steps as JIM records them: one after another from `executed`, nested ones closing with their host, the
step a failed run was in Failed, steps never entered Skipped (world/runs/phases.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import ADMIN, SEED_ACTIVITY

FAILED_EXPORT = "817a567b-c849-4cf3-b041-085873688604"
CANCELLED = "2dce3506-feca-4801-b2cf-63c6e0151789"


def phases(client: TestClient, activity: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = client.get(f"/api/v1/activities/{activity}/progress", headers=ADMIN).json()["phases"]
    return found


def test_a_delta_imports_steps_follow_one_another_from_when_it_started(client: TestClient) -> None:
    steps = {
        (s["key"], s["status"], s["started"], s["ended"], s["durationSeconds"]) for s in phases(client, SEED_ACTIVITY)
    }
    assert steps == {
        ("import.connect", "Completed", "2026-04-05T06:00:01Z", "2026-04-05T06:00:03Z", 2),
        ("import.fetch", "Completed", "2026-04-05T06:00:03Z", "2026-04-05T06:01:04Z", 61),
        ("import.process", "Completed", "2026-04-05T06:00:16Z", "2026-04-05T06:01:04Z", 48),  # closes with its host
        ("import.deletions", "Skipped", None, None, None),  # a Delta Import detects no deletions
        ("import.references", "Completed", "2026-04-05T06:01:04Z", "2026-04-05T06:01:08Z", 4),
        ("import.save", "Completed", "2026-04-05T06:01:08Z", "2026-04-05T06:01:26Z", 18),
        ("import.reconcile", "Skipped", None, None, None),
        ("import.record", "Completed", "2026-04-05T06:01:26Z", "2026-04-05T06:01:31Z", 5),  # executed + 90 s
    }


def test_a_failed_run_failed_in_the_step_it_was_in_and_skipped_the_rest(client: TestClient) -> None:
    statuses = [(s["key"], s["status"]) for s in phases(client, FAILED_EXPORT)]
    assert statuses == [
        ("export.prepare", "Completed"),
        ("export.execute", "Failed"),
        ("export.deferred", "Skipped"),
        ("export.references", "Skipped"),
        ("export.containers", "Skipped"),
        ("export.passwords", "Skipped"),
    ]


def test_a_run_that_never_started_has_no_steps(make_client: Callable[..., TestClient]) -> None:
    jim = make_client(profile="jim", access_log=False)
    assert phases(jim, CANCELLED) == []
    assert jim.get(f"/api/v1/activities/{CANCELLED}", headers=ADMIN).json()["phases"] == []
