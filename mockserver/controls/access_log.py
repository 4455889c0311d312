"""The access log: one line per request, with at most the first characters of the key that made it."""

from __future__ import annotations

import logging
import threading
import time
from typing import TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.scope import caller
from mockserver.text import LOG_LIMIT, printable, quoted

access_logger = logging.getLogger("mockserver.access")

ACCESS_FORMAT = "%s %s %d %.1fms key=%s"
"""method, target, status, milliseconds, the key as a log may show it."""
QUEUE_LINES, QUEUE_CHARS = 20_000, 4 * 1024 * 1024
"""The most log lines, and characters, waiting for a stream that has stopped taking them; newer ones are dropped."""
CLOSE_SECONDS = 2.0
"""How long closing the log waits for its stream to take what is queued (a pipe nobody reads never will)."""
_PLACE = "\x00message\x00"
"""Stands in for the message while a line's prefix and suffix are formatted."""


class BatchedLines(logging.StreamHandler):  # type: ignore[type-arg]
    """The served access log's handler: lines queued on the request path, written in batches by a thread.

    A LogRecord and its asctime cost more than the rest of a cached request; a line here costs a
    string join. Its prefix and suffix come from this handler's own formatter, formatting real records
    once a second, so a line reads exactly as logging would write it (a format that varies within a
    second other than by logging's time stamp is formatted line by line). Records logged the
    ordinary way go through the same queue, in order. Lines are written at most `interval` seconds
    after they are queued, and all of them on close (the server's shutdown). A stream that stops
    taking lines (a full pipe nobody reads) never blocks a request: past `capacity` waiting lines or
    `max_chars` waiting characters, newer lines are counted, not kept (the oldest say how the stall
    began), and the count is written when the stream moves again. `mockserver serve` sends every
    log record through one such handler, so no logger, uvicorn's included, writes on the event loop.
    """

    def __init__(
        self,
        stream: TextIO | None = None,
        interval: float = 0.05,
        capacity: int = QUEUE_LINES,
        max_chars: int = QUEUE_CHARS,
    ) -> None:
        super().__init__(stream)
        self.interval = interval
        self.capacity = capacity
        self.max_chars = max_chars
        self.pending_chars = 0
        self.dropped = 0
        self.pending: list[str] = []
        self.wake = threading.Condition(threading.Lock())
        # Only the writer holds this while it writes: the handler's own lock, which logging takes around
        # every emit, must never wait on a stream that has stopped.
        self.writing = threading.Lock()
        self.writer: threading.Thread | None = None
        self.closing = False
        self._second = -1
        self._frame: tuple[str, str | None, str] | None = None

    def add(self, created: float, message: str) -> None:
        """Queue one access line logged at `created` (time.time())."""
        second = int(created)
        # The millisecond exactly as a LogRecord computes its msecs.
        msecs = int((created - second) * 1000)
        if second != self._second:
            self._frame, self._second = self._second_frame(second), second
        if self._frame is None:  # a format that varies within a second other than by logging's stamp
            before, _, after = self._formatted(created, msecs)
            self.queue(before + message + after)
            return
        before, after_stamp, after = self._frame
        if after_stamp is None:
            self.queue(before + message + after)
        else:
            self.queue(f"{before}{msecs:03d}{after_stamp}{message}{after}")

    def _second_frame(self, second: int) -> tuple[str, str | None, str] | None:
        """The line around the message for this whole second, split where the milliseconds go.

        The first and last millisecond of the second are formatted for real: the frame is used only
        when they differ by logging's time stamp alone (or not at all)."""
        first, last = self._formatted(float(second), 0), self._formatted(second + 0.999, 999)
        if first == last:
            return first[0], None, first[2]
        (before, stamp, after), (last_before, last_stamp, last_after) = first, last
        if (
            stamp
            and before.count(stamp) == 1
            and before.replace(stamp, last_stamp) == last_before
            and after == last_after
        ):
            head, _, rest = before.partition(stamp)
            return head + stamp[: -len("000")], rest, after
        return None

    def _formatted(self, created: float, msecs: int) -> tuple[str, str, str]:
        """What the formatter writes before and after the message at this time, and its time stamp."""
        record = logging.LogRecord(access_logger.name, logging.INFO, __file__, 0, _PLACE, None, None)
        record.created, record.msecs = created, msecs + 0.0
        formatter = self.formatter or logging.Formatter()
        plain = formatter.datefmt is None and formatter.default_msec_format == "%s,%03d" and formatter.usesTime()
        before, _, after = formatter.format(record).partition(_PLACE)
        return before, formatter.formatTime(record) if plain else "", after + self.terminator

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.queue(self.format(record) + self.terminator)
        except Exception:
            self.handleError(record)

    def queue(self, line: str) -> None:
        with self.wake:
            if len(self.pending) >= self.capacity or self.pending_chars + len(line) > self.max_chars:
                self.dropped += 1
                return
            self.pending.append(line)
            self.pending_chars += len(line)
            if self.writer is None:
                self.writer = threading.Thread(target=self._write_batches, name="access-log", daemon=True)
                self.writer.start()
            elif len(self.pending) == 1:
                self.wake.notify()

    def _write_batches(self) -> None:
        while True:
            with self.wake:
                while not self.pending and not self.closing:
                    self.wake.wait()
                if not self.pending:
                    return
            # Let a batch gather, so one write carries many lines.
            time.sleep(self.interval)
            self.write_pending()

    def write_pending(self) -> None:
        with self.writing:
            with self.wake:
                lines, self.pending, self.pending_chars = self.pending, [], 0
                if self.dropped:
                    lines.append(f"log: {self.dropped} line(s) dropped while the log stream was not taking them\n")
                    self.dropped = 0
            if lines and self.stream is not None:
                self.stream.write("".join(lines))
                self.stream.flush()

    def flush(self) -> None:
        """Wake the writer; never write here: logging flushes from whichever thread logs, the event loop's included."""
        with self.wake:
            self.wake.notify()

    def close(self) -> None:
        """Write what is queued, waiting at most CLOSE_SECONDS for a stream that has stopped (then it is lost)."""
        with self.wake:
            self.closing = True
            self.wake.notify()
            writer = self.writer
        if writer is not None and writer is not threading.current_thread():
            writer.join(CLOSE_SECONDS)
        elif writer is None:
            self.write_pending()
        super().close()


class AccessLog:
    """One line per request: method, path, status, duration, and at most the first 12 characters of the key."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def record_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            query = scope.get("query_string", b"")
            target = printable(quoted(scope["path"] + ("?" + query.decode("latin-1") if query else ""), LOG_LIMIT))
            fields = (
                scope["method"],
                target,
                status,
                (time.perf_counter() - started) * 1000,
                printable(caller(scope).shown),
            )
            batched = batched_handler()
            if batched is None:
                access_logger.info(ACCESS_FORMAT, *fields)
            elif access_logger.isEnabledFor(logging.INFO):
                batched.add(time.time(), ACCESS_FORMAT % fields)


def batched_handler() -> BatchedLines | None:
    """The access logger's batching handler when it is the logger's only one (as `mockserver serve` sets it up)."""
    handlers = access_logger.handlers
    if len(handlers) == 1 and not access_logger.propagate and isinstance(handlers[0], BatchedLines):
        return handlers[0]
    return None
