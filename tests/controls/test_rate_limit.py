"""JIM's rate limits: N per key per sliding minute, M per IP per fixed minute for everyone else, decided before auth."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest
from starlette.testclient import TestClient

from contract_tests.envelope import assert_error
from mockserver.controls.rate_limit import retry_after
from tests.conftest import ADMIN, SEED_ACTIVITY
from tests.declared import assert_declared

ITEMS = f"/api/v1/activities/{SEED_ACTIVITY}/items?pageSize=1"
MESSAGE = "Too many requests. Please retry after the indicated delay."
INFRASTRUCTURE = {"X-Api-Key": "jim_ak_sandbox_infrastructure"}
READER = {"X-Api-Key": "jim_ak_sandbox_reader"}
HEALTH = ("/api/v1/health", "/api/v1/health/ready", "/api/v1/health/live", "/api/v1/health/version")
NOT_AUTHENTICATED = [
    {},
    {"X-Api-Key": ""},
    {"X-Api-Key": "jim_ak_unknown"},
    {"X-Api-Key": "jim_ak_sandbox_disabled"},
    {"X-Api-Key": "jim_ak_sandbox_expired"},
]


def assert_429(response: httpx.Response) -> int:
    """A 429 in the JIM envelope with JIM's message and a whole, positive Retry-After of at most a minute."""
    body = assert_error(response, 429, "TOO_MANY_REQUESTS")
    assert body["message"] == MESSAGE
    raw = response.headers["retry-after"]
    assert raw.isdigit(), raw
    assert 1 <= int(raw) <= 60, raw
    return int(raw)


def test_rate_limiting_is_off_by_default(client: TestClient) -> None:
    statuses = {client.get(ITEMS, headers=ADMIN).status_code for _ in range(40)}
    statuses |= {client.get(ITEMS).status_code for _ in range(40)}
    assert statuses == {200, 401}


def test_a_key_gets_exactly_300_requests_a_minute_then_429(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit=True, access_log=False)
    statuses = [client.get(ITEMS, headers=ADMIN).status_code for _ in range(300)]
    assert statuses == [200] * 300
    seconds = assert_429(client.get(ITEMS, headers=ADMIN))
    # The oldest of the 300 was sent moments ago, so its slot frees in just under a minute.
    assert seconds >= 50, seconds
    assert_429(client.get(ITEMS, headers=ADMIN))


@pytest.mark.parametrize("limit", [1, 7])
def test_the_per_key_limit_is_configurable(make_client: Callable[..., TestClient], limit: int) -> None:
    client = make_client(rate_limit=True, rate_limit_per_key=limit, access_log=False)
    assert [client.get(ITEMS, headers=ADMIN).status_code for _ in range(limit)] == [200] * limit
    assert_429(client.get(ITEMS, headers=ADMIN))


def test_retry_after_counts_down_as_the_window_slides(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit=True, rate_limit_per_key=2, access_log=False)
    client.get(ITEMS, headers=ADMIN)
    client.get(ITEMS, headers=ADMIN)
    first = assert_429(client.get(ITEMS, headers=ADMIN))
    time.sleep(1.2)
    later = assert_429(client.get(ITEMS, headers=ADMIN))
    # Whole seconds rounded up: waiting 1.2 s takes at least one off, however slow the machine.
    assert first >= 50 and later <= first - 1, (first, later)


def test_retry_after_rounds_up_to_whole_seconds() -> None:
    assert retry_after(reset_at=100.2, now=100.0) == 1
    assert retry_after(reset_at=159.01, now=100.0) == 60
    assert retry_after(reset_at=99.0, now=100.0) == 1


