"""The request journal: the last N requests, newest first, so a client's test suite can check what its client sent.

Off by default (`--journal N` turns it on): recording is an extra layer on every request, and the
default server gains no work. Kept in this process's memory, or in a capped Redis list (LPUSH +
LTRIM) that every worker and replica writes to when they share a Redis.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, cast

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.controls.shared_state import KEY_PREFIX, RedisUnavailable, SharedRedis
from mockserver.errors import Now
from mockserver.http import ADMIN_PREFIX, PREFER_HEADER, header_values, is_health
from mockserver.scope import caller, shared_state_failed
from mockserver.text import as_sent, request_line

logger = logging.getLogger("mockserver.journal")

Entry = dict[str, Any]
"""What is stored per request: raw values (epoch seconds, the query string), formatted only when read."""

ENTRY_LIMIT = 1024
"""Bytes of JSON one entry takes at most, whatever the request: a journal of N entries holds at most N KiB of them."""
PATH_LIMIT, QUERY_LIMIT, PREFER_LIMIT, RETRY_AFTER_LIMIT = 256, 320, 120, 32
"""Characters kept of a recorded path, query, Prefer header and Retry-After (ASCII: one byte of JSON a character)."""
RETRY_AFTER = b"retry-after"
SANDBOX_JOURNAL_SIZE = 1000
"""Entries a private sandbox's journal keeps when --journal gives no other number."""


