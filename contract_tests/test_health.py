"""JIM's health routes (HealthController): no key, JIM's shapes, and never refused by the rate limit."""

from __future__ import annotations

import re

import httpx
import pytest

from contract_tests.target import MISSING_ID, Target

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
HEALTH = {
    "/api/v1/health": "healthy",
    "/api/v1/health/live": "alive",
    "/api/v1/health/ready": "ready",
}


@pytest.mark.parametrize(("path", "status"), list(HEALTH.items()))
@pytest.mark.parametrize("key", [None, "jim_ak_anything"])
def test_health_routes_answer_jims_shape_without_a_key(target: Target, path: str, status: str, key: str | None) -> None:
    response = target.get(path, key=key)
    assert response.status_code == 200, response.text[:300]
    body = response.json()
    assert set(body) == {"status", "timestamp"}, body
    assert body["status"] == status, body
    assert TIMESTAMP.fullmatch(body["timestamp"]), body["timestamp"]


def test_health_routes_are_never_rate_limited(target: Target, rate_limited: httpx.Client) -> None:
    # Spend the window of requests without a key, then ask every health route more than the window allows.
    for _ in range(40):
        if rate_limited.get(target.items_url(MISSING_ID)).status_code == 429:
            break
    assert rate_limited.get(target.items_url(MISSING_ID)).status_code == 429
    for path in (*HEALTH, "/api/v1/health/version"):
        assert [rate_limited.get(path).status_code for _ in range(3)] == [200] * 3, path


def test_a_long_unknown_path_is_not_echoed_whole(target: Target) -> None:
    response = target.get("/api/v1/" + "x" * 5000, key=target.api_key)
    assert response.status_code == 404, response.status_code
    assert len(response.content) < 1000, f"a {len(response.content)}-byte answer echoes the path whole"
    assert "x" * 200 not in response.text, "the answer echoes the path whole"
