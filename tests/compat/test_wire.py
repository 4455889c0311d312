"""What only a real socket shows: uvicorn's own answers, header whitespace, Upgrade requests."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest

from scripts.contract_live import free_port, wait_until_healthy
from tests.conftest import SEED_ACTIVITY


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    port = free_port()
    serve = ["serve", "--port", str(port), "--log-level", "warning", "--no-access-log"]
    server = subprocess.Popen([sys.executable, "-m", "mockserver", *serve])
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/api/v1/health", server)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def raw_exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


@pytest.mark.parametrize(
    "request_line",
    [b"get /api/v1/health HTTP/1.1", b"GET /api/v1/he alth HTTP/1.1", b"GET /api/v1/health\xff HTTP/1.1"],
)
def test_unparseable_requests_get_the_envelope(port: int, request_line: bytes) -> None:
    status, headers, body = raw_exchange(port, request_line + b"\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 400
    assert headers["content-type"] == "application/json"
    envelope = json.loads(body)
    assert envelope["code"] == "VALIDATION_ERROR" and set(envelope["validationErrors"]) == {"request"}


def test_key_with_trailing_blanks_is_the_key(port: int) -> None:
    request = (
        f"GET /api/v1/activities/{SEED_ACTIVITY}/items?pageSize=1 HTTP/1.1\r\n"
        "Host: x\r\nX-Api-Key: jim_ak_sandbox_admin \t\r\nConnection: close\r\n\r\n"
    ).encode()
    status, _, _ = raw_exchange(port, request)
    assert status == 200


def test_an_upgrade_request_is_an_ordinary_request(port: int) -> None:
    headers = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "x"}
    response = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", headers=headers, timeout=10)
    assert response.status_code == 200
