"""Output nobody reads and input nobody answers: a stalled log pipe and a pipelining client never freeze the server."""

from __future__ import annotations

import contextlib
import fcntl
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from mockserver.compat.uvicorn_protocol import MAX_PIPELINED
from scripts.contract_live import wait_until_healthy
from tests.conftest import free_port, served

PATIENCE = 15.0
"""How long a test waits for the server before calling it a hang (many times any deadline, for a busy machine)."""
F_SETPIPE_SZ = 1031
"""Linux's fcntl to size a pipe: the smallest (a page) fills after a few dozen log lines."""


@contextmanager
def served_into_a_stalled_pipe(*args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`mockserver serve ARGS` whose stdout and stderr go to one small pipe this test never reads until the end."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mockserver", "serve", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert server.stdout is not None
    fcntl.fcntl(server.stdout.fileno(), F_SETPIPE_SZ, 4096)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(f"{base}/api/v1/health/live", server)
        yield base, server
    finally:
        server.kill()  # a server stuck writing to its pipe would not hear SIGTERM
        server.communicate(timeout=PATIENCE)


def unparseable_request(port: int) -> bytes:
    """Send what uvicorn cannot parse (it logs a warning, and so does the sandbox): what came back, b'' on a hang."""
    with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as conn:
        conn.sendall(b"get / HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            return conn.recv(4096)
        except TimeoutError:
            return b""


def test_a_log_pipe_nobody_reads_never_freezes_the_server() -> None:
    with served_into_a_stalled_pipe("--log-level", "info") as (base, server):
        port = int(base.rsplit(":", 1)[1])
        # Each refusal logs two warning lines: 100 of them are about 25 KB of log, six times what the pipe holds.
        for n in range(100):
            assert unparseable_request(port).startswith(b"HTTP/1.1 400 "), f"no answer to request {n}: frozen"
        assert httpx.get(f"{base}/api/v1/health", timeout=PATIENCE).status_code == 200
        assert server.poll() is None


def test_a_connection_may_queue_only_so_many_pipelined_requests(tmp_path: Path) -> None:
    # 2,000 requests in one write, answers not read until all are sent: past the bound the connection is
    # closed, so what one connection holds is bounded, not what it sends.
    with served("--no-access-log", "--log-level", "warning", log=tmp_path / "server.log") as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=PATIENCE) as conn:
            with contextlib.suppress(OSError):  # closed while sending: what the test wants
                conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n" * 2000)
            received = b""
            with contextlib.suppress(ConnectionResetError):
                while chunk := conn.recv(65536):
                    received += chunk
        assert httpx.get(f"{base}/api/v1/health", timeout=PATIENCE).status_code == 200
    answered = received.count(b"HTTP/1.1 200 ")
    assert answered <= min(2 * MAX_PIPELINED, 1000), f"{answered} answered: the connection queued them all"
    assert "pipelined" in (tmp_path / "server.log").read_text()
