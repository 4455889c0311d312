"""The request journal: bounded, newest first, filterable, clearable, and never holding a whole key."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from starlette.testclient import TestClient

from contract_tests.envelope import assert_error, assert_validation_error
from mockserver.api.auth import identify
from mockserver.controls.journal import (
    ENTRY_LIMIT,
    PATH_LIMIT,
    PREFER_LIMIT,
    QUERY_LIMIT,
    JournalMiddleware,
    MemoryJournal,
)
from mockserver.settings import PROJECT_ROOT
from mockserver.world.fixtures.keys import KeyStore
from mockserver.world.runs.clock import RunningClock
from tests.conftest import ADMIN, SEED_ACTIVITY
from tests.declared import resolved

ADMIN_SPEC = yaml.safe_load((PROJECT_ROOT / "admin-openapi.yaml").read_text())
JOURNAL_SCHEMA = resolved(ADMIN_SPEC["components"]["schemas"]["Journal"], ADMIN_SPEC)
JOURNAL = "/__admin/requests"
ITEMS = f"/api/v1/activities/{SEED_ACTIVITY}/items"


def WORLD() -> datetime:
    return datetime(2026, 4, 5, 7, 1, tzinfo=UTC)


def journal(client: TestClient, **filters: object) -> list[dict[str, Any]]:
    """The journal's entries, after checking the answer against admin-openapi.yaml."""
    response = client.get(JOURNAL, params=filters)  # type: ignore[arg-type]
    assert response.status_code == 200, response.text
    body = response.json()
    problems = list(OAS30Validator(JOURNAL_SCHEMA, format_checker=OAS30Validator.FORMAT_CHECKER).iter_errors(body))
    assert not problems, problems[0].message
    assert body["count"] == len(body["entries"])
    return body["entries"]  # type: ignore[no-any-return]


def test_the_journal_is_off_by_default(client: TestClient) -> None:
    assert_error(client.get(JOURNAL), 404, "NOT_FOUND")


def test_each_request_is_recorded_with_what_the_client_sent(make_client: Callable[..., TestClient]) -> None:
    client = make_client(journal_size=10, access_log=False)
    client.get(ITEMS + "?pageSize=100&page=2&page=3", headers={**ADMIN, "Prefer": "delay=5"})
    [entry] = journal(client)
    assert entry["method"] == "GET" and entry["path"] == ITEMS and entry["status"] == 200
    assert entry["query"] == {"pageSize": ["100"], "page": ["2", "3"]}
    assert entry["keyPrefix"] == "jim_ak_sandb"
    assert entry["prefer"] == "delay=5"
    assert entry["retryAfter"] is None
    assert entry["clientIp"] == "testclient"
    assert entry["durationMs"] >= 0
    assert entry["time"].endswith("Z")


def test_entries_come_newest_first_and_the_oldest_are_dropped(make_client: Callable[..., TestClient]) -> None:
    client = make_client(journal_size=5, access_log=False)
    for page in range(1, 9):
        client.get(ITEMS, params={"page": page}, headers=ADMIN)
    entries = journal(client)
    assert [e["query"]["page"] for e in entries] == [["8"], ["7"], ["6"], ["5"], ["4"]]
    assert client.get(JOURNAL).json()["capacity"] == 5


def test_keys_appear_only_as_their_first_12_characters(make_client: Callable[..., TestClient]) -> None:
    client = make_client(journal_size=10, access_log=False)
    real_looking = "jim_ak_" + "0123456789abcdef" * 4
    short = "jim_ak_x"
    for key in (real_looking, "jim_ak_sandbox_admin", short):
        client.get(ITEMS, headers={"X-Api-Key": key})
    client.get(ITEMS)
    text = client.get(JOURNAL).text
    for key in (real_looking, "jim_ak_sandbox_admin", short):
        assert key not in text
    assert [e["keyPrefix"] for e in journal(client)] == [None, "jim_", "jim_ak_sandb", "jim_ak_01234"]


def test_filter_by_path_prefix_and_status(make_client: Callable[..., TestClient]) -> None:
    client = make_client(journal_size=20, access_log=False)
    client.get(ITEMS, headers=ADMIN)
    client.get(ITEMS)
    client.get("/api/v1/health")
    client.get("/api/v1/nothing")
    assert [e["path"] for e in journal(client, path="/api/v1/activities")] == [ITEMS, ITEMS]
    assert [e["status"] for e in journal(client, status=401)] == [401]
    assert [e["path"] for e in journal(client, path="/api/v1/", status=200)] == ["/api/v1/health", ITEMS]
    assert journal(client, path="/nowhere") == []


