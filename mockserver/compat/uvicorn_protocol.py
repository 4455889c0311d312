"""uvicorn's internals: its httptools protocol with a read deadline and size limits, refusals in the envelope."""

from __future__ import annotations

import asyncio
import functools
import logging
import resource
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver import errors
from mockserver.http import http_date
from mockserver.settings import ConnectionLimits

logger = logging.getLogger("mockserver.connections")

MAX_PIPELINED = 32
"""Requests one connection may have waiting behind the one being answered (HTTP/1.1 pipelining); one more closes it.

uvicorn queues every pipelined request it parses, and reads on after each answer: a client that pipelines
and never reads made the server hold about 45 bytes for every byte it sent."""
WRAPPERS = 4
"""How deep in uvicorn's own middlewares (proxy headers, message logger) the sandbox's app is looked for."""
FILES_KEPT = 32
"""Open files kept back from client connections (the listening socket, the event loop's, the log, Redis's pool)."""


@functools.cache
def connection_ceiling() -> int:
    """The most client connections this process keeps open: its open-file limit less FILES_KEPT.

    Past the limit uvloop (libuv) accepts and drops new connections silently; kept below it, a new
    client is let in by closing the longest-idle connection, and the log says so."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return 1 << 30 if soft == resource.RLIM_INFINITY else max(8, soft - FILES_KEPT)


# --- uvicorn: a deadline and size limits on reading a request; refusals in the envelope ---------


def protocol_factory(limits: ConnectionLimits) -> Callable[..., asyncio.Protocol]:
    """For uvicorn's `http` option: picklable, so each worker process of `--workers N` builds the same protocol."""
    return functools.partial(EnvelopeHttpToolsProtocol, limits=limits)


class EnvelopeHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with the deadlines and size limits it lacks, its refusals in the envelope.

    uvicorn times a connection out only after a response, and httptools buffers a head of any size, so
    a client sending nothing, half a head or a huge one, or not reading its answer, holds a connection and
    its memory. Here a request must arrive within `read_timeout` (408 once begun), its target fit
    `max_url_bytes` (414) and its head `max_header_bytes` (431), checked per chunk so at most one chunk
    more is buffered; and an answer whose writing stalls is abandoned after `read_timeout`."""

    # Internal: each method overrides HttpToolsProtocol's own, and reads its url, cycle, loop, transport,
    # connections (uvicorn's set of open connections) and timeout_keep_alive_task.

    shed: ClassVar[list[float]] = [0, 0, -1.0]
    """Idle connections closed and new ones refused since the last log line, and when it was written."""

    def __init__(self, *args: Any, limits: ConnectionLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.deadline: asyncio.TimerHandle | None = None
        self.stalled: asyncio.TimerHandle | None = None
        self.reading_head, self.head_begun, self.refused = True, False, False
        self.head_bytes = 0  # received while reading a head (from the chunk that began it, or the next)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self.idle_since = time.monotonic()
        self.arm()
        if len(self.connections) > connection_ceiling():
            self.make_room()

    def make_room(self) -> None:
        """At the ceiling: close the connection idle longest (between requests, or yet to send one), else this one."""
        idle = [
            other
            for other in self.connections
            if isinstance(other, EnvelopeHttpToolsProtocol)
            and other is not self
            and not other.transport.is_closing()
            and (other.cycle is None or other.cycle.response_complete)
            and not other.head_begun
        ]
        victim = min(idle, key=lambda other: other.idle_since) if idle else self
        victim.refused = True
        victim.transport.close()
        shed = EnvelopeHttpToolsProtocol.shed
        shed[0 if victim is not self else 1] += 1
        now = time.monotonic()
        if now - shed[2] >= 1:  # at most a line a second, however fast clients come
            logger.warning(
                "%d connections open, the most this process keeps (open files limited to %d): closed %d idle"
                " connection(s), refused %d new one(s) since the last such line",
                len(self.connections),
                resource.getrlimit(resource.RLIMIT_NOFILE)[0],
                shed[0],
                shed[1],
            )
            shed[:] = [0, 0, now]

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        if self.reading_head:
            self.head_bytes += len(data)
        super().data_received(data)
        if self.reading_head and not self.refused and not self.transport.is_closing():
            url = len(getattr(self, "url", b""))
            error = self.oversized(url, max(self.head_bytes, url))
            if error is not None:
                self.refuse(error)
                return
            # uvicorn cancelled its keep-alive timer on these bytes; when they began no request (a bare
            # CRLF between requests), nothing else is armed: without this the connection is held for ever.
            idle = self.cycle is None or self.cycle.response_complete
            if idle and self.deadline is None and self.timeout_keep_alive_task is None:
                self.arm()

    def on_message_begin(self) -> None:
        if self.refused:
            return
        super().on_message_begin()
        self.reading_head = self.head_begun = True
        if self.deadline is None:
            self.arm()

    def on_url(self, url: bytes) -> None:
        if not self.refused:
            super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self.refused:
            super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self.refused:
            return
        if self.cycle is not None and not self.cycle.response_complete and len(self.pipeline) >= MAX_PIPELINED:
            # Answers go in order, so none can refuse this one: the connection goes, with what it queued.
            self.refused = True
            logger.warning(
                "closed a connection from %s: more than %d requests pipelined behind an answer it had not read",
                self.client[0] if self.client else "-",
                MAX_PIPELINED,
            )
            self.pipeline.clear()
            self.transport.close()
            return
        self.reading_head, self.head_bytes = False, 0
        head = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)  # ": ", CRLF
        error = self.oversized(len(self.url), head)
        if error is not None:
            self.refuse(error)  # before uvicorn starts the app on it
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self.refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self.refused:
            self.disarm()
            # What comes next on this connection begins the next head (and only a begun one earns a 408).
            self.reading_head, self.head_begun = True, False
            super().on_message_complete()

    def on_response_complete(self) -> None:
        self.idle_since = time.monotonic()
        super().on_response_complete()

    def pause_writing(self) -> None:
        super().pause_writing()
        self.stalled = self.loop.call_later(self.limits.read_timeout, self.transport.abort)

    def resume_writing(self) -> None:
        if self.stalled is not None:
            self.stalled.cancel()
        super().resume_writing()

    def send_400_response(self, msg: str) -> None:
        # Internal: the only hook uvicorn has for requests that never reach the app.
        if not self.refused:
            self.refuse(errors.validation_error({"request": [f"Not a valid HTTP request: {msg}"]}))

    def oversized(self, url_bytes: int, head_bytes: int) -> errors.JimError | None:
        if url_bytes > self.limits.max_url_bytes:
            return errors.uri_too_long(self.limits.max_url_bytes)
        too_big = head_bytes > self.limits.max_header_bytes
        return errors.headers_too_large(self.limits.max_header_bytes) if too_big else None

    def arm(self) -> None:
        self.disarm()
        self.deadline = self.loop.call_later(self.limits.read_timeout, self.expired)

    def disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def expired(self) -> None:
        self.deadline = None
        if self.reading_head and self.head_begun and not self.transport.is_closing():
            self.refuse(errors.request_timeout(self.limits.read_timeout))
        else:  # nothing sent at all, or a body still trickling in after its head: nothing to answer
            self.refused = True
            self.transport.close()

    def refuse(self, error: errors.JimError) -> None:
        """Answer `error` in the envelope and close; a request already in the app's hands loses the connection."""
        self.refused = True  # the deadline, if still set, finds the transport closing: it is disarmed when lost
        logger.warning("%s from %s: %s", error.status_code, self.client[0] if self.client else "-", error.message)
        if self.cycle is None or self.cycle.response_complete:
            now = self.world_now()
            # Dated by the world, as the app's answers are: uvicorn's own Date (the wall's) is off when served
            # (serving.py), and left out here if it is not.
            headers = [h for h in self.server_state.default_headers if h[0] != b"date"] + [(b"date", http_date(now))]
            self.transport.write(errors.wire_bytes(error, now, headers))
        self.transport.close()

    def world_now(self) -> datetime:
        """The world's time, for an answer the app never sees: read from the clock of the app this connection serves."""
        # Internal: uvicorn hands each protocol the app it serves (Config.loaded_app) as self.app, inside the
        # middlewares it adds (each keeps the next as .app); the sandbox's app carries the world's clock
        # (SandboxApp.now). Any other app, a test's, is answered in the wall's time.
        app = self.app
        for _ in range(WRAPPERS):
            now = getattr(app, "now", None)
            if callable(now):
                return now()  # type: ignore[no-any-return]
            app = getattr(app, "app", None)
        return datetime.now(UTC)
