"""`mockserver health`: ask the configured server whether it is ready, for container and orchestrator probes.

Exit 0 when /api/v1/health/ready answers 200 within the deadline, else 1 with one line saying why. Never 2, which
the other commands use for bad configuration: Docker's HEALTHCHECK reserves 2, so a probe says 0 or 1, whatever
went wrong.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from typing import Any

import click
import orjson
from pydantic import ValidationError

from mockserver.flags import flag, option
from mockserver.http import HEALTH_PATH
from mockserver.misconfigured import problems
from mockserver.settings import Settings

READY_PATH = HEALTH_PATH + "/ready"
DEADLINE_SECONDS = 2.0
"""The whole probe (name lookup, connect, request, answer) within this: an orchestrator's probe has its own timeout,
and a probe that outlives it is counted a failure anyway, after holding a process."""
MAX_ANSWER_BYTES = 65_536
"""More than a health answer ever is: a stranger on the port cannot make the probe read for ever."""
ANY_ADDRESS = {"0.0.0.0": "127.0.0.1", "::": "::1", "[::]": "::1", "": "127.0.0.1"}
"""A server bound to every address is asked on loopback, where it certainly listens."""


class NotReady(Exception):
    """Why the server is not ready, as the one line the probe prints."""


def target(settings: Settings) -> tuple[str, int]:
    """Where to ask: the server's host and port, the any-address asked on its loopback."""
    host = settings.host.strip()
    return ANY_ADDRESS.get(host, host.strip("[]")), settings.port


def url(host: str, port: int) -> str:
    return f"http://{f'[{host}]' if ':' in host else host}:{port}{READY_PATH}"


def ask(host: str, port: int, seconds: float) -> tuple[int, bytes]:
    """(status, body) of GET /api/v1/health/ready over one HTTP/1.1 connection, each wait within what is left."""
    end = time.monotonic() + seconds
    authority = f"[{host}]" if ":" in host else host
    request = f"GET {READY_PATH} HTTP/1.1\r\nHost: {authority}:{port}\r\nConnection: close\r\n\r\n".encode("ascii")
    with socket.create_connection((host, port), timeout=seconds) as connection:
        connection.settimeout(max(0.001, end - time.monotonic()))
        connection.sendall(request)
        answer = b""
        while len(answer) < MAX_ANSWER_BYTES:
            connection.settimeout(max(0.001, end - time.monotonic()))
            chunk = connection.recv(MAX_ANSWER_BYTES)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    if len(status_line) < 2 or not status_line[0].startswith(b"HTTP/") or not status_line[1].isdigit():
        raise NotReady(f"{url(host, port)} did not answer HTTP")
    return int(status_line[1]), body


def reason(status: int, body: bytes) -> str:
    """What a non-200 answer says: the readiness answer's status and error, when it is one."""
    try:
        said = orjson.loads(body)
    except orjson.JSONDecodeError:
        return f"answered {status}"
    if not isinstance(said, dict):
        return f"answered {status}"
    details = ", ".join(str(said[key])[:200] for key in ("status", "error") if said.get(key))
    return f"answered {status}" + (f" ({details})" if details else "")


def check(host: str, port: int, seconds: float = DEADLINE_SECONDS) -> None:
    """Return when the server is ready; raise NotReady saying why otherwise, within `seconds` whatever happens.

    The probe runs on a daemon thread so that the deadline holds even for a name lookup, which sockets cannot
    bound; a thread still waiting at the deadline is left to die with the process."""
    outcome: list[BaseException | tuple[int, bytes]] = []

    def probe() -> None:
        try:
            outcome.append(ask(host, port, seconds))
        except BaseException as exc:  # handed to the caller, which words it
            outcome.append(exc)

    worker = threading.Thread(target=probe, name="health-probe", daemon=True)
    worker.start()
    worker.join(seconds)
    where = url(host, port)
    if not outcome:
        raise NotReady(f"{where} did not answer within {seconds:g} s")
    result = outcome[0]
    if isinstance(result, NotReady):
        raise result
    if isinstance(result, TimeoutError | socket.timeout):
        raise NotReady(f"{where} did not answer within {seconds:g} s")
    if isinstance(result, socket.gaierror):
        raise NotReady(f"cannot resolve {host}: {result.strerror or result}")
    if isinstance(result, OSError):
        raise NotReady(f"cannot reach {where}: {result.strerror or result}")
    if isinstance(result, BaseException):
        raise NotReady(f"{where}: {type(result).__name__}")
    status, body = result
    if status != 200:
        raise NotReady(f"{where} {reason(status, body)}")


class ProbeCommand(click.Command):
    """Bad usage (`--port x`) is one line and exit 1 here too: a probe says 0 or 1."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            click.echo(f"mockserver health: {exc.format_message()}", err=True)
            sys.exit(1)


@click.command(cls=ProbeCommand)
@option("host", "The address the server was told to bind (0.0.0.0 and :: are asked on loopback).")
@option("port", "The port it serves.")
def health(**flags: Any) -> None:
    """Exit 0 when the configured server is ready, 1 (with one line saying why) when it is not.

    Asks GET /api/v1/health/ready of the server that `mockserver serve` with the same options and
    MOCKSERVER_ variables would run (a server bound to 0.0.0.0 or :: is asked on loopback), and
    waits at most 2 seconds in all. For container and orchestrator probes: Docker's HEALTHCHECK,
    a Kubernetes exec probe. Exit status: 0 ready; 1 not ready, not answering, not reachable, or
    the configuration is bad (never 2, which Docker's HEALTHCHECK reserves).

    \b
    Examples:
      mockserver health
      mockserver health --port 9000
      MOCKSERVER_HOST=0.0.0.0 MOCKSERVER_PORT=8080 mockserver health
    """
    given = {name: value for name, value in flags.items() if value is not None}
    try:
        settings = Settings(**given)
    except ValidationError as exc:
        click.echo(f"mockserver health: bad configuration: {problems(exc, {n: flag(n) for n in given})}", err=True)
        sys.exit(1)
    host, port = target(settings)
    if port == 0:
        click.echo(
            "mockserver health: port 0 is no server's port: give the one it serves (--port, MOCKSERVER_PORT)", err=True
        )
        sys.exit(1)
    try:
        check(host, port)
    except NotReady as exc:
        click.echo(f"mockserver health: not ready: {exc}", err=True)
        sys.exit(1)
    click.echo(f"mockserver health: {url(host, port)} is ready")
