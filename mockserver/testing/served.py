"""The sandbox served from a thread of the calling process on a free port, for tests that need a real HTTP server."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from pydantic import ValidationError

from mockserver import resources, serving
from mockserver.app import create_app
from mockserver.http import REQUESTS_PATH
from mockserver.settings import Settings, problems
from mockserver.startup import StartupError

START_SECONDS = 30.0
"""How long the server may take to listen once its app is built (it is built before the thread starts)."""
STOP_SECONDS = 5
"""How long requests still open at the end may take before the server closes them."""
ADMIN_SECONDS = 10.0
"""The deadline of the helpers' own requests (the journal)."""


@dataclass(frozen=True)
class Sandbox:
    """A served sandbox: where it is, the keys that work with the built-in fixtures, and its journal."""

    base_url: str
    """http://host:port, without a trailing slash: append /api/v1/…"""
    settings: Settings
    admin_key: str = resources.ADMIN_KEY
    reader_key: str = resources.READER_KEY

    def journal(self, **filters: str | int) -> list[dict[str, Any]]:
        """The requests the sandbox has answered, newest first (needs journal_size); filters: path, status."""
        response = httpx.get(self.base_url + REQUESTS_PATH, params=filters, timeout=ADMIN_SECONDS)
        response.raise_for_status()
        entries: list[dict[str, Any]] = response.json()["entries"]
        return entries

    def clear_journal(self) -> None:
        httpx.delete(self.base_url + REQUESTS_PATH, timeout=ADMIN_SECONDS).raise_for_status()


class BadSandboxSettings(StartupError, ValueError):
    """Settings a served sandbox cannot start with, naming each field."""

    kind = "bad settings"


def sandbox_settings(**given: Any) -> Settings:
    """Settings for a served sandbox: a free port unless one is given; one process, as a thread serves it."""
    try:
        settings = Settings(**{"port": 0, **given})
    except ValidationError as exc:
        raise BadSandboxSettings(problems(exc)) from None
    if settings.workers != 1:
        raise BadSandboxSettings("workers: a sandbox served from a test process runs one worker")
    return settings


@contextmanager
def serve_sandbox(settings: Settings) -> Iterator[Sandbox]:
    """Serve until the block ends. A bad fixture or setting raises (a StartupError) before anything listens."""
    app = create_app(settings)
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
        yield Sandbox(base_url=f"http://{f'[{host}]' if ':' in host else host}:{port}", settings=settings)
    finally:
        server.should_exit = True
        thread.join(STOP_SECONDS * 2)
        listener.close()
