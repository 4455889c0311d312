"""Two sandbox processes sharing a real redis-server, as two replicas behind a load balancer are: a run started on one
is followed on the other to its end; a replica killed mid-run and started again still has it, ending as it would
have; with Redis stalled or gone, the fixture history answers, client state answers 503, and all recovers by itself.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx

from scripts.contract_live import wait_until_healthy
from tests.conftest import ADMIN, SEED_ACTIVITY, free_port, start_redis, stop

SYSTEM, PROFILE = 2, 6
"""HR Database's Full Import: 90 world seconds, 3,000 objects, 1,200 changes, ending CompleteWithError."""
RATE = "10"
"""The world runs 10 times as fast: the run takes 9 s of the wall."""
PATIENCE = 60.0
TIMEOUT_MS = 200
TERMINAL = {"Complete", "CompleteWithWarning", "CompleteWithError", "FailedWithError", "Cancelled"}


@contextmanager
def replica(url: str, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`mockserver serve` on `port`, sharing Redis at `url`; killed afterwards if still running."""
    args = ["--port", str(port), "--redis-url", url, "--redis-timeout-ms", str(TIMEOUT_MS), "--clock-rate", RATE]
    with log.open("a") as stream:
        server = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", *args, "--no-access-log", "--log-level", "warning"],
            stdout=stream,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/api/v1/health/live", server)
        yield server
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(timeout=20)


def client(port: int) -> httpx.Client:
    return httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=ADMIN, timeout=PATIENCE)


def start_run(http: httpx.Client) -> str:
    answer = http.post(f"/api/v1/synchronisation/connected-systems/{SYSTEM}/run-profiles/{PROFILE}/execute")
    assert answer.status_code == 202, answer.text
    activity_id: str = answer.json()["activityId"]
    return activity_id


def follow(http: httpx.Client, activity_id: str) -> dict[str, object]:
    """Poll /progress until the run ends (a client's loop, faster): the last snapshot."""
    give_up = time.monotonic() + PATIENCE
    while True:
        answer = http.get(f"/api/v1/activities/{activity_id}/progress")
        assert answer.status_code == 200, answer.text
        progress: dict[str, object] = answer.json()
        if progress["status"] in TERMINAL:
            return progress
        assert time.monotonic() < give_up, f"the run did not end: {progress}"
        time.sleep(0.2)


def all_items(http: httpx.Client, activity_id: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    page = 1
    while True:
        body = http.get(f"/api/v1/activities/{activity_id}/items", params={"page": page, "pageSize": 100}).json()
        items += body["items"]
        if not body["hasNextPage"]:
            return items
        page += 1


def test_a_run_started_on_one_replica_is_followed_to_its_end_on_the_other(
    own_redis: tuple[subprocess.Popen[bytes], str], tmp_path: Path
) -> None:
    url = own_redis[1]
    one, two = free_port(), free_port()
    with (
        replica(url, one, tmp_path / "one.log"),
        replica(url, two, tmp_path / "two.log"),
        client(one) as first,
        client(two) as second,
    ):
        activity_id = start_run(first)
        # From the moment the POST returns, the other replica lists the run and answers for it.
        listed = second.get("/api/v1/activities", params={"pageSize": 5, "sortDirection": "desc"}).json()["items"]
        assert activity_id in [row["id"] for row in listed]
        assert second.get(f"/api/v1/activities/{activity_id}").json()["status"] == "InProgress"
        ended = follow(second, activity_id)
        assert ended["status"] == "CompleteWithError"
        # Both replicas read the same run: the same bytes, and all its items on either.
        detail = first.get(f"/api/v1/activities/{activity_id}")
        assert detail.content == second.get(f"/api/v1/activities/{activity_id}").content
        assert detail.json()["objectsProcessed"] == 3000
        items = all_items(second, activity_id)
        assert len(items) == 1200
        assert items == all_items(first, activity_id)


def test_a_replica_killed_mid_run_and_started_again_still_has_the_run(
    own_redis: tuple[subprocess.Popen[bytes], str], tmp_path: Path
) -> None:
    url = own_redis[1]
    one, two = free_port(), free_port()
    with replica(url, two, tmp_path / "two.log"):
        with replica(url, one, tmp_path / "one.log") as first_server, client(one) as first:
            activity_id = start_run(first)
            task_id = first.get("/api/v1/worker-tasks").json()["items"][0]["id"]
            assert first.get(f"/api/v1/activities/{activity_id}").json()["status"] == "InProgress"
            first_server.kill()
        with replica(url, one, tmp_path / "one-again.log"), client(one) as again, client(two) as second:
            found = again.get(f"/api/v1/activities/{activity_id}")
            assert found.status_code == 200, found.text
            assert again.get(f"/api/v1/worker-tasks/{task_id}").status_code in (200, 404)  # 404 once the run ended
            ended = follow(again, activity_id)
            assert ended["status"] == "CompleteWithError"
            assert again.get(f"/api/v1/activities/{activity_id}").content == (
                second.get(f"/api/v1/activities/{activity_id}").content
            )


def test_with_redis_stalled_or_gone_the_history_answers_and_client_state_is_503_until_redis_returns(
    own_redis: tuple[subprocess.Popen[bytes], str], tmp_path: Path
) -> None:
    process, url = own_redis
    port = free_port()
    with replica(url, port, tmp_path / "server.log"), client(port) as http:
        activity_id = start_run(http)
        os.kill(process.pid, signal.SIGSTOP)
        try:
            history = [f"/api/v1/activities/{SEED_ACTIVITY}", f"/api/v1/activities/{SEED_ACTIVITY}/items"]
            client_state = [
                ("GET", f"/api/v1/activities/{activity_id}/progress"),
                ("GET", "/api/v1/activities"),
                ("GET", "/api/v1/worker-tasks"),
                ("POST", f"/api/v1/synchronisation/connected-systems/{SYSTEM}/run-profiles/{PROFILE}/execute"),
            ]
            requests = [("GET", path) for path in history] * 8 + client_state * 4

            def timed(request: tuple[str, str]) -> tuple[str, str, int, str | None, float]:
                began = time.monotonic()
                answer = http.request(*request)
                return (*request, answer.status_code, answer.headers.get("retry-after"), time.monotonic() - began)

            # Under load: every request at once, over 16 connections.
            with ThreadPoolExecutor(16) as pool:
                answers = list(pool.map(timed, requests))
            for method, path, status, retry_after, took in answers:
                if (method, path) in client_state:
                    assert (status, retry_after) == (503, "5"), (method, path, status)
                    # Within the deadline (twice the timeout, for a connect and a command), with room for a busy
                    # machine and the requests queued before it on 16 connections.
                    assert took < 2 * TIMEOUT_MS / 1000 + 5.0, (path, took)
                else:
                    assert status == 200, (path, status)
            assert http.get("/api/v1/health/ready").status_code == 503
        finally:
            os.kill(process.pid, signal.SIGCONT)
        assert http.get("/api/v1/health/ready").status_code == 200
        assert http.get(f"/api/v1/activities/{activity_id}/progress").status_code == 200
        process.kill()
        process.wait(timeout=10)
        assert http.get(f"/api/v1/activities/{SEED_ACTIVITY}").status_code == 200
        assert http.get(f"/api/v1/activities/{activity_id}").status_code == 503
        restarted, _ = start_redis(tmp_path, port=int(url.rsplit(":", 1)[1].split("/")[0]))
        try:
            # A Redis that comes back empty (no persistence here) is used again at once: nothing waits on a restart.
            assert http.get("/api/v1/activities", params={"pageSize": 1}).status_code == 200
        finally:
            stop(restarted)


def test_replicas_with_other_settings_are_refused_at_start_up(
    own_redis: tuple[subprocess.Popen[bytes], str], tmp_path: Path
) -> None:
    url = own_redis[1]
    with replica(url, free_port(), tmp_path / "one.log"):
        command = [sys.executable, "-m", "mockserver", "serve", "--port", str(free_port()), "--redis-url", url]
        refused = subprocess.run([*command, "--seed", "7"], capture_output=True, text=True, timeout=PATIENCE)
    assert refused.returncode == 2
    assert "seed: 7, but the replicas already sharing Redis" in refused.stderr
    assert "Traceback" not in refused.stderr
