"""What browser clients meet: CORS for front-ends served from other origins, and the security headers JIM sends."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver import errors

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
"""JSON is never a document to render: nothing may load, frame or submit."""
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
"""The Swagger UI page loads its own scripts and styles from this origin (no inline script), SVG icons
from data: URIs in its stylesheet, and the spec and "Try it out" answers by fetch."""

PREFLIGHT_FIELDS = {
    "origin": "Origin",
    "method": "Access-Control-Request-Method",
    "headers": "Access-Control-Request-Headers",
    "private-network": "Access-Control-Request-Private-Network",
}


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


class Cors(CORSMiddleware):
    """Starlette's CORS for the configured origins: preflights answered, the API's headers allowed, Retry-After shown.

    A refused preflight gets the JIM envelope (400 VALIDATION_ERROR naming what was refused) rather
    than Starlette's plain text, like every other error of the server.
    """

    def __init__(self, app: ASGIApp, origins: Sequence[str], request_headers: Sequence[str]) -> None:
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=("GET", "HEAD"),
            allow_headers=request_headers,
            expose_headers=("Retry-After", "Allow"),
            max_age=600,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code != 400:
            return response
        refused = bytes(response.body).decode().removeprefix("Disallowed CORS ").split(", ")
        problems = {
            PREFLIGHT_FIELDS.get(what, what): [f"This server does not allow this {what} in a cross-origin request."]
            for what in refused
        }
        error = errors.validation_error(problems, "The CORS preflight asks for what this server does not allow.")
        headers = {k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")}
        return Response(errors.envelope_bytes(error), status_code=400, headers=headers, media_type=errors.JSON)
