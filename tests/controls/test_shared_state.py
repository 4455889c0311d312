"""Rate-limit counters and the journal shared through one real Redis: by apps in-process, and by two workers."""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from contract_tests.envelope import assert_error
from tests.conftest import ADMIN, SEED_ACTIVITY, free_port

ITEMS = f"/api/v1/activities/{SEED_ACTIVITY}/items?pageSize=1"


def test_two_apps_on_one_redis_share_a_key_window(make_client: Callable[..., TestClient], redis_url: str) -> None:
    one, other = (
        make_client(rate_limit=True, rate_limit_per_key=5, redis_url=redis_url, access_log=False) for _ in range(2)
    )
    assert [c.get(ITEMS, headers=ADMIN).status_code for c in (one, other, one, other, one)] == [200] * 5
    for client in (one, other):
        refused = client.get(ITEMS, headers=ADMIN)
        assert_error(refused, 429, "TOO_MANY_REQUESTS")
        assert 50 <= int(refused.headers["retry-after"]) <= 60


def test_two_apps_on_one_redis_share_the_per_ip_window(make_client: Callable[..., TestClient], redis_url: str) -> None:
    one, other = (
        make_client(rate_limit=True, rate_limit_per_ip=2, redis_url=redis_url, access_log=False) for _ in range(2)
    )
    assert one.get(ITEMS).status_code == 401 and other.get(ITEMS).status_code == 401
    for client in (one, other):
        refused = client.get(ITEMS)
        assert_error(refused, 429, "TOO_MANY_REQUESTS")
        assert 50 <= int(refused.headers["retry-after"]) <= 60


def test_two_apps_on_one_redis_share_one_bounded_journal(
    make_client: Callable[..., TestClient], redis_url: str
) -> None:
    one, other = (make_client(journal_size=3, redis_url=redis_url, access_log=False) for _ in range(2))
    one.get(ITEMS + "&page=1", headers=ADMIN)
    other.get(ITEMS + "&page=2", headers={"X-Api-Key": "jim_ak_" + "f" * 64})
    one.get(ITEMS + "&page=3")
    other.get(ITEMS + "&page=4", headers=ADMIN)
    for client in (one, other):
        body = client.get("/__admin/requests").json()
        assert [e["query"]["page"] for e in body["entries"]] == [["4"], ["3"], ["2"]]
        assert [e["keyPrefix"] for e in body["entries"]] == ["jim_ak_sandb", None, "jim_ak_fffff"]
    assert "f" * 20 not in one.get("/__admin/requests").text
    assert [e["status"] for e in other.get("/__admin/requests", params={"status": 401}).json()["entries"]] == [401, 401]
    assert one.delete("/__admin/requests").status_code == 204
    assert other.get("/__admin/requests").json()["entries"] == []


def test_the_infrastructure_key_is_exempt_with_redis_too(
    make_client: Callable[..., TestClient], redis_url: str
) -> None:
    client = make_client(rate_limit=True, rate_limit_per_key=1, redis_url=redis_url, access_log=False)
    infrastructure = {"X-Api-Key": "jim_ak_sandbox_infrastructure"}
    assert {client.get(ITEMS, headers=infrastructure).status_code for _ in range(5)} == {200}


# --- Two uvicorn workers against one Redis ---

ACCESS_LINE = re.compile(r" (\d+) INFO mockserver\.access: GET \S+ (\d{3}) ")


@pytest.fixture
def two_workers(redis_url: str, tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """`mockserver serve --workers 2` with a 300-a-minute key limit on the test's Redis: (port, its log file)."""
    port = free_port()
    log = tmp_path / "server.log"
    with log.open("w") as stream:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mockserver",
                "serve",
                "--port",
                str(port),
                "--workers",
                "2",
                "--rate-limit",
                "--rate-limit-per-key",
                "300",
                "--redis-url",
                redis_url,
            ],
            stdout=stream,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 60
        while log.read_text().count("Application startup complete") < 2:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start two workers:\n{log.read_text()}")
            time.sleep(0.1)
        yield port, log
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def fresh_connection_get(port: int) -> int:
    """One request on its own connection, so the kernel may hand it to either worker."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", ITEMS, headers={**ADMIN, "Connection": "close"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_the_301st_request_is_refused_whichever_worker_receives_it(two_workers: tuple[int, Path]) -> None:
    port, log = two_workers
    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = list(pool.map(fresh_connection_get, [port] * 300))
        assert Counter(allowed) == {200: 300}
        # Past the limit, every request is refused, whichever worker takes it; keep sending (all must be
        # 429) until the access log shows both workers refusing, which concurrent connections soon do.
        sent = 0
        while sent < 400:
            refused = list(pool.map(fresh_connection_get, [port] * 40))
            sent += len(refused)
            assert Counter(refused) == {429: len(refused)}
            by_worker = Counter(answered_by(log, 300 + sent))
            if len({pid for pid, status in by_worker if status == "429"}) == 2:
                break
    workers = {pid for pid, _ in by_worker}
    assert len(workers) == 2, by_worker
    assert all(by_worker[(pid, "429")] > 0 for pid in workers), by_worker


def answered_by(log: Path, count: int) -> list[tuple[str, str]]:
    """(process id, status) of each request in the server's access log, once all `count` are logged."""
    deadline = time.monotonic() + 10
    while len(lines := ACCESS_LINE.findall(log.read_text())) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return lines