def give_back_freed_memory() -> None:
    """Return freed heap pages to the system (glibc's malloc_trim): entries over 512 bytes come from malloc, whose
    heap would otherwise keep a cleared journal's size resident. Elsewhere (musl, macOS) nothing is done."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


class Journal(Protocol):
    """Partitioned by sandbox: `sandbox` None is the shared journal (the fixture keys' and keyless requests), a
    sandbox's id its own; no read or clear of one partition sees another's entries."""

    capacity: int
    """Entries each partition keeps."""

    async def record(self, entry: bytes, sandbox: str | None = None) -> None: ...

    async def read(self, start: int, stop: int | None, sandbox: str | None = None) -> tuple[int, list[bytes]]:
        """(how many entries there are, entries start..stop-1 newest first, as JSON); stop None: to the oldest."""
        ...

    async def clear(self, sandbox: str | None = None) -> None: ...


class MemoryJournal:
    """This process's journal: a deque of serialised entries per partition that drops the oldest when full."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: deque[bytes] = deque(maxlen=capacity)
        self._sandboxes: dict[str, deque[bytes]] = {}
        """At most one partition per live sandbox: the registry's `ended` drops a sandbox's (`forget`)."""
        self.alive: Callable[[str], bool] = lambda sandbox: True
        """Whether a sandbox lives (the registry's): an entry of one that ended while its request was under way
        is not kept, so no partition outlives its sandbox."""

    def _partition(self, sandbox: str | None) -> deque[bytes]:
        if sandbox is None:
            return self._entries
        found = self._sandboxes.get(sandbox)
        return found if found is not None else deque()

    async def record(self, entry: bytes, sandbox: str | None = None) -> None:
        if sandbox is not None and sandbox not in self._sandboxes:
            if not self.alive(sandbox):
                return
            self._sandboxes[sandbox] = deque(maxlen=self.capacity)
        self._partition(sandbox).appendleft(entry)

    async def read(self, start: int, stop: int | None, sandbox: str | None = None) -> tuple[int, list[bytes]]:
        entries = self._partition(sandbox)
        return len(entries), list(itertools.islice(entries, start, stop))

    async def clear(self, sandbox: str | None = None) -> None:
        self._partition(sandbox).clear()
        give_back_freed_memory()

    def forget(self, sandbox: str) -> None:
        """The sandbox has ended: its entries go with it."""
        self._sandboxes.pop(sandbox, None)


class RedisJournal:
    """One journal for every worker and replica: a Redis list per partition capped at `capacity`, newest at the
    head; a sandbox's expires `idle_ms` after its last entry, as its sandbox does after its last request."""

    def __init__(self, shared: SharedRedis, capacity: int, idle_ms: int | None = None) -> None:
        self.capacity = capacity
        self.key = f"{KEY_PREFIX}:journal"
        self.shared = shared
        self.idle_ms = idle_ms

    def partition(self, sandbox: str | None) -> str:
        return self.key if sandbox is None else f"{self.key}:sandbox:{sandbox}"

    async def record(self, entry: bytes, sandbox: str | None = None) -> None:
        key = self.partition(sandbox)
        async with self.shared.deadline(), self.shared.client.pipeline(transaction=True) as pipe:
            pipe.lpush(key, entry)
            pipe.ltrim(key, 0, self.capacity - 1)
            if sandbox is not None and self.idle_ms is not None:
                pipe.pexpire(key, self.idle_ms)
            await pipe.execute()

    async def read(self, start: int, stop: int | None, sandbox: str | None = None) -> tuple[int, list[bytes]]:
        key = self.partition(sandbox)
        last = self.capacity - 1 if stop is None else min(stop, self.capacity) - 1
        async with self.shared.deadline(), self.shared.client.pipeline(transaction=True) as pipe:
            pipe.llen(key)
            if last >= start:
                pipe.lrange(key, start, last)
            total, *window = await pipe.execute()
        return int(total), cast("list[bytes]", window[0] if window else [])

    async def clear(self, sandbox: str | None = None) -> None:
        async with self.shared.deadline():
            await cast("Awaitable[int]", self.shared.client.delete(self.partition(sandbox)))


class JournalMiddleware:
    """The outermost layer: sees the path as sent, the final status and the whole duration, delays included.

    The entry is written before the last byte of the answer is sent, so a client that has its answer
    finds the request in the journal, whichever worker it asks. A Redis that fails costs the answer
    at most its deadline, and nothing at all when the rate limiter already found it failing. Health
    answers never wait on Redis: theirs are written once they are sent.
    """

    def __init__(self, app: ASGIApp, journal: Journal, now: Now, shared: bool = True) -> None:
        """`now`: the world's clock, which the entries' times and durations are read from, so they agree with the
        times the answers carry (and a hand-turned clock's entries are as many seconds apart as it was turned).
        `shared`: whether requests outside every private sandbox are recorded (--journal), or only sandboxes'."""
        self.app = app
        self.journal = journal
        self.shared = shared
        self.now = now
        self.prefer_header = PREFER_HEADER.lower().encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        sandbox = caller(scope).sandbox
        if sandbox is None and not self.shared:
            await self.app(scope, receive, send)
            return
        started_at = self.now().timestamp()
        status = 500
        retry_after: bytes | None = None
        recorded = False
        record_first = not is_health(scope["path"])

        async def record() -> None:
            nonlocal recorded
            recorded = True
            if shared_state_failed(scope):
                return  # Redis failed this request already: said once, and not waited for twice
            try:
                seconds = max(0.0, self.now().timestamp() - started_at)
                await self.journal.record(self.entry(scope, status, retry_after, started_at, seconds), sandbox)
            except RedisUnavailable as exc:
                # The journal must not cost the client its answer.
                logger.warning("%s: not recorded in the journal, %s", request_line(scope), exc)

        async def send_and_record(message: Message) -> None:
            nonlocal status, retry_after
            if message["type"] == "http.response.start":
                status = message["status"]
                # What the client was told to wait, so a client's tests can check that it waited (jim_sandbox).
                retry_after = next((v for k, v in message.get("headers", ()) if k.lower() == RETRY_AFTER), None)
            elif message["type"] == "http.response.body" and not message.get("more_body", False) and record_first:
                await record()
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            if not recorded:
                await record()

    def entry(self, scope: Scope, status: int, retry_after: bytes | None, started_at: float, seconds: float) -> bytes:
        """The entry as JSON, at most ENTRY_LIMIT bytes: every text a client controls is capped and kept ASCII."""
        client = scope.get("client")
        raw_path = scope.get("raw_path") or scope["path"].encode("latin-1", "replace")
        prefer = header_values(scope, self.prefer_header)
        entry = {
            "time": started_at,
            "method": as_sent(scope["method"].encode("latin-1", "replace"), 16),
            "path": as_sent(raw_path, PATH_LIMIT),
            "query": as_sent(scope.get("query_string", b""), QUERY_LIMIT),
            "status": status,
            "retryAfter": as_sent(retry_after, RETRY_AFTER_LIMIT) if retry_after is not None else None,
            "durationMs": round(seconds * 1000, 1),
            # As authentication saw it: several different keys are no key.
            "keyPrefix": caller(scope).prefix,
            "prefer": as_sent(prefer.encode("latin-1", "replace"), PREFER_LIMIT) if prefer else None,
            "clientIp": as_sent(str(client[0]).encode("latin-1", "replace"), 64) if client else None,
        }
        # A copy of exactly its length: orjson's own result keeps its whole working buffer (about 4 KB,
        # whatever the entry's size) for as long as the entry is kept.
        return bytes(memoryview(orjson.dumps(entry)))
