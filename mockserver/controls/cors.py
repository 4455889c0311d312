"""CORS for front-ends served from other origins: preflights answered, refusals in the JIM envelope."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.responses import Response
from starlette.types import ASGIApp

from mockserver import errors
from mockserver.compat import RefusingCors
from mockserver.http import JSON, READ_METHODS

PREFLIGHT_FIELDS = {
    "origin": "Origin",
    "method": "Access-Control-Request-Method",
    "headers": "Access-Control-Request-Headers",
    "private-network": "Access-Control-Request-Private-Network",
}


class Cors(RefusingCors):
    """Starlette's CORS for the configured origins: preflights answered, the API's headers allowed, Retry-After shown.

    A refused preflight gets the JIM envelope (400 VALIDATION_ERROR naming what was refused) rather
    than Starlette's plain text, like every other error of the server.
    """

    def __init__(self, app: ASGIApp, origins: Sequence[str], request_headers: Sequence[str], now: errors.Now) -> None:
        self.now = now
        super().__init__(
            app,
            allow_origins=origins,
            allow_methods=READ_METHODS,
            allow_headers=request_headers,
            expose_headers=("Retry-After", "Allow"),
            max_age=600,
        )

    def refusal(self, refused: Sequence[str], headers: Mapping[str, str]) -> Response:
        problems = {
            PREFLIGHT_FIELDS.get(what, what): [f"This server does not allow this {what} in a cross-origin request."]
            for what in refused
        }
        error = errors.validation_error(problems, "The CORS preflight asks for what this server does not allow.")
        return Response(
            errors.envelope_bytes(error, self.now()), status_code=400, headers=dict(headers), media_type=JSON
        )
