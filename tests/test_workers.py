"""The process tree: workers that do not outlive their master, and a SIGHUP that drops no request in flight."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from scripts.contract_live import wait_until_healthy
from tests.conftest import ADMIN, SEED_ACTIVITY, free_port

PATIENCE = 15.0
"""How long a test waits before calling it a hang (many times the worker's check for its master)."""


def test_workers_stop_serving_when_their_master_is_killed(tmp_path: Path, redis_url: str) -> None:
    port = free_port()
    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--workers", "2", "--no-access-log"]
    command += ["--redis-url", redis_url]  # more than one worker share their clients' runs through it
    with log.open("w") as stream:
        master = subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        give_up = time.monotonic() + 60
        while log.read_text().count("Application startup complete") < 2:
            if master.poll() is not None or time.monotonic() > give_up:
                pytest.fail(f"the server did not start two workers:\n{log.read_text()}")
            time.sleep(0.1)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/api/v1/health/live", timeout=PATIENCE).status_code == 200
        master.kill()
        master.wait(timeout=PATIENCE)
        give_up, serving = time.monotonic() + PATIENCE, True
        while serving and time.monotonic() < give_up:
            try:
                httpx.get(f"{base}/api/v1/health/live", timeout=PATIENCE)
                time.sleep(0.1)
            except httpx.TransportError:
                serving = False
        assert not serving, "the workers still serve the port their killed master bound"
    finally:
        # The workers are in the session this test started: end them, whatever happened.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(master.pid, signal.SIGKILL)


def test_sighup_with_one_worker_drops_no_request_in_flight(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "mockserver", "serve", "--port", str(port), "--prefer", "--no-access-log"]
    with (tmp_path / "server.log").open("w") as stream:
        server = subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    answers: list[int | str] = []

    def slow_request() -> None:
        try:
            url = f"{base}/api/v1/activities/{SEED_ACTIVITY}"
            answers.append(httpx.get(url, headers={**ADMIN, "Prefer": "delay=1500"}, timeout=PATIENCE).status_code)
        except httpx.TransportError as exc:
            answers.append(repr(exc))

    try:
        wait_until_healthy(f"{base}/api/v1/health/live", server)
        request = threading.Thread(target=slow_request)
        request.start()
        time.sleep(0.5)  # the request is in flight, waiting out its delay
        server.send_signal(signal.SIGHUP)
        request.join(PATIENCE)
        assert answers == [200]
        assert httpx.get(f"{base}/api/v1/health", timeout=PATIENCE).status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=PATIENCE)
