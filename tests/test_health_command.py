"""`mockserver health`: 0 when the configured server is ready, else 1 and one line why, within its deadline."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from mockserver import health
from mockserver.cli import main
from mockserver.testing.served import Sandbox, sandbox_settings, serve_sandbox
from tests.test_serve_command import without_our_variables


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with serve_sandbox(sandbox_settings(access_log=False)) as served:
        yield served


def probed(*arguments: str, **environment: str) -> tuple[int, str]:
    done = CliRunner().invoke(main, ["health", *arguments], env={**without_our_variables(), **environment})
    assert "Traceback" not in done.output, done.output
    assert done.exception is None or isinstance(done.exception, SystemExit), done.exception
    return done.exit_code, done.output.strip()


@contextmanager
def answering(answer: bytes | None) -> Iterator[int]:
    """A loopback port whose every connection gets `answer` (None: accepted, then never answered)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            held.append(connection)
            if answer is not None:
                connection.settimeout(1.0)
                connection.recv(4096)
                connection.sendall(answer)
                connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        for connection in held:
            connection.close()
        listener.close()


def test_a_ready_server_is_0_from_its_port_in_the_environment(sandbox: Sandbox) -> None:
    port = str(urlsplit(sandbox.base_url).port)
    code, output = probed(MOCKSERVER_PORT=port)
    assert code == 0, output
    assert output == f"mockserver health: http://127.0.0.1:{port}/api/v1/health/ready is ready"
    assert probed("--port", port)[0] == 0


@pytest.mark.parametrize(("bound", "asked"), [("0.0.0.0", "127.0.0.1"), ("::", "::1"), ("[::]", "::1")])
def test_a_server_bound_to_every_address_is_asked_on_loopback(bound: str, asked: str, sandbox: Sandbox) -> None:
    settings = sandbox.settings.model_copy(update={"host": bound})
    assert health.target(settings) == (asked, settings.port)
    if asked == "127.0.0.1":
        port = str(urlsplit(sandbox.base_url).port)
        assert probed(MOCKSERVER_HOST=bound, MOCKSERVER_PORT=port)[0] == 0


def test_a_closed_port_is_1_and_one_line_saying_so() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
    code, output = probed("--port", str(port))
    assert code == 1
    assert output == f"mockserver health: not ready: cannot reach http://127.0.0.1:{port}/api/v1/health/ready:" + (
        " Connection refused"
    )


def test_a_server_that_never_answers_is_1_within_the_deadline() -> None:
    assert health.DEADLINE_SECONDS == 2.0
    with answering(None) as port:
        started = time.monotonic()
        with pytest.raises(health.NotReady, match=r"did not answer within 0\.3 s"):
            health.check("127.0.0.1", port, seconds=0.3)
        assert time.monotonic() - started < 1.5


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (
            b'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n\r\n{"status":"not_ready",'
            b'"reason":"error","error":"Redis did not answer within 500 ms"}',
            "answered 503 (not_ready, Redis did not answer within 500 ms)",
        ),
        (b"HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nno", "answered 404"),
        (b"SSH-2.0-OpenSSH_9.6\r\n", "did not answer HTTP"),
    ],
    ids=["not-ready", "not-found", "not-http"],
)
def test_any_answer_but_200_is_1_saying_what_came(answer: bytes, said: str) -> None:
    with answering(answer) as port:
        code, output = probed("--port", str(port))
    assert code == 1
    assert output == f"mockserver health: not ready: http://127.0.0.1:{port}/api/v1/health/ready {said}"


@pytest.mark.parametrize(
    ("arguments", "environment", "said"),
    [
        (["--port", "x"], {}, "mockserver health: Invalid value for '--port': 'x' is not a valid integer range."),
        ([], {"MOCKSERVER_PORT": "0"}, "mockserver health: port 0 is no server's port"),
        ([], {"MOCKSERVER_PROT": "1"}, "mockserver health: bad configuration: MOCKSERVER_PROT is not a setting"),
    ],
)
def test_bad_configuration_is_1_not_2_which_docker_reserves(
    arguments: list[str], environment: dict[str, str], said: str
) -> None:
    code, output = probed(*arguments, **environment)
    assert code == 1 and len(output.splitlines()) == 1 and output.startswith(said), output


def test_help_says_what_it_asks_and_what_each_exit_status_means() -> None:
    code, output = probed("--help")
    assert code == 0
    for needed in ("/api/v1/health/ready", "2 seconds", "0.0.0.0", "MOCKSERVER_", "0 ready", "1 not ready", "--port"):
        assert needed in output, needed
    assert "health" in CliRunner().invoke(main, ["--help"]).output
