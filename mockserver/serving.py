"""How uvicorn runs the app: one log format for every process, the server options the sandbox needs, workers."""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import socket
from typing import Any

import uvicorn

from mockserver.compat import protocol_factory
from mockserver.controls.access_log import BatchedLines
from mockserver.settings import Settings
from mockserver.startup import StartupError

LOG_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
"""The process id tells the workers of `--workers N` apart."""
APP_FACTORY = "mockserver.app:create_app_from_environment"
BATCHED_LINES = f"{BatchedLines.__module__}.{BatchedLines.__qualname__}"


def log_config(level: str) -> dict[str, Any]:
    """One format for our loggers and uvicorn's, applied by uvicorn in every worker process."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {
            "stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"},
            # Access lines are written in batches off the request path, in the same format.
            "access": {"class": BATCHED_LINES, "formatter": "plain", "stream": "ext://sys.stderr"},
        },
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn.access": {"level": "WARNING"},
            "mockserver.access": {"handlers": ["access"], "propagate": False},
        },
    }


def freeze_startup_objects() -> None:
    """Exempt everything built at start-up (spec, fixtures, fragment pools) from garbage collection.

    Serving allocates many short-lived objects; without this, each full collection re-scans the
    long-lived ones and shows up as p99 latency.
    """
    gc.collect()
    gc.freeze()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    return {
        "host": settings.host,
        "port": settings.port,
        "log_config": log_config(settings.log_level),
        "access_log": False,
        "log_level": settings.log_level,
        # No WebSocket routes: an Upgrade header is an ordinary request, not uvicorn's bare 403.
        "ws": "none",
        # The client address is the socket's: a local client cannot dodge the per-IP rate limit, or
        # write another address into the journal, with an X-Forwarded-For header.
        "proxy_headers": False,
        # A deadline on reading each request and caps on its size: uvicorn has neither.
        "http": protocol_factory(settings.connection_limits),
    }


class CannotListen(StartupError):
    kind = "cannot listen"


def listen(settings: Settings) -> socket.socket:
    """The listening socket, bound before anything is announced: so the port announced is the one bound (port 0 picks
    one), and a port in use is one line, not uvicorn's error after a "serving on"."""
    try:
        family = socket.getaddrinfo(settings.host, settings.port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((settings.host, settings.port), family=family)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise CannotListen(
                f"port {settings.port} on {settings.host} is in use: stop what listens there, or choose another"
                " port with --port (0 picks a free one)"
            ) from None
        raise CannotListen(f"{settings.host}:{settings.port}: {exc.strerror or exc}") from None


def serve(app: Any, settings: Settings, listener: socket.socket) -> None:
    """Serve `app` (already built, so its fixtures are valid) on `listener` until interrupted; several workers
    rebuild it."""
    options = {**uvicorn_options(settings), "port": listener.getsockname()[1]}
    if settings.workers == 1:
        freeze_startup_objects()
        server = uvicorn.Server(uvicorn.Config(app, **options))
        # Ctrl+C: uvicorn shuts down, then raises it again; uvicorn.run would swallow it too.
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[listener])
        if not server.started:
            raise SystemExit(3)
        return
    # Workers are separate processes: each rebuilds the app from the same settings, exported here. uvicorn's
    # supervisor binds the port again for them (it was chosen, when 0, by binding it here).
    listener.close()
    os.environ.update(settings.as_environment())
    uvicorn.run(APP_FACTORY, factory=True, workers=settings.workers, **options)
