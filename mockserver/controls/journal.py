"""The request journal: the last N requests, newest first, so a client's test suite can check what its client sent.

Off by default (`--journal N` turns it on): recording is an extra layer on every request, and the
default server gains no work. Kept in this process's memory, or in a capped Redis list (LPUSH +
LTRIM) that every worker and replica writes to when they share a Redis.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Awaitable
from typing import Any, Protocol, cast

import orjson
import redis.asyncio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.controls.shared_state import KEY_PREFIX
from mockserver.http import ADMIN_PREFIX, PREFER_HEADER
from mockserver.scope import all_values, caller
from mockserver.text import quoted

logger = logging.getLogger("mockserver.journal")

Entry = dict[str, Any]
"""What is stored per request: raw values (epoch seconds, the query string), formatted only when read."""


class Journal(Protocol):
    capacity: int

    async def record(self, entry: Entry) -> None: ...

    async def entries(self) -> list[Entry]:
        """Newest first."""
        ...

    async def clear(self) -> None: ...


class MemoryJournal:
    """This process's journal: a deque that drops the oldest entry when full."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: deque[Entry] = deque(maxlen=capacity)

    async def record(self, entry: Entry) -> None:
        self._entries.appendleft(entry)

    async def entries(self) -> list[Entry]:
        return list(self._entries)

    async def clear(self) -> None:
        self._entries.clear()


class RedisJournal:
    """One journal for every worker and replica: a Redis list capped at `capacity`, newest at the head."""

    def __init__(self, pool: redis.asyncio.ConnectionPool, capacity: int) -> None:
        self.capacity = capacity
        self.key = f"{KEY_PREFIX}:journal"
        self.client = redis.asyncio.Redis(connection_pool=pool)

    async def record(self, entry: Entry) -> None:
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.lpush(self.key, orjson.dumps(entry))
            pipe.ltrim(self.key, 0, self.capacity - 1)
            await pipe.execute()

    async def entries(self) -> list[Entry]:
        raw_entries = await cast("Awaitable[list[bytes]]", self.client.lrange(self.key, 0, self.capacity - 1))
        return [orjson.loads(raw) for raw in raw_entries]

    async def clear(self) -> None:
        await self.client.delete(self.key)


class JournalMiddleware:
    """The outermost layer: sees the path as sent, the final status and the whole duration, delays included.

    The entry is written before the last byte of the answer is sent, so a client that has its answer
    finds the request in the journal, whichever worker it asks.
    """

    def __init__(self, app: ASGIApp, journal: Journal) -> None:
        self.app = app
        self.journal = journal
        self.prefer_header = PREFER_HEADER.lower().encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(ADMIN_PREFIX):
            await self.app(scope, receive, send)
            return
        started_at, started = time.time(), time.perf_counter()
        status = 500
        recorded = False

        async def record() -> None:
            nonlocal recorded
            recorded = True
            try:
                await self.journal.record(self.entry(scope, status, started_at, time.perf_counter() - started))
            except Exception:
                # A journal that cannot be written (Redis gone) must not cost the client its answer.
                logger.warning("could not record %s %s in the journal", scope["method"], scope["path"], exc_info=True)

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                await record()
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        finally:
            if not recorded:
                await record()

    def entry(self, scope: Scope, status: int, started_at: float, seconds: float) -> Entry:
        client = scope.get("client")
        # Every text a client controls is capped, so N entries stay N small entries whatever is sent.
        raw_path = scope.get("raw_path") or scope["path"].encode("latin-1", "replace")
        prefer = all_values(scope, self.prefer_header) or None
        return {
            "time": started_at,
            "method": scope["method"][:FIELD_LIMIT],
            "path": quoted(raw_path.decode("latin-1"), FIELD_LIMIT),
            "query": quoted(scope.get("query_string", b"").decode("latin-1"), FIELD_LIMIT),
            "status": status,
            "durationMs": round(seconds * 1000, 1),
            # As authentication saw it: several different keys are no key.
            "keyPrefix": caller(scope).prefix,
            "prefer": quoted(prefer, FIELD_LIMIT) if prefer is not None else None,
            "clientIp": client[0] if client else None,
        }


FIELD_LIMIT = 2048
"""Characters kept of a recorded path, query or Prefer header."""
