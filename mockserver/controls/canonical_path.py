"""One canonical path per route: `/path/` is answered as `/path`, in place (Starlette would redirect with a 307);
with `aspnet`, an API path as ASP.NET routes it: fixed segments in any case, the version `v1.0` as `v1`."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

API = "/api/"
VERSION_1_0 = "/api/v1.0/"


def aspnet_path(path: str) -> str:
    """The path ASP.NET's routing finds the same endpoint for: JIM's route templates
    (`api/v{version:apiVersion}/…`) match literal segments ignoring case, and the URL segment reader reads `1.0`
    as version 1. The API's path values are GUIDs and integers, which case does not change."""
    if path[: len(API)].lower() != API:
        return path
    path = path.lower()
    return "/api/v1/" + path[len(VERSION_1_0) :] if path.startswith(VERSION_1_0) else path


class CanonicalPath:
    """Answers `/path/` as `/path`, in place: Starlette would otherwise redirect with a 307."""

    def __init__(self, app: ASGIApp, aspnet: bool = False) -> None:
        self.app = app
        self.aspnet = aspnet

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope.get("path", "")
            canonical = path.rstrip("/") or "/" if len(path) > 1 and path.endswith("/") else path
            if self.aspnet:
                canonical = aspnet_path(canonical)
            if canonical != path:
                scope = dict(scope)
                scope["path"] = canonical
                raw = scope.get("raw_path")
                if raw:
                    raw = raw.rstrip(b"/") or b"/"
                    scope["raw_path"] = aspnet_path(raw.decode("latin-1")).encode("latin-1") if self.aspnet else raw
        await self.app(scope, receive, send)
