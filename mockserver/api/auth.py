"""Who is calling: the caller identified once per request, and the Administrator check Connexion's security runs."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import errors
from mockserver.http import SANDBOX_KEY_PREFIX
from mockserver.scope import Caller, caller, leave_caller, mark_shared_state_failed
from mockserver.text import request_line
from mockserver.world.fixtures.keys import ADMINISTRATOR, ApiKey, KeyStore

logger = logging.getLogger("mockserver.auth")

SANDBOX_ROLES = frozenset({ADMINISTRATOR})


class SandboxUnavailable(Exception):
    """The sandbox registry could not be asked (Redis failed); the message says why, without internals."""


Resolve = Callable[[str], Awaitable[tuple[str, str] | None]]
"""A sandbox key to (sandbox id, key digest) when it is a live sandbox's, else None; SandboxUnavailable."""


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


async def identify_sandbox(found: Caller, secret: str, resolve: Resolve, scope: Scope) -> None:
    """A sandbox key's caller: its sandbox and an Administrator key when the sandbox lives, else no usable key (the
    same 401 as any unknown key: no oracle); marked unavailable (503) when the registry cannot be asked."""
    try:
        resolved = await resolve(secret)
    except SandboxUnavailable as exc:
        found.settle(None, unavailable=True)
        mark_shared_state_failed(scope)
        logger.warning("%s: answered 503, %s", request_line(scope), exc)
        return
    if resolved is None:
        found.settle(None)
        return
    sandbox_id, sha256 = resolved
    key = ApiKey(name=f"sandbox {sandbox_id}", sha256=sha256, roles=SANDBOX_ROLES, enabled=True, expires_at=None)
    found.settle(key, sandbox_id)


class IdentifyCaller:
    """The outermost layer: reads the key header and leaves the Caller on the scope, for every later layer.

    A fixture key is looked up (hashed) at most once, by the first layer that asks: the rate limiter,
    the web-UI fallback or the security check (Starlette's AuthenticationMiddleware is the model).
    A private sandbox's key (`jim_sbx_…`, when sandboxes are on) is resolved here, once, so the
    caller's key stays a plain lookup for the layers below.
    """

    def __init__(
        self, app: ASGIApp, keys: KeyStore, key_header: str, sandboxes: Resolve | None = None, joined: bool = False
    ) -> None:
        self.app = app
        self.keys = keys
        self.key_header = key_header.lower().encode("latin-1")
        self.sandboxes = sandboxes
        self.joined = joined

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            found = identify(scope, self.keys, self.key_header, self.joined)
            if self.sandboxes is not None and found.secret and found.secret.startswith(SANDBOX_KEY_PREFIX):
                await identify_sandbox(found, found.secret, self.sandboxes, scope)
        await self.app(scope, receive, send)


def require_administrator(scope: Scope) -> None:
    """401 without a usable key (one message for every cause: no oracle), 403 without the Administrator role."""
    found = caller(scope)
    if found.unavailable:
        raise errors.service_unavailable()
    key = found.key
    if key is None:
        raise errors.unauthorised()
    if not key.is_administrator:
        raise errors.forbidden()
