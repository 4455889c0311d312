"""A real redis-server that stalls (SIGSTOP) or dies under a served sandbox: 503s within the deadline, health
still answering, one log line per failed request, and recovery without a restart."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from contract_tests.envelope import assert_error
from tests.conftest import ADMIN, SEED_ACTIVITY, served, start_redis, stop

ITEMS = f"/api/v1/activities/{SEED_ACTIVITY}/items?pageSize=1"
TIMEOUT_MS = 200
PATIENCE = 10.0
"""Far longer than the Redis deadline: a request that takes this long has hung."""
FAILED_LINE = re.compile(r"WARNING mockserver\.rate_limit: GET /api/v1/activities/\S+: answered 503, ")


@contextmanager
def serve_with(url: str, log: Path, *controls: str) -> Iterator[httpx.Client]:
    args = ("--redis-url", url, "--redis-timeout-ms", str(TIMEOUT_MS), "--no-access-log", "--log-level", "warning")
    with served(*args, *controls, log=log) as base, httpx.Client(base_url=base, timeout=PATIENCE) as client:
        yield client


@pytest.fixture
def limited(own_redis: tuple[subprocess.Popen[bytes], str], tmp_path: Path) -> Iterator[httpx.Client]:
    with serve_with(own_redis[1], tmp_path / "server.log", "--rate-limit", "--journal", "10") as client:
        yield client


def assert_unavailable(response: httpx.Response) -> None:
    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert response.headers["retry-after"] == "5"


def assert_health_answers(client: httpx.Client, problem: str) -> None:
    """Health, live and version answer as ever; ready says what is wrong with Redis."""
    for path in ("/api/v1/health", "/api/v1/health/live", "/api/v1/health/version"):
        assert client.get(path).status_code == 200, path
    ready = client.get("/api/v1/health/ready")
    assert ready.status_code == 503
    body = ready.json()
    assert (body["status"], body["reason"], body["error"]) == ("not_ready", "error", problem)
    assert set(body) == {"status", "reason", "error", "timestamp"}


def failed_lines(log: Path, expected: int) -> list[str]:
    """The failure lines once `expected` are written (log lines are written in batches, up to 50 ms later)."""
    deadline = time.monotonic() + PATIENCE
    while len(found := FAILED_LINE.findall(log.read_text())) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def test_a_stalled_redis_is_503_within_the_deadline_and_recovers(
    own_redis: tuple[subprocess.Popen[bytes], str], limited: httpx.Client, tmp_path: Path
) -> None:
    redis_process, _ = own_redis
    assert limited.get(ITEMS, headers=ADMIN).status_code == 200
    os.kill(redis_process.pid, signal.SIGSTOP)
    try:
        for _ in range(3):
            assert_unavailable(limited.get(ITEMS, headers=ADMIN))
        assert_health_answers(limited, f"Redis did not answer within {TIMEOUT_MS} ms")
        assert_unavailable(limited.get("/__admin/requests"))
    finally:
        os.kill(redis_process.pid, signal.SIGCONT)
    assert limited.get(ITEMS, headers=ADMIN).status_code == 200
    assert limited.get("/api/v1/health/ready").json()["status"] == "ready"
    assert len(failed_lines(tmp_path / "server.log", 3)) == 3
    assert "Traceback" not in (tmp_path / "server.log").read_text()


def test_a_killed_redis_is_one_log_line_per_request_and_a_restarted_one_is_used_again(
    own_redis: tuple[subprocess.Popen[bytes], str], limited: httpx.Client, tmp_path: Path
) -> None:
    redis_process, url = own_redis
    assert limited.get(ITEMS, headers=ADMIN).status_code == 200
    redis_process.kill()
    redis_process.wait(timeout=10)
    for _ in range(50):
        assert_unavailable(limited.get(ITEMS, headers=ADMIN))
    assert_health_answers(limited, "Redis cannot be reached")
    log = tmp_path / "server.log"
    found = failed_lines(log, 50)
    text = log.read_text()
    assert len(found) == 50, text[-2000:]
    assert "Traceback" not in text
    # The 50 failures and the few lines of start-up: nothing else.
    assert len(text.splitlines()) < 50 + 15, text[-2000:]
    restarted, _ = start_redis(tmp_path, port=urlsplit(url).port)
    try:
        assert limited.get(ITEMS, headers=ADMIN).status_code == 200
        assert limited.get("/api/v1/health/ready").status_code == 200
    finally:
        stop(restarted)


def test_a_stalled_journal_never_costs_the_answer(
    own_redis: tuple[subprocess.Popen[bytes], str], tmp_path: Path
) -> None:
    redis_process, url = own_redis
    log = tmp_path / "server.log"
    with serve_with(url, log, "--journal", "10") as client:
        os.kill(redis_process.pid, signal.SIGSTOP)
        try:
            assert [client.get(ITEMS, headers=ADMIN).status_code for _ in range(3)] == [200] * 3
        finally:
            os.kill(redis_process.pid, signal.SIGCONT)
        assert client.get(ITEMS, headers=ADMIN).status_code == 200
        newest = client.get("/__admin/requests").json()["entries"][0]
        assert newest["status"] == 200 and newest["path"] == ITEMS.partition("?")[0]
    lines = re.findall(
        r"mockserver\.journal: GET \S+: not recorded in the journal, Redis did not answer", log.read_text()
    )
    assert len(lines) == 3


def test_health_never_waits_on_a_stalled_redis_even_to_be_journaled(
    own_redis: tuple[subprocess.Popen[bytes], str], tmp_path: Path
) -> None:
    # Redis may take 10 s to fail here; a health answer that waited for it would miss the client's 3 s.
    redis_process, url = own_redis
    args = ("--redis-url", url, "--redis-timeout-ms", "10000", "--journal", "10", "--rate-limit", "--no-access-log")
    with served(*args, log=tmp_path / "server.log") as base, httpx.Client(base_url=base, timeout=3.0) as client:
        os.kill(redis_process.pid, signal.SIGSTOP)
        try:
            for path in ("/api/v1/health", "/api/v1/health/live", "/api/v1/health/version"):
                assert client.get(path).status_code == 200, path
        finally:
            os.kill(redis_process.pid, signal.SIGCONT)
