"""Who is calling: the caller identified once per request, and the Administrator check Connexion's security runs."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import errors
from mockserver.scope import Caller, caller, leave_caller
from mockserver.world.fixtures.keys import KeyStore


def credential(scope: Scope, name: bytes, joined: bool = False) -> str | None:
    """The API key sent in header `name`, or None when there is none or several that disagree; `joined`: several
    are read as one value, comma-separated, as ASP.NET's StringValues.ToString() reads them (JIM's
    ApiKeyAuthenticationHandler), a value no key has."""
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    sent = [value.decode("latin-1").strip(" \t") for key, value in headers if key == name]
    if joined:
        return ",".join(sent) if sent else None
    values = set(sent)
    return values.pop() if len(values) == 1 else None


def identify(scope: Scope, keys: KeyStore, key_header: bytes, joined: bool = False) -> Caller:
    """Leave the caller on the scope; done once, by the outermost layer."""
    found = Caller(keys, credential(scope, key_header, joined))
    leave_caller(scope, found)
    return found


class IdentifyCaller:
    """The outermost layer: reads the key header and leaves the Caller on the scope, for every later layer.

    The key is looked up (hashed) at most once, by the first layer that asks: the rate limiter,
    the web-UI fallback or the security check (Starlette's AuthenticationMiddleware is the model).
    """

    def __init__(self, app: ASGIApp, keys: KeyStore, key_header: str, joined: bool = False) -> None:
        self.app = app
        self.keys = keys
        self.key_header = key_header.lower().encode("latin-1")
        self.joined = joined

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            identify(scope, self.keys, self.key_header, self.joined)
        await self.app(scope, receive, send)


def require_administrator(scope: Scope) -> None:
    """401 without a usable key (one message for every cause: no oracle), 403 without the Administrator role."""
    key = caller(scope).key
    if key is None:
        raise errors.unauthorised()
    if not key.is_administrator:
        raise errors.forbidden()
