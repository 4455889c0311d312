"""A path seen before goes straight to its operation: same answers, authenticated and validated again."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from connexion.middleware.routing import RoutingMiddleware
from starlette.testclient import TestClient
from starlette.types import Receive, Scope, Send

from mockserver.api.repeats import RepeatedRequests
from mockserver.app import create_app
from mockserver.settings import Settings
from mockserver.world.clock import ManualClock
from tests.conftest import ADMIN, SEED_ACTIVITY

ITEMS = f"/api/v1/activities/{SEED_ACTIVITY}/items?pageSize=7&page=2"
READER = {"X-Api-Key": "jim_ak_sandbox_reader"}
RUNNING = "a37fa88f-3aed-4d06-b5b1-1571bdd6b0b2"
"""The run in progress at start-up."""


@pytest.fixture
def routed(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The paths Connexion's routing saw."""
    paths: list[str] = []
    route = RoutingMiddleware.__call__

    async def counted(self: RoutingMiddleware, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            paths.append(scope["path"])
        await route(self, scope, receive, send)

    monkeypatch.setattr(RoutingMiddleware, "__call__", counted)
    yield paths


def test_a_repeated_request_gets_the_same_answer_without_routing_again(routed: list[str]) -> None:
    with create_app(Settings(access_log=False)).test_client() as client:
        answers = [client.get(ITEMS, headers=ADMIN) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert answers[1].content == answers[2].content == answers[0].content
    assert answers[1].headers == answers[0].headers
    assert len(routed) == 1, routed


@pytest.mark.parametrize("profile", ["documented", "jim"])
def test_a_repeat_is_authenticated_again_and_refused_as_the_first_time_would_be(profile: str) -> None:
    with create_app(Settings(access_log=False, profile=profile)).test_client() as client:
        assert client.get(ITEMS, headers=ADMIN).status_code == 200
        forbidden, missing = client.get(ITEMS, headers=READER), client.get(ITEMS)
    with create_app(Settings(access_log=False, profile=profile)).test_client() as fresh:
        first_forbidden, first_missing = fresh.get(ITEMS, headers=READER), fresh.get(ITEMS)
    assert (forbidden.status_code, missing.status_code) == (403, 401)
    for repeat, first in ((forbidden, first_forbidden), (missing, first_missing)):
        assert repeat.headers.get("content-type") == first.headers.get("content-type")
        assert steady(repeat.content) == steady(first.content)


def steady(body: bytes) -> Any:
    """An error body without what differs on every answer (its time and trace id)."""
    if not body:
        return body
    parsed = json.loads(body)
    return {key: value for key, value in parsed.items() if key not in ("timestamp", "traceId")}


def test_a_known_path_with_a_new_query_is_validated_again(routed: list[str]) -> None:
    path = ITEMS.partition("?")[0]
    with create_app(Settings(access_log=False)).test_client() as client:
        assert client.get(path, headers=ADMIN).status_code == 200
        three = client.get(path, params={"pageSize": 3}, headers=ADMIN)
        refused = client.get(path, params={"pageSize": "abc"}, headers=ADMIN)
    with create_app(Settings(access_log=False)).test_client() as fresh:
        first_refusal = fresh.get(path, params={"pageSize": "abc"}, headers=ADMIN)
    assert three.status_code == 200 and len(three.json()["items"]) == 3
    assert refused.status_code == first_refusal.status_code == 400
    assert steady(refused.content) == steady(first_refusal.content)
    # Routed: the first request in each app, and the refused one, which went the whole way.
    assert routed == [path, path, path], routed


def test_a_repeat_reads_the_world_as_it_stands_now(make_client: Callable[..., TestClient]) -> None:
    clock = ManualClock()
    client = make_client(clock=clock, live_run_seconds=10, access_log=False)
    url = f"/api/v1/activities/{RUNNING}/progress"
    before = client.get(url, headers=ADMIN)
    clock.advance(5)
    after = client.get(url, headers=ADMIN)
    assert before.status_code == after.status_code == 200
    assert before.json()["objectsProcessed"] < after.json()["objectsProcessed"]


def layers(**settings: Any) -> list[type]:
    stack = create_app(Settings(**settings)).middleware.middlewares
    return [m.func if isinstance(m, partial) else m for m in stack]


@pytest.mark.parametrize(
    "settings",
    [{"rate_limit": True}, {"prefer": True}, {"fault_rate": 0.1}, {"latency_ms": "5"}, {"validate_responses": True}],
    ids=lambda s: next(iter(s)),
)
def test_no_request_skips_a_control_that_must_see_every_request(settings: dict[str, Any]) -> None:
    assert RepeatedRequests in layers()
    assert RepeatedRequests not in layers(**settings)
