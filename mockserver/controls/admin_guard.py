"""The admin token every /__admin/ route asks for: required when one is set, and always beyond loopback.

Compared in constant time, as digests of equal length, so neither the token's characters nor its length leak
through the time an answer takes. The token is never logged nor echoed: the refusals say what was wrong, not what
was sent.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from mockserver import errors

Endpoint = Callable[[Request], Awaitable[Response]]


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("latin-1", "replace")).digest()


class AdminGuard:
    """`token`: the server's admin token, or None; `open_without_token`: whether, with none, the routes stay open
    (bound to loopback only, as a local or CI sandbox is) or are closed to everyone (bound beyond it)."""

    def __init__(self, token: str | None, *, open_without_token: bool) -> None:
        self._digest = digest(token) if token is not None else None
        self.open_without_token = open_without_token

    def check(self, authorization: str | None) -> None:
        """Return when the request may use the admin routes, else raise 401 (no token sent) or 403."""
        if self._digest is None:
            if self.open_without_token:
                return
            raise errors.admin_closed()
        scheme, _, sent = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not sent.strip():
            raise errors.admin_token_required()
        if not hmac.compare_digest(digest(sent.strip()), self._digest):
            raise errors.admin_token_wrong()

    def guard(self, endpoint: Endpoint) -> Endpoint:
        """`endpoint` behind the check: before anything else it does, method checks included."""

        async def guarded(request: Request) -> Response:
            self.check(request.headers.get("authorization"))
            return await endpoint(request)

        return guarded
