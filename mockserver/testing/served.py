"""The sandbox served from a thread of the calling process on a free port, for tests that need a real HTTP server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from pydantic import ValidationError

from mockserver import resources, serving
from mockserver.app import create_app
from mockserver.misconfigured import problems
from mockserver.settings import Settings
from mockserver.startup import StartupError
from mockserver.testing.received import ClockNotHandTurned, Received
from mockserver.world.runs.clock import ManualClock

START_SECONDS = 30.0
"""How long the server may take to listen once its app is built (it is built before the thread starts)."""
STOP_SECONDS = 5
"""How long requests still open at the end may take before the server closes them."""


@dataclass(frozen=True)
class Sandbox(Received):
    """A served sandbox: where it is, the keys that work with the built-in fixtures, and what it received (its journal,
    on in the jim_sandbox fixture), with assertions over it."""

    base_url: str
    """http://host:port, without a trailing slash: append /api/v1/…"""
    settings: Settings
    admin_key: str = resources.ADMIN_KEY
    reader_key: str = resources.READER_KEY
    clock: ManualClock | None = field(default=None, compare=False, repr=False)
    """The world's clock when it is hand-turned (hand_turned_clock=True), else None."""

    def advance(self, seconds: float) -> None:
        """Move the world's clock on by `seconds` (hand_turned_clock=True): runs in progress, /progress, every time
        the sandbox writes move with it, so a poller's test turns the clock where its client would sleep."""
        if self.clock is None:
            raise ClockNotHandTurned(
                "this sandbox's clock runs with the wall: turn it by hand with hand_turned_clock=True"
                " (@pytest.mark.jim_sandbox(hand_turned_clock=True), or sandbox_settings(hand_turned_clock=True))"
            )
        self.clock.advance(seconds)

    def _journal_capacity(self) -> int:
        return self.settings.journal_size

    def _journal_on(self) -> None:
        if self.settings.journal_size == 0:
            raise JournalOff(
                "this sandbox's journal is off (journal_size=0), so it keeps no record of the requests it received:"
                " turn it on with journal_size=N (@pytest.mark.jim_sandbox(journal_size=1000), the"
                " jim_sandbox_settings fixture, or sandbox_settings(journal_size=1000)),"
                " or mockserver serve --journal N"
            )

    def _admin(self) -> dict[str, str]:
        """The admin token's header, when the sandbox was given one (then the journal asks for it)."""
        token = self.settings.admin_token
        return {"Authorization": f"Bearer {token.get_secret_value()}"} if token else {}


class JournalOff(RuntimeError):
    """Asked for the requests a sandbox received when its journal is off."""


class BadSandboxSettings(StartupError, ValueError):
    """Settings a served sandbox cannot start with, naming each field."""

    kind = "bad settings"


def sandbox_settings(**given: Any) -> Settings:
    """Settings for a served sandbox: a free port unless one is given; one process, as a thread serves it."""
    try:
        settings = Settings(**{"port": 0, **given})
    except ValidationError as exc:
        raise BadSandboxSettings(problems(exc, {name: name for name in given})) from None
    if settings.workers != 1:
        raise BadSandboxSettings("workers: a sandbox served from a test process runs one worker")
    return settings


@contextmanager
def serve_sandbox(settings: Settings) -> Iterator[Sandbox]:
    """Serve until the block ends. A bad fixture or setting raises (a StartupError) before anything listens."""
    # A hand-turned clock is made here, so the Sandbox holds the hand that turns it.
    clock = ManualClock() if settings.hand_turned_clock else None
    app = create_app(settings, clock=clock)
    listener = socket.create_server((settings.host, settings.port))
    # The test process's logging stays its own: no log config, no levels. The loop is the server's own (uvloop where
    # installed: asyncio's selector loop in a thread answered at 48 ms a request, uvloop at 7), no global policy set.
    options = {**serving.uvicorn_options(settings), "log_config": None, "log_level": None}
    server = uvicorn.Server(uvicorn.Config(app, timeout_graceful_shutdown=STOP_SECONDS, **options))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="jim-sandbox", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the sandbox's server did not start: see its log above")
            time.sleep(0.01)
        host, port = listener.getsockname()[:2]
        yield Sandbox(base_url=f"http://{f'[{host}]' if ':' in host else host}:{port}", settings=settings, clock=clock)
    finally:
        server.should_exit = True
        thread.join(STOP_SECONDS * 2)
        listener.close()
