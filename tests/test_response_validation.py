"""Response validation as a run of its own: every kind of answer the world gives, checked against the profile's spec.

The shared test client and the contract suite build the stack `mockserver serve` builds by default,
which does not validate its responses. Here the app validates every response it sends (Connexion's
ResponseValidationMiddleware, `--validate-responses`): an answer that broke its schema would be a 500.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.profiles import PROFILES
from mockserver.settings import Settings
from mockserver.world.runs.clock import ManualClock
from tests.conftest import ADMIN

ACTIVITIES = "/api/v1/activities"
READER = {"X-Api-Key": "jim_ak_sandbox_reader"}
MISSING = "ffffffff-ffff-ffff-ffff-ffffffffffff"


@pytest.fixture(scope="module", params=sorted(PROFILES))
def validating(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    settings = Settings(validate_responses=True, access_log=False, profile=request.param)
    with create_app(settings, clock=ManualClock()).test_client() as client:
        yield client


def every_activity(client: TestClient) -> list[str]:
    ids: list[str] = []
    page = 1
    while True:
        body = client.get(ACTIVITIES, params={"page": page, "pageSize": 100}, headers=ADMIN).json()
        ids += [activity["id"] for activity in body["items"]]
        if not body["hasNextPage"]:
            return ids
        page += 1


def assert_valid(response_status: int, url: str) -> None:
    assert response_status != 500, f"{url}: the answer broke its schema (or the server broke)"


def test_every_activity_and_each_of_its_parts_validates(validating: TestClient) -> None:
    ids = every_activity(validating)
    assert len(ids) > 10
    for activity_id in ids:
        for part in ("", "/stats", "/progress", "/children", "/items", "/items?page=2&pageSize=5"):
            url = f"{ACTIVITIES}/{activity_id}{part}"
            response = validating.get(url, headers=ADMIN)
            assert_valid(response.status_code, url)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"sortBy": "executed", "sortDirection": "desc", "pageSize": 3},
        {"search": "automation"},
        {"page": 1_000_000, "pageSize": 1},
        {"pageSize": 1000},
    ],
)
def test_the_list_validates_sorted_searched_and_past_its_end(validating: TestClient, query: dict[str, object]) -> None:
    response = validating.get(ACTIVITIES, params=query, headers=ADMIN)
    assert_valid(response.status_code, f"{ACTIVITIES}?{query}")
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("url", "headers", "status"),
    [
        (f"{ACTIVITIES}/{MISSING}", ADMIN, 404),
        (f"{ACTIVITIES}/{MISSING}/items", ADMIN, 404),
        (f"{ACTIVITIES}?page=x", ADMIN, 400),
        (ACTIVITIES, {}, 401),
        (ACTIVITIES, READER, 403),
        ("/api/v1/health", {}, 200),
        ("/api/v1/health/live", {}, 200),
        ("/api/v1/health/ready", {}, 200),
        ("/api/v1/health/version", {}, 200),
    ],
)
def test_errors_and_health_validate(validating: TestClient, url: str, headers: dict[str, str], status: int) -> None:
    response = validating.get(url, headers=headers)
    assert response.status_code == status, f"{url}: {response.status_code} {response.text[:300]}"
