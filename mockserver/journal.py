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
from datetime import UTC, datetime
from typing import Any, Protocol, cast
from urllib.parse import parse_qs

import orjson
import redis.asyncio
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import errors
from mockserver.auth import all_values, credential, key_prefix
from mockserver.paging import quoted
from mockserver.params import first_values
from mockserver.shared_state import KEY_PREFIX

logger = logging.getLogger("mockserver.journal")

ADMIN_PREFIX = "/__admin/"
ADMIN_PREFIX = "/__admin/"
"""The sandbox's own routes, outside the contract (admin-openapi.yaml)."""
REQUESTS_PATH = ADMIN_PREFIX + "requests"
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

    def __init__(self, app: ASGIApp, journal: Journal, key_header: str) -> None:
        self.app = app
        self.journal = journal
        self.key_header = key_header.lower().encode("latin-1")

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
        prefer = all_values(scope, b"prefer") or None
        return {
            "time": started_at,
            "method": scope["method"][:FIELD_LIMIT],
            "path": quoted(raw_path.decode("latin-1"), FIELD_LIMIT),
            "query": quoted(scope.get("query_string", b"").decode("latin-1"), FIELD_LIMIT),
            "status": status,
            "durationMs": round(seconds * 1000, 1),
            # As authentication saw it: several different keys are no key.
            "keyPrefix": key_prefix(credential(scope, self.key_header)),
            "prefer": quoted(prefer, FIELD_LIMIT) if prefer is not None else None,
            "clientIp": client[0] if client else None,
        }


FIELD_LIMIT = 2048
"""Characters kept of a recorded path, query or Prefer header."""


def presented(entry: Entry) -> Entry:
    """An entry as the admin route shows it: the time in UTC like JIM's timestamps, the query parsed."""
    return {
        **entry,
        "time": errors.timestamp(datetime.fromtimestamp(entry["time"], UTC)),
        "query": parse_qs(entry["query"], keep_blank_values=True),
    }


class JournalRoutes:
    """GET /__admin/requests (filter by `path` prefix and `status`) and DELETE /__admin/requests."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal

    async def dispatch(self, request: Request) -> Response:
        if request.method in ("GET", "HEAD"):
            return await self.list(request)
        if request.method == "DELETE":
            return await self.clear(request)
        raise errors.method_not_allowed(request.method, "GET, HEAD, DELETE")

    async def list(self, request: Request) -> Response:
        query = first_values(request.scope.get("query_string", b""))  # the first value counts, as on the API
        path = query.get("path")
        status_filter = query.get("status")
        status = None
        if status_filter is not None:
            if not (status_filter.isascii() and status_filter.isdigit() and len(status_filter) == 3):
                message = (
                    f"The value '{quoted(status_filter)}' is not an HTTP status: use three digits, for example 429."
                )
                raise errors.validation_error({"status": [message]})
            status = int(status_filter)
        entries = [
            presented(entry)
            for entry in await self.journal.entries()
            if (path is None or entry["path"].startswith(path)) and (status is None or entry["status"] == status)
        ]
        body = {"capacity": self.journal.capacity, "count": len(entries), "entries": entries}
        return Response(orjson.dumps(body), media_type="application/json")

    async def clear(self, request: Request) -> Response:
        await self.journal.clear()
        return Response(status_code=204)