def test_requests_without_a_valid_key_share_a_per_ip_window(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit=True, rate_limit_per_ip=len(NOT_AUTHENTICATED), access_log=False)
    for headers in NOT_AUTHENTICATED:
        assert_error(client.get(ITEMS, headers=headers), 401, "UNAUTHORISED")
    for headers in NOT_AUTHENTICATED:
        assert_429(client.get(ITEMS, headers=headers))
    # A valid key counts against its own window, not the IP's.
    assert client.get(ITEMS, headers=ADMIN).status_code == 200


def test_the_per_ip_window_is_30_a_minute_by_default(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit=True, access_log=False)
    assert [client.get(ITEMS).status_code for _ in range(30)] == [401] * 30
    seconds = assert_429(client.get(ITEMS))
    assert seconds >= 50, seconds


def test_each_client_ip_has_its_own_window(make_client: Callable[..., TestClient]) -> None:
    one = make_client(peer=("203.0.113.1", 40000), rate_limit=True, rate_limit_per_ip=2, access_log=False)
    # Apps do not share counters in memory, so a second address must go through the same app.
    other = TestClient(one.app, client=("203.0.113.2", 40000))
    for _ in range(2):
        assert one.get(ITEMS).status_code == 401
    assert_429(one.get(ITEMS))
    assert other.get(ITEMS).status_code == 401


def test_the_infrastructure_key_is_exempt(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit=True, rate_limit_per_key=2, access_log=False)
    assert {client.get(ITEMS, headers=INFRASTRUCTURE).status_code for _ in range(20)} == {200}


def test_429_comes_before_401(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit=True, rate_limit_per_ip=1, access_log=False)
    assert_error(client.get(ITEMS), 401, "UNAUTHORISED")
    assert_429(client.get(ITEMS))
    assert_429(client.get("/api/v1/activities/not-a-guid/items?page=x", headers={"X-Api-Key": "jim_ak_unknown"}))


def test_429_comes_before_403_and_validation(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit=True, rate_limit_per_key=1, access_log=False)
    assert_error(client.get(ITEMS, headers=READER), 403, "FORBIDDEN")
    assert_429(client.get(ITEMS, headers=READER))
    assert client.get(ITEMS, headers=ADMIN).status_code == 200
    assert_429(client.get("/api/v1/activities/not-a-guid/items?page=x", headers=ADMIN))


def test_every_key_has_its_own_window(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit=True, rate_limit_per_key=1, access_log=False)
    assert client.get(ITEMS, headers=ADMIN).status_code == 200
    assert_429(client.get(ITEMS, headers=ADMIN))
    assert_error(client.get(ITEMS, headers=READER), 403, "FORBIDDEN")


def test_head_counts_and_gets_the_429_headers(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit=True, rate_limit_per_key=1, access_log=False)
    assert client.head(ITEMS, headers=ADMIN).status_code == 200
    head = client.head(ITEMS, headers=ADMIN)
    assert head.status_code == 429 and head.content == b""
    assert head.headers["retry-after"].isdigit()


def test_docs_unknown_paths_and_health_are_not_limited(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit=True, rate_limit_per_ip=1, access_log=False)
    for _ in range(3):
        assert client.get("/api/openapi/v1.json").status_code == 200
        assert client.get("/api/reference").status_code == 200
        assert_error(client.get("/api/v1/nothing"), 404, "NOT_FOUND")
        for health in HEALTH:
            assert client.get(health).status_code == 200, health
            assert client.get(health + "/").status_code == 200, health
    assert client.get(ITEMS).status_code == 401
    assert_429(client.get(ITEMS))
    for health in HEALTH:  # and still answered once the window is spent
        assert client.get(health, headers=ADMIN).status_code == 200, health


def test_429_is_declared_with_its_retry_after_header(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit=True, rate_limit_per_key=1, rate_limit_per_ip=1, access_log=False)
    client.get(ITEMS, headers=ADMIN)
    client.get("/api/v1/activities")
    assert_declared(client.get(ITEMS, headers=ADMIN), "/api/v1/activities/{id}/items")
    assert_declared(client.get("/api/v1/activities"), "/api/v1/activities")
