"""Hostile clients over raw sockets: silence, half a request, a trickle, huge heads; the server answers and stays up."""

from __future__ import annotations

import contextlib
import json
import resource
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.conftest import SEED_ACTIVITY, served

READ_TIMEOUT = 0.5
"""The server's read deadline in these tests: short, so no test waits long."""
PATIENCE = 15.0
"""How long a test waits for the server before calling it a hang (many times the deadline, for a busy machine)."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    log = tmp_path_factory.mktemp("connections") / "server.log"
    with served("--read-timeout", str(READ_TIMEOUT), "--no-access-log", "--log-level", "warning", log=log) as base:
        address = urlsplit(base)
        yield str(address.hostname), int(address.port or 0)


def answer_of(conn: socket.socket) -> tuple[int, dict[str, Any]]:
    """Everything the server sends until it closes: (status, JSON body)."""
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    assert b"connection: close" in head.lower(), head
    return int(head.split()[1]), json.loads(body)


def one_answer(conn: socket.socket) -> bytes:
    """One whole answer (head and Content-Length bytes of body) from a connection kept open."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536) or b"!"  # closed early: the assertions show what came
        assert not data.endswith(b"!"), data
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = conn.recv(65536)
        assert chunk, data
        body += chunk
    return head + b"\r\n\r\n" + body


def connect(server: tuple[str, int]) -> socket.socket:
    return socket.create_connection(server, timeout=PATIENCE)


def still_serves(server: tuple[str, int]) -> None:
    host, port = server
    assert httpx.get(f"http://{host}:{port}/api/v1/health", timeout=PATIENCE).status_code == 200


def test_a_connection_that_sends_nothing_is_closed_without_an_answer(server: tuple[str, int]) -> None:
    with connect(server) as conn:
        assert conn.recv(1024) == b""


def test_half_a_request_is_answered_408_and_closed(server: tuple[str, int]) -> None:
    with connect(server) as conn:
        conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
        status, body = answer_of(conn)
    assert (status, body["code"]) == (408, "REQUEST_TIMEOUT")
    still_serves(server)


def test_a_slowloris_trickle_does_not_extend_the_deadline(server: tuple[str, int]) -> None:
    with connect(server) as conn:
        conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n")
        give_up = time.monotonic() + PATIENCE
        # One more header line every tenth of a second, until the server answers.
        while not select.select([conn], [], [], 0.1)[0]:
            assert time.monotonic() < give_up, "the trickle kept the connection open"
            conn.sendall(b"X-Trickle: 1\r\n")
        status, body = answer_of(conn)
    assert (status, body["code"]) == (408, "REQUEST_TIMEOUT")


def test_a_body_that_trickles_in_for_ever_is_cut_off(server: tuple[str, int]) -> None:
    with connect(server) as conn:
        conn.sendall(b"POST /api/v1/health HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
        data = b""
        give_up = time.monotonic() + PATIENCE
        # A byte of body every tenth of a second (each one would restart uvicorn's keep-alive timer).
        while True:
            if select.select([conn], [], [], 0.1)[0]:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            assert time.monotonic() < give_up, "the trickle kept the connection open"
            try:
                conn.sendall(b"x")
            except (BrokenPipeError, ConnectionResetError):
                break
    assert data.startswith(b"HTTP/1.1 405 ")


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"GET /api/v1/activities?" + b"%41=%42&" * 7500 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "URI_TOO_LONG"),
        (b"GET /api/v1/" + b"x" * 30_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "URI_TOO_LONG"),
        (
            b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 40_000 + b"\r\n\r\n",
            431,
            "REQUEST_HEADERS_TOO_LARGE",
        ),
        (b"GET /api/v1/health HTTP/1.1\r\n" + b"X-Many: 1\r\n" * 4000 + b"\r\n", 431, "REQUEST_HEADERS_TOO_LARGE"),
    ],
    ids=["60KB-query", "30KB-path", "40KB-header", "4000-headers"],
)
def test_an_oversized_head_is_refused_in_the_envelope(
    server: tuple[str, int], request_bytes: bytes, status: int, code: str
) -> None:
    with connect(server) as conn:
        conn.sendall(request_bytes)
        answered, body = answer_of(conn)
    assert (answered, body["code"]) == (status, code)
    assert len(json.dumps(body)) < 400
    still_serves(server)