@pytest.mark.parametrize("status", ["abc", "42", "4290", "+429", "\u0664\u0662\u0669"])
def test_a_status_filter_that_is_not_a_status_is_a_validation_error(
    make_client: Callable[..., TestClient], status: str
) -> None:
    client = make_client(journal_size=5, access_log=False)
    assert_validation_error(client.get(JOURNAL, params={"status": status}), "status")


def test_delete_empties_the_journal(make_client: Callable[..., TestClient]) -> None:
    client = make_client(journal_size=5, access_log=False)
    client.get(ITEMS, headers=ADMIN)
    response = client.delete(JOURNAL)
    assert response.status_code == 204 and response.content == b""
    assert journal(client) == []


def test_admin_routes_are_not_recorded_and_other_methods_are_405(make_client: Callable[..., TestClient]) -> None:
    client = make_client(journal_size=5, access_log=False)
    client.get(JOURNAL)
    refused = client.post(JOURNAL)
    assert_error(refused, 405, "METHOD_NOT_ALLOWED")
    assert refused.headers["allow"] == "GET, HEAD, DELETE"
    assert journal(client) == []


def test_the_recorded_duration_includes_a_requested_delay(make_client: Callable[..., TestClient]) -> None:
    # Durations are the world's: a clock that runs with the wall, as served (a hand-turned one would give 0).
    client = make_client(journal_size=5, prefer=True, access_log=False, clock=RunningClock())
    client.get(ITEMS, headers={**ADMIN, "Prefer": "delay=250"})
    [entry] = journal(client, status=200)
    assert entry["durationMs"] >= 250


def test_refused_and_faulted_requests_are_recorded_with_their_status(make_client: Callable[..., TestClient]) -> None:
    client = make_client(journal_size=5, prefer=True, rate_limit=True, rate_limit_per_key=1, access_log=False)
    client.get(ITEMS, headers={**ADMIN, "Prefer": "code=503"})
    client.get(ITEMS, headers=ADMIN)
    client.head(ITEMS, headers=ADMIN)
    assert [(e["method"], e["status"]) for e in journal(client)] == [("HEAD", 429), ("GET", 429), ("GET", 503)]


def test_a_full_journal_keeps_exactly_its_capacity(make_client: Callable[..., TestClient]) -> None:
    client = make_client(journal_size=100, access_log=False)
    for _ in range(150):
        client.get("/api/v1/health")
    assert len(journal(client)) == 100


def test_entries_stay_small_whatever_the_client_sends(make_client: Callable[..., TestClient]) -> None:
    client = make_client(journal_size=10, access_log=False)
    client.get("/api/v1/" + "p" * 10_000, params={"q": "x" * 10_000}, headers={"Prefer": "y" * 100_000})
    [entry] = journal(client)
    assert entry["prefer"] == "y" * PREFER_LIMIT + "…"
    assert entry["path"] == ("/api/v1/" + "p" * 10_000)[:PATH_LIMIT] + "…"
    assert sum(len(v) for values in entry["query"].values() for v in values) <= QUERY_LIMIT


WORST = bytes(range(256)) * 400
"""Every byte value, over and over: the most a byte can take in JSON is when it is escaped or percent-encoded."""


def test_an_entry_takes_at_most_1_kib_of_json_whatever_the_request() -> None:
    keys = KeyStore([])
    scope: dict[str, Any] = {
        "type": "http",
        "method": "PROPPATCH",
        "path": WORST.decode("latin-1"),
        "raw_path": WORST,
        "query_string": WORST,
        "headers": [(b"prefer", WORST), (b"prefer", WORST), (b"x-api-key", b'\x7f\x80"' * 50)],
        "client": ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 65535),
    }
    identify(scope, keys, b"x-api-key")
    middleware = JournalMiddleware(app=None, journal=MemoryJournal(1), now=WORLD)  # type: ignore[arg-type]
    entry = middleware.entry(scope, 503, WORST, 4102444800.123456, 9999.99)
    assert len(entry) <= ENTRY_LIMIT, len(entry)


ENTRY_OVERHEAD = 64
"""What Python adds to a kept entry's JSON: a bytes object's header and a deque slot."""


