"""The security headers JIM sends, on every response; the docs pages get a policy that lets Swagger UI run."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.http import SECURITY_HEADERS

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""JSON is never a document to render: nothing may load, frame or submit."""
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""The Swagger UI page loads its own scripts and styles from this origin (no inline script), SVG icons
from data: URIs in its stylesheet, and the spec and "Try it out" answers by fetch."""


def raw_headers(headers: Mapping[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


class SecurityHeaders:
    """Adds JIM's security headers to every response; the docs pages get a policy that lets Swagger UI run."""

    def __init__(self, app: ASGIApp, docs_prefix: str, headers: Mapping[str, str] | None = None) -> None:
        """`headers`: one set for every response (a profile's), instead of ours with a policy per kind of page."""
        self.app = app
        self.docs_prefix = docs_prefix
        self.api_headers = raw_headers(dict(headers or {**SECURITY_HEADERS, "Content-Security-Policy": API_CSP}))
        self.docs_headers = raw_headers(dict(headers or {**SECURITY_HEADERS, "Content-Security-Policy": DOCS_CSP}))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.docs_headers if scope["path"].startswith(self.docs_prefix) else self.api_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
