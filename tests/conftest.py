"""In-process apps for the server's own tests: one shared, a factory for variants, a private Redis for shared state."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import PROJECT_ROOT, Settings
from mockserver.world.runs.clock import ManualClock
from scripts.contract_live import wait_until_healthy

ADMIN = {"X-Api-Key": "jim_ak_sandbox_admin"}
SEED_ACTIVITY = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
LARGE_ACTIVITY = "f6a7b8c9-d0e1-2345-f012-3456789abcde"
SYNC_ACTIVITY = "0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f"


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    """A copy of the shipped fixtures, for a test to break."""
    copy = tmp_path / "fixtures"
    shutil.copytree(PROJECT_ROOT / "fixtures", copy)
    return copy


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    # The stack `mockserver serve` builds with default settings; a clock that stands still unless a test
    # turns it, so every answer is the same bytes, the live run included.
    with create_app(Settings(), clock=ManualClock()).test_client() as c:
        yield c


@pytest.fixture
def make_client() -> Iterator[Callable[..., TestClient]]:
    """make(**settings) -> a started client of a new app; `peer=(ip, port)` sets the client address it sends from,
    `clock` the world's clock (one that stands still unless given), `registry` the private sandboxes'."""
    opened: list[TestClient] = []

    def make(
        peer: tuple[str, int] | None = None, clock: Any = None, registry: Any = None, **settings: Any
    ) -> TestClient:
        app = create_app(Settings(**settings), clock=clock or ManualClock(), registry=registry)
        c = app.test_client(client=peer) if peer else app.test_client()
        c.__enter__()
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis(folder: Path, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    """A redis-server of our own on a free loopback port (or `port`), in `folder`, answering PING: (process, URL)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server): shared-state tests need a real one")
    port = port or free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    probe = redis.Redis.from_url(url, socket_timeout=5)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                probe.ping()
                return process, url
            except redis.ConnectionError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    raise RuntimeError(f"redis-server did not start on port {port}") from None
                time.sleep(0.05)
    finally:
        probe.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server of our own on a free loopback port, in a temporary folder, stopped afterwards: its URL."""
    process, url = start_redis(tmp_path_factory.mktemp("redis"))
    try:
        yield url
    finally:
        stop(process)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A redis-server of this test's own, for a test that stops (SIGSTOP), kills or restarts it: (process, URL)."""
    process, url = start_redis(tmp_path)
    try:
        yield process, url
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGCONT)
        stop(process)


@pytest.fixture
def redis_url(redis_server: str) -> Iterator[str]:
    """The private Redis, emptied before each test so counters and journals start afresh."""
    with redis.Redis.from_url(redis_server) as r:
        r.flushdb()
    yield redis_server


@contextmanager
def served(*args: str, log: Path, **popen: Any) -> Iterator[str]:
    """`mockserver serve ARGS` on a free port, its output in `log`, stopped afterwards: its base URL."""
    port = free_port()
    with log.open("w") as stream:
        server = subprocess.Popen(
            [sys.executable, "-m", "mockserver", "serve", "--port", str(port), *args],
            stdout=stream,
            stderr=subprocess.STDOUT,
            **popen,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(f"{base}/api/v1/health/live", server)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
