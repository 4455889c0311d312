"""How uvicorn runs the app: one log format for every process, the server options the sandbox needs, workers."""

from __future__ import annotations

import contextlib
import errno
import gc
import ipaddress
import logging
import os
import resource
import signal
import socket
import sys
import threading
import time
from typing import Any

import uvicorn

from mockserver.compat import protocol_factory
from mockserver.controls.access_log import BatchedLines
from mockserver.settings import Settings
from mockserver.startup import StartupError

LOG_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
"""The process id tells the workers of `--workers N` apart."""
MASTER_POLL_SECONDS = 0.2
"""How often a worker looks for its master: a SIGKILLed master's workers stop within this, plus their requests."""
APP_FACTORY = "mockserver.app:create_app_from_environment"


def log_handler() -> BatchedLines:
    """The one handler every log record goes through when served: queued, written by a thread, never blocking.

    A log line written on the event loop to a pipe nobody reads (a stalled CI runner or log driver)
    would stop every request, health included. Python's warnings are written by the warnings module
    itself, so they are made log records here, where logging is configured in each process.
    """
    logging.captureWarnings(True)
    return BatchedLines(sys.stderr)


def log_config(level: str) -> dict[str, Any]:
    """One format for our loggers and uvicorn's, applied by uvicorn in every worker process."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": LOG_FORMAT}},
        # One handler, one writer thread, so the lines of every logger stay in order.
        "handlers": {"stderr": {"()": f"{__name__}.log_handler", "formatter": "plain"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn.access": {"level": "WARNING"},
            # Access lines are formatted by the handler's frame, off the LogRecord path (controls/access_log.py).
            "mockserver.access": {"handlers": ["stderr"], "propagate": False},
        },
    }


def exposure_warnings(settings: Settings) -> list[str]:
    """What start-up warns of: admin routes bound beyond loopback with no admin token, so closed to everyone."""
    routes = [
        *(["/__admin/requests, the request journal"] if settings.journal_size else []),
        *(["/__admin/sandboxes, private sandboxes"] if settings.sandboxes else []),
    ]
    if not routes or settings.admin_token is not None or is_loopback(settings.host):
        return []
    return [
        f"the admin routes ({', '.join(routes)}) are closed: bound to {settings.host}:"
        f"{settings.port}, beyond loopback, they need an admin token, and none was given; set MOCKSERVER_ADMIN_TOKEN"
        " (or --admin-token) to use them, or bind 127.0.0.1 (--host)"
    ]


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or a name, never resolved) reaches only this machine."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to any address


def announce(line: str) -> None:
    """Write a line that must show whatever the log level (the start-up line) through the queued log handler."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, BatchedLines):
            handler.queue(line + "\n")
            return
    print(line, file=sys.stderr)


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
        # The Date header is the world's (controls/date_header.py, and compat's refusals), not the wall's.
        "date_header": False,
        # A deadline on reading each request and caps on its size: uvicorn has neither.
        "http": protocol_factory(settings.connection_limits),
    }


def raise_file_limit() -> None:
    """Open files up to the hard limit, as many servers do at start: each connection is one (workers inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        # Some systems refuse what they report: the connection ceiling (compat) follows whatever limit holds.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def keep_serving_on_sighup() -> None:
    """SIGHUP would end the process at once, dropping every request in flight (Python's default for it).

    With several workers, uvicorn's supervisor takes SIGHUP as "replace the workers", each finishing its
    requests; one process has nothing to replace (its settings are fixed), so it logs the signal and serves on."""

    def heard(signum: int, frame: Any) -> None:
        logging.getLogger("mockserver").info("SIGHUP: nothing to reload in this process; serving on")

    signal.signal(signal.SIGHUP, heard)


def flush_logs_on_sigterm() -> None:
    """Write what the log still holds before SIGTERM ends the process.

    uvicorn shuts down on SIGTERM, then raises it again under the handler it found; SIG_DFL would end
    the process at once, and the lines still queued for the log's writer thread (the shutdown's own,
    the memos' figures) would be lost. This handler closes the log first (bounded: a stalled pipe
    waits at most CLOSE_SECONDS), then lets SIGTERM end the process as it would have."""

    def flush_then_end(signum: int, frame: Any) -> None:
        logging.shutdown()
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)

    signal.signal(signal.SIGTERM, flush_then_end)


def stop_with_master() -> None:
    """In a worker of `--workers N`: stop as SIGTERM stops it (requests in flight finish) once its master is gone.

    A master killed with SIGKILL cannot stop its workers, which would otherwise serve the port on,
    unsupervised, until killed one by one; the orphan is noticed by its parent process changing."""
    master = os.getppid()

    def watch() -> None:
        while os.getppid() == master:
            time.sleep(MASTER_POLL_SECONDS)
        logging.getLogger("mockserver").warning("the master process %d is gone: this worker stops", master)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="master-watch", daemon=True).start()
    keep_serving_on_sighup()


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
    raise_file_limit()
    options = {**uvicorn_options(settings), "port": listener.getsockname()[1]}
    if settings.workers == 1:
        keep_serving_on_sighup()
        flush_logs_on_sigterm()
        freeze_startup_objects()
        # Logging is already configured (the CLI did, before building the app): configured again, its
        # queued lines would wait on the old handler's close, up to CLOSE_SECONDS on a stalled pipe.
        server = uvicorn.Server(uvicorn.Config(app, **{**options, "log_config": None}))
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
