"""Same fixtures and seed, same bytes: across app instances, and only the seed changes generated data."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from tests.conftest import ADMIN, LARGE_ACTIVITY, SEED_ACTIVITY, SYNC_ACTIVITY

URLS = [
    f"/api/v1/activities/{SEED_ACTIVITY}/items?page=1&pageSize=50",
    f"/api/v1/activities/{SEED_ACTIVITY}/items?page=3&pageSize=100",
    f"/api/v1/activities/{LARGE_ACTIVITY}/items?page=1&pageSize=100",
    f"/api/v1/activities/{LARGE_ACTIVITY}/items?page=10001&pageSize=100",
    f"/api/v1/activities/{SYNC_ACTIVITY}/items?page=6&pageSize=100",
    "/api/v1/activities?pageSize=100",
    "/api/v1/activities?search=import&sortBy=status&sortDirection=desc",
    f"/api/v1/activities/{LARGE_ACTIVITY}",
    f"/api/v1/activities/{LARGE_ACTIVITY}/stats",
    "/api/v1/activities/d4e5f6a7-b8c9-0123-def0-123456789abc/children",
    f"/api/v1/activities/{SEED_ACTIVITY}/progress",
    "/api/v1/activities/a37fa88f-3aed-4d06-b5b1-1571bdd6b0b2/progress",
    "/api/v1/health/version",
]


@pytest.mark.parametrize("url", URLS)
def test_two_app_instances_answer_byte_for_byte_alike(make_client: Callable[..., TestClient], url: str) -> None:
    first, second = make_client(seed=5), make_client(seed=5)
    a, b = first.get(url, headers=ADMIN), second.get(url, headers=ADMIN)
    assert a.status_code == b.status_code == 200
    assert a.content == b.content


def test_the_seed_changes_generated_items_only(make_client: Callable[..., TestClient]) -> None:
    one, other = make_client(seed=1), make_client(seed=2)
    generated = f"/api/v1/activities/{LARGE_ACTIVITY}/items?page=7"
    stored = f"/api/v1/activities/{SEED_ACTIVITY}/items?page=2"
    assert one.get(generated, headers=ADMIN).content != other.get(generated, headers=ADMIN).content
    assert one.get(stored, headers=ADMIN).content == other.get(stored, headers=ADMIN).content


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        (URLS[0], ADMIN),
        ("/api/v1/activities/ffffffff-ffff-ffff-ffff-ffffffffffff", ADMIN),  # an error body's timestamp
        ("/api/v1/activities", {}),  # 401
        ("/api/v1/health", {}),  # its timestamp
    ],
)
@pytest.mark.parametrize("profile", ["documented", "jim"])
def test_the_worlds_clock_makes_every_time_an_answer_carries_the_same(
    make_client: Callable[..., TestClient], url: str, headers: dict[str, str], profile: str
) -> None:
    # With the fixtures' own dates (the default epoch) and a clock that stands still, the Date header and every
    # timestamp are the world's: the whole answer, head and body, is the same bytes.
    first, second = make_client(seed=5, profile=profile), make_client(seed=5, profile=profile)
    a, b = first.get(url, headers=headers), second.get(url, headers=headers)
    assert a.headers.raw == b.headers.raw and "date" in a.headers
    assert a.content == b.content