def test_an_8_mb_header_is_never_answered_200(server: tuple[str, int]) -> None:
    answered = None
    with connect(server) as conn:
        conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ")
        try:
            for _ in range(128):  # 8 MB in 64 KB chunks, until the server answers
                if select.select([conn], [], [], 0)[0]:
                    break
                conn.sendall(b"b" * 65536)
            answered = answer_of(conn)[0]
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused so early that the answer was lost to the reset: refused all the same
    assert answered in (None, 431)
    still_serves(server)


def test_a_query_of_more_than_100_parameters_is_a_validation_error(server: tuple[str, int]) -> None:
    host, port = server
    query = "&".join(f"p{n}=1" for n in range(101))
    response = httpx.get(f"http://{host}:{port}/api/v1/health/version?{query}", timeout=PATIENCE)
    assert response.status_code == 400 and list(response.json()["validationErrors"]) == ["query"]
    assert httpx.get(f"http://{host}:{port}/api/v1/health/version?{query[: query.rindex('&')]}").status_code == 200


def test_a_long_path_is_echoed_short(server: tuple[str, int]) -> None:
    host, port = server
    response = httpx.get(f"http://{host}:{port}/api/v1/{'x' * 8000}", timeout=PATIENCE)
    assert response.status_code == 404 and len(response.content) < 400


def test_idle_sockets_cannot_starve_the_server_of_file_descriptors(tmp_path: Path) -> None:
    # 64 open files at most (the issue saw 256 starve it), and 80 idle connections: uvloop accepts and drops
    # what it has no descriptor for, so a normal request fails until the read deadline closes idle ones.
    # Without the deadline they stay for ever, and no attempt below is ever answered.
    def low_file_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    log = tmp_path / "server.log"
    args = ("--read-timeout", "1", "--no-access-log", "--log-level", "warning")
    with served(*args, log=log, preexec_fn=low_file_limit) as base:
        address = urlsplit(base)
        idle = [socket.create_connection((address.hostname, address.port), timeout=PATIENCE) for _ in range(80)]
        try:
            give_up, status = time.monotonic() + PATIENCE, None
            while status is None and time.monotonic() < give_up:
                try:
                    status = httpx.get(f"{base}/api/v1/activities/{SEED_ACTIVITY}", timeout=PATIENCE).status_code
                except httpx.TransportError:
                    time.sleep(0.1)
            assert status == 401
        finally:
            for conn in idle:
                conn.close()


def test_an_empty_line_after_an_answer_does_not_hold_the_connection_open(server: tuple[str, int]) -> None:
    # uvicorn cancels its keep-alive timer on any bytes; a bare CRLF begins no request, so nothing else was armed.
    with connect(server) as conn:
        conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
        assert one_answer(conn).startswith(b"HTTP/1.1 200 ")
        conn.sendall(b"\r\n")
        try:
            rest = conn.recv(65536)
        except TimeoutError:
            rest = None
    assert rest == b"", "the connection was still open after the read deadline"


def test_connections_held_by_empty_lines_under_a_low_file_limit_are_logged_and_room_is_made(tmp_path: Path) -> None:
    # 80 connections that each had an answer and then sent a bare CRLF, under 64 open files: a new
    # client is let in (the longest-idle connection closed for it) and the log says the limit was reached.
    def low_file_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))

    log = tmp_path / "server.log"
    args = ("--read-timeout", "30", "--no-access-log", "--log-level", "warning")
    held: list[socket.socket] = []
    with served(*args, log=log, preexec_fn=low_file_limit) as base:
        address = urlsplit(base)
        try:
            for _ in range(80):
                conn = socket.create_connection((address.hostname, address.port), timeout=PATIENCE)
                held.append(conn)
                with contextlib.suppress(OSError):  # closed to make room: what the test wants
                    conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
                    if conn.recv(65536):  # its answer (the head at least), then the empty line
                        conn.sendall(b"\r\n")
            response = httpx.get(f"{base}/api/v1/activities/{SEED_ACTIVITY}", timeout=PATIENCE)
            assert response.status_code == 401
        finally:
            for conn in held:
                conn.close()
    assert "open files limited to 64" in log.read_text()
