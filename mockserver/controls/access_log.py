"""The access log: one line per request, with at most the first characters of the key that made it."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.scope import caller
from mockserver.text import LOG_LIMIT, printable, quoted

access_logger = logging.getLogger("mockserver.access")


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
            access_logger.info(
                "%s %s %d %.1fms key=%s",
                scope["method"],
                target,
                status,
                (time.perf_counter() - started) * 1000,
                caller(scope).shown,
            )
