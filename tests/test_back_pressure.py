"""Output nobody reads and input nobody answers: a stalled log pipe and a pipelining client never freeze the server."""

from __future__ import annotations

import fcntl
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from scripts.contract_live import wait_until_healthy
from tests.conftest import free_port

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
        # Each refusal logs two warning lines and each request an access line: 200 of each are
        # about 60 KB of log, many times what the pipe holds.
        for n in range(200):
            assert unparseable_request(port).startswith(b"HTTP/1.1 400 "), f"no answer to request {n}: frozen"
            httpx.get(f"{base}/api/v1/health/version", params={"n": n}, timeout=PATIENCE)
        assert httpx.get(f"{base}/api/v1/health", timeout=PATIENCE).status_code == 200
        assert server.poll() is None
