"""The journal's admin routes: GET /__admin/requests to read it (filtered), DELETE to clear it."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request
from starlette.responses import Response

from mockserver import errors
from mockserver.controls.journal import Entry, Journal
from mockserver.http import JSON, READ_METHODS
from mockserver.scope import first_values
from mockserver.text import quoted


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
        if request.method in READ_METHODS:
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
        return Response(orjson.dumps(body), media_type=JSON)

    async def clear(self, request: Request) -> Response:
        await self.journal.clear()
        return Response(status_code=204)
