"""Starlette's internals: what its CORS middleware refused, and a preflight refusal answered our way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response

# --- Starlette: the CORS middleware's refusal -------------------------------------------------

CORS_REFUSAL_PREFIX = "Disallowed CORS "


def cors_refusals(response: Response) -> list[str] | None:
    """What Starlette's refused preflight names ("origin", "method", "headers", …), or None if it was not refused."""
    if response.status_code != 400:
        return None
    # Internal: Starlette says what it refused only in a plain-text body.
    return bytes(response.body).decode().removeprefix(CORS_REFUSAL_PREFIX).split(", ")


class RefusingCors(CORSMiddleware):
    """Starlette's CORS middleware, but a refused preflight is answered by the subclass's `refusal`."""

    def refusal(self, refused: Sequence[str], headers: Mapping[str, str]) -> Response:
        """The answer to a refused preflight: `refused` as cors_refusals names it, with Starlette's CORS headers."""
        raise NotImplementedError

    # Internal: preflight_response is CORSMiddleware's own method, not a documented hook.
    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        refused = cors_refusals(response)
        if refused is None:
            return response
        headers = {k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")}
        return self.refusal(refused, headers)
