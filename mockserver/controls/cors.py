"""CORS for front-ends served from other origins: preflights answered, refusals in the JIM envelope."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp

from mockserver import errors
from mockserver.compat import cors_refusals
from mockserver.http import JSON, READ_METHODS

PREFLIGHT_FIELDS = {
    "origin": "Origin",
    "method": "Access-Control-Request-Method",
    "headers": "Access-Control-Request-Headers",
    "private-network": "Access-Control-Request-Private-Network",
}


class Cors(CORSMiddleware):
    """Starlette's CORS for the configured origins: preflights answered, the API's headers allowed, Retry-After shown.

    A refused preflight gets the JIM envelope (400 VALIDATION_ERROR naming what was refused) rather
    than Starlette's plain text, like every other error of the server.
    """

    def __init__(self, app: ASGIApp, origins: Sequence[str], request_headers: Sequence[str]) -> None:
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=READ_METHODS,
            allow_headers=request_headers,
            expose_headers=("Retry-After", "Allow"),
            max_age=600,
        )

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        refused = cors_refusals(response)
        if refused is None:
            return response
        problems = {
            PREFLIGHT_FIELDS.get(what, what): [f"This server does not allow this {what} in a cross-origin request."]
            for what in refused
        }
        error = errors.validation_error(problems, "The CORS preflight asks for what this server does not allow.")
        headers = {k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")}
        return Response(errors.envelope_bytes(error), status_code=400, headers=headers, media_type=JSON)
