"""One canonical path per route: `/path/` is answered as `/path`, in place (Starlette would redirect with a 307)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


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