def test_a_kept_entry_costs_its_json_and_no_more() -> None:
    # Known trap: what orjson.dumps returns keeps its ~4 KB working buffer, whatever the length of the JSON.
    keys = KeyStore([])
    middleware = JournalMiddleware(app=None, journal=MemoryJournal(1), now=WORLD)  # type: ignore[arg-type]
    kept: list[bytes] = []
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for n in range(500):
            scope: dict[str, Any] = {"type": "http", "method": "GET", "path": f"/api/v1/health/{n}", "headers": []}
            identify(scope, keys, b"x-api-key")
            kept.append(middleware.entry(scope, 200, None, 1_764_450_000.0, 0.001))
            del scope
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    largest = max(len(entry) for entry in kept)
    assert held / len(kept) <= largest + ENTRY_OVERHEAD, f"{held / len(kept):.0f} bytes held per {largest}-byte entry"


def test_the_journal_answers_a_page_at_a_time(make_client: Callable[..., TestClient]) -> None:
    client = make_client(journal_size=300, access_log=False)
    for page in range(1, 251):
        client.get(ITEMS, params={"page": page}, headers=ADMIN if page % 2 else {})
    first = client.get(JOURNAL).json()
    assert (first["count"], first["page"], first["pageSize"], first["hasNextPage"]) == (250, 1, 100, True)
    assert [e["query"]["page"] for e in first["entries"]] == [[str(n)] for n in range(250, 150, -1)]
    last = client.get(JOURNAL, params={"page": 3}).json()
    assert len(last["entries"]) == 50 and not last["hasNextPage"]
    assert last["entries"][-1]["query"]["page"] == ["1"]
    everything = client.get(JOURNAL, params={"pageSize": 5000}).json()
    assert everything["pageSize"] == 1000 and len(everything["entries"]) == 250
    refused = client.get(JOURNAL, params={"status": 401, "pageSize": 10, "page": 2}).json()
    assert refused["count"] == 125 and refused["hasNextPage"]
    assert [e["query"]["page"] for e in refused["entries"]] == [[str(n)] for n in range(230, 210, -2)]
    assert client.get(JOURNAL, params={"page": 9}).json()["entries"] == []


@pytest.mark.parametrize("parameter", ["page", "pageSize"])
def test_a_journal_page_that_is_not_an_integer_is_a_validation_error(
    make_client: Callable[..., TestClient], parameter: str
) -> None:
    client = make_client(journal_size=5, access_log=False)
    assert_validation_error(client.get(JOURNAL, params={parameter: "x" * 500}), parameter)


def test_entries_record_every_prefer_header_and_the_key_as_authentication_saw_it(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(journal_size=10, access_log=False)
    two_prefers = [*ADMIN.items(), ("Prefer", "delay=1"), ("Prefer", "delay=2")]
    client.get(ITEMS, headers=two_prefers)
    client.get(ITEMS, headers=[("X-Api-Key", "jim_ak_sandbox_admin"), ("X-Api-Key", "jim_ak_sandbox_reader")])
    conflicting, prefers = journal(client)
    assert prefers["prefer"] == "delay=1, delay=2"
    assert conflicting["status"] == 401 and conflicting["keyPrefix"] is None


@pytest.mark.parametrize("method", ["POST", "TRACE", "PATCH"])
def test_other_methods_on_the_journal_are_405(make_client: Callable[..., TestClient], method: str) -> None:
    client = make_client(journal_size=10, access_log=False)
    response = client.request(method, JOURNAL)
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
    assert response.headers["allow"] == "GET, HEAD, DELETE"


def test_a_repeated_filter_takes_its_first_value(make_client: Callable[..., TestClient]) -> None:
    client = make_client(journal_size=10, access_log=False)
    client.get(ITEMS, headers=ADMIN)
    assert_validation_error(client.get(JOURNAL + "?status=abc&status=200"), "status")
    assert len(journal(client, status=200)) == 1


def test_an_answer_with_retry_after_is_recorded_with_it(make_client: Callable[..., TestClient]) -> None:
    # What a client was told to wait, so that jim_sandbox can check it waited.
    client = make_client(journal_size=10, access_log=False, prefer=True)
    client.get(ITEMS, headers={**ADMIN, "Prefer": "code=429, retry-after=7"})
    client.get(ITEMS, headers={**ADMIN, "Prefer": "code=503"})
    outage, limited = journal(client)
    assert (limited["status"], limited["retryAfter"]) == (429, "7")
    assert (outage["status"], outage["retryAfter"]) == (503, "5")
