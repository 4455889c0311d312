"""The journal's admin routes: GET /__admin/requests to read it (filtered, a page at a time), DELETE to clear it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request
from starlette.responses import Response

from mockserver import errors
from mockserver.controls.journal import Entry, Journal
from mockserver.controls.shared_state import RedisUnavailable
from mockserver.http import JSON, READ_METHODS
from mockserver.text import quoted
from mockserver.world import paging

PAGE_SIZE = 100
"""Entries a page holds unless `pageSize` asks for another number."""
Entries = list[Entry]
"""Named at module level: inside JournalRoutes, `list` is its method."""
READ_CHUNK = 1000
"""Entries a filtered read fetches at once: at most about 1 MB, one Redis command well within its deadline."""
MAX_PAGE_SIZE = 1000
"""The most entries one answer holds, whatever `pageSize` asks: about 1 MB of JSON."""


def presented(entry: Entry) -> Entry:
    """An entry as the admin route shows it: the time in UTC like JIM's timestamps, the query parsed."""
    return {
        **entry,
        "time": errors.timestamp(datetime.fromtimestamp(entry["time"], UTC)),
        "query": parse_qs(entry["query"], keep_blank_values=True),
    }


def number(query: dict[str, str], name: str, default: int, most: int | None = None) -> int:
    """A paging value as the API reads its own: an int32, below 1 is the default, above `most` is `most`."""
    raw = query.get(name)
    if raw is None:
        return default
    value = paging.parse_int32(raw)
    if value is None:
        raise errors.validation_error({name: [paging.not_an_int32(name, raw)]})
    if value < 1:
        return default
    return min(value, most) if most is not None else value


class JournalRoutes:
    """GET /__admin/requests (filter by `path` prefix and `status`, page by `page` and `pageSize`) and DELETE."""

    def __init__(self, journal: Journal, read_query: Callable[[bytes], dict[str, str]]) -> None:
        """`read_query`: the API's own query parser (the first value counts, too many parameters is a 400)."""
        self.journal = journal
        self.read_query = read_query

    async def dispatch(self, request: Request) -> Response:
        """The shared journal: every request but those of private sandboxes."""
        return await self.answer(request, None)

    async def answer(self, request: Request, sandbox: str | None) -> Response:
        """`sandbox`: whose partition of the journal (None: the shared one)."""
        try:
            if request.method in READ_METHODS:
                return await self.list(request, sandbox)
            if request.method == "DELETE":
                await self.journal.clear(sandbox)
                return Response(status_code=204)
        except RedisUnavailable:
            raise errors.service_unavailable() from None
        raise errors.method_not_allowed(request.method, "GET, HEAD, DELETE")

    async def list(self, request: Request, sandbox: str | None) -> Response:
        query = self.read_query(request.scope.get("query_string", b""))
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
        page = number(query, "page", 1)
        page_size = number(query, "pageSize", PAGE_SIZE, MAX_PAGE_SIZE)
        start = (page - 1) * page_size
        stop = start + page_size
        if path is None and status is None:
            count, raw = await self.journal.read(start, stop, sandbox)
            window = [orjson.loads(entry) for entry in raw]
        else:
            count, window = await self.filtered(path, status, start, stop, sandbox)
        body = {
            "capacity": self.journal.capacity,
            "count": count,
            "page": page,
            "pageSize": page_size,
            "hasNextPage": stop < count,
            "entries": [presented(entry) for entry in window],
        }
        return Response(orjson.dumps(body), media_type=JSON)

    async def filtered(
        self, path: str | None, status: int | None, start: int, stop: int, sandbox: str | None = None
    ) -> tuple[int, Entries]:
        """(how many entries match, matches start..stop-1): every entry is read, READ_CHUNK at a time, each chunk
        within Redis's deadline (a whole journal of 100,000 entries, up to 100 MB, is not), and only the page kept.
        An entry written meanwhile shifts the list: a chunk's edge may then see an entry twice, or miss one."""
        count, offset = 0, 0
        window: Entries = []
        while True:
            total, raw = await self.journal.read(offset, offset + READ_CHUNK, sandbox)
            for entry in matching(raw, path, status):
                if start <= count < stop:
                    window.append(entry)
                count += 1
            offset += READ_CHUNK
            if not raw or offset >= min(total, self.journal.capacity):
                return count, window


def matching(raw: list[bytes], path: str | None, status: int | None) -> Iterator[Entry]:
    for text in raw:
        entry: Entry = orjson.loads(text)
        if (path is None or entry["path"].startswith(path)) and (status is None or entry["status"] == status):
            yield entry
