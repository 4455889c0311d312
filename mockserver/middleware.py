"""ASGI layers outside Connexion's stack: one canonical path per route, HEAD without a body, an access log."""

from __future__ import annotations

import logging
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.auth import header_value, shown

access_logger = logging.getLogger("mockserver.access")


class CanonicalPath:
    """Answers `/path/` as `/path`, in place: Starlette would otherwise redirect with a 307."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and len(path) > 1 and path.endswith("/"):
            scope = dict(scope)
            scope["path"] = path.rstrip("/") or "/"
            raw = scope.get("raw_path")
            if raw:
                scope["raw_path"] = raw.rstrip(b"/") or b"/"
        await self.app(scope, receive, send)


class HeadWithoutBody:
    """Sends GET's status and headers for HEAD, and no body, whatever the server in front does."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {"type": "http.response.body", "body": b"", "more_body": message.get("more_body", False)}
            await send(message)

        await self.app(scope, receive, send_headers_only)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def printable(text: str) -> str:
    """Control characters as \\xNN, so a decoded %0A in a URL cannot start a forged log line."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


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
            target = printable(scope["path"] + ("?" + query.decode("latin-1") if query else ""))
            access_logger.info(
                "%s %s %d %.1fms key=%s",
                scope["method"],
                target,
                status,
                (time.perf_counter() - started) * 1000,
                shown(header_value(scope, b"x-api-key")),
            )
