"""The sandbox served from a thread of the calling process on a free port, for tests that need a real HTTP server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from pydantic import ValidationError

from mockserver import resources, serving
from mockserver.app import create_app
from mockserver.http import REQUESTS_PATH
from mockserver.misconfigured import problems
from mockserver.settings import Settings
from mockserver.startup import StartupError
from mockserver.testing import received
from mockserver.world.runs.clock import ManualClock

START_SECONDS = 30.0
"""How long the server may take to listen once its app is built (it is built before the thread starts)."""
STOP_SECONDS = 5
"""How long requests still open at the end may take before the server closes them."""
ADMIN_SECONDS = 10.0
"""The deadline of the helpers' own requests (the journal)."""
JOURNAL_PAGE = 1000
"""The most entries the journal answers at once."""


@dataclass(frozen=True)
class Sandbox:
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

    def journal(self, **filters: str | int) -> list[dict[str, Any]]:
        """The journal's entries as it answers them, newest first; filters: path (a prefix), status."""
        return self._entries(filters, newest_first=True)

    def clear_journal(self) -> None:
        """Forget every request received so far (the jim_sandbox fixture does this before each test)."""
        self._journal_on()
        httpx.delete(self.base_url + REQUESTS_PATH, headers=self._admin(), timeout=ADMIN_SECONDS).raise_for_status()

    def requests(self, method: str | None = None, path: str | None = None) -> list[received.Request]:
        """The requests received, oldest first: of this method, to exactly this path (no query), when given."""
        everything = [received.Request.from_entry(entry) for entry in self._entries({}, newest_first=False)]
        return received.matching(everything, method, path)

    def assert_request_made(self, method: str, path: str, count: int | None = None) -> None:
        """Fail unless `method path` was received (exactly `count` times, when given), listing what was."""
        self._check(received.request_made(self.requests(), method, path, count))

    def assert_no_requests(self) -> None:
        self._check(received.no_requests(self.requests()))

    def assert_retry_after_respected(self, statuses: tuple[int, ...] = (429,)) -> None:
        """Fail unless some answer had one of these statuses and, after each, the next request came no sooner than
        its Retry-After (measured from the answer, to the journal's millisecond)."""
        self._check(received.waited_after(self.requests(), statuses))

    def assert_polled_no_faster_than(self, seconds: float, path: str | None = None) -> None:
        """Fail unless `path` (each activity's /progress, when not given) was polled, never twice within `seconds`."""
        self._check(received.polled_no_faster_than(self.requests(), seconds, path))

    def _check(self, failure: str | None) -> None:
        if failure is None:
            return
        __tracebackhide__ = True
        raise AssertionError(failure + self._dropped())

    def _dropped(self) -> str:
        capacity = self.settings.journal_size
        if len(self._entries({}, newest_first=True)) < capacity:
            return ""
        return f"\n(the journal keeps the last {capacity} requests: older ones are not listed)"

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

    def _entries(self, filters: dict[str, str | int], newest_first: bool) -> list[dict[str, Any]]:
        self._journal_on()
        entries: list[dict[str, Any]] = []
        page = 1
        while True:
            params = {**filters, "page": page, "pageSize": JOURNAL_PAGE}
            response = httpx.get(
                self.base_url + REQUESTS_PATH, params=params, headers=self._admin(), timeout=ADMIN_SECONDS
            )
            response.raise_for_status()
            body = response.json()
            entries += body["entries"]
            if not body["hasNextPage"]:
                return entries if newest_first else entries[::-1]
            page += 1


class ClockNotHandTurned(RuntimeError):
    """Asked to turn the clock of a sandbox whose clock runs with the wall."""


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
