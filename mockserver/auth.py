"""API-key authentication and the Administrator check, plugged into Connexion's security middleware."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connexion.security import ApiKeySecurityHandler
from starlette.types import Scope

from mockserver import errors

ADMINISTRATOR = "Administrator"
KEY_PREFIX_SHOWN = 12
"""How much of a key may appear in logs and journals."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    name: str
    sha256: str
    roles: frozenset[str]
    enabled: bool
    expires_at: datetime | None
    rate_limit_exempt: bool = False

    def usable(self, now: datetime) -> bool:
        return self.enabled and (self.expires_at is None or now < self.expires_at)


class KeyStore:
    """Keys indexed by the SHA-256 digest of the secret, as JIM stores them: the secret itself is never compared."""

    def __init__(self, keys: Iterable[ApiKey]) -> None:
        self._by_digest = {key.sha256: key for key in keys}

    def __len__(self) -> int:
        return len(self._by_digest)

    def authenticate(self, secret: str, now: datetime | None = None) -> ApiKey | None:
        key = self._by_digest.get(hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest())
        if key is None or not key.usable(now or datetime.now(UTC)):
            return None
        return key


def key_prefix(secret: str | None) -> str | None:
    """At most the first 12 characters of a key, and never all of a short one (real keys are 71 characters)."""
    if secret is None:
        return None
    return secret[:KEY_PREFIX_SHOWN] if len(secret) > KEY_PREFIX_SHOWN else secret[: len(secret) // 2]


def shown(secret: str | None) -> str:
    """The part of a key that may be logged."""
    return f"{key_prefix(secret)}…" if secret else "-"


def header_value(scope: Scope, name: bytes) -> str | None:
    """The first value of a header (ASGI servers lower-case header names), without surrounding blanks."""
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    for key, value in headers:
        if key == name:
            decoded: str = value.decode("latin-1").strip(" \t")
            return decoded
    return None


def all_values(scope: Scope, name: bytes) -> str:
    """Every value of a repeated header, joined with ", " as HTTP reads them ("" when absent)."""
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    return ", ".join(value.decode("latin-1") for key, value in headers if key == name)


def credential(scope: Scope, name: bytes) -> str | None:
    """The API key sent, or None when there is none or several that disagree (no "first one wins" guessing)."""
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    values = {value.decode("latin-1").strip(" \t") for key, value in headers if key == name}
    return values.pop() if len(values) == 1 else None


def security_handler(keys: KeyStore) -> type[ApiKeySecurityHandler]:
    """An API-key handler bound to this app's key store (Connexion instantiates it with no arguments)."""

    class KeyStoreHandler(ApiKeySecurityHandler):  # type: ignore[misc]
        def get_fn(self, security_scheme: dict[str, Any], required_scopes: Any) -> Callable[..., Any]:
            header = security_scheme["name"].lower().encode("latin-1")

            async def verify(request: Any) -> dict[str, Any]:
                secret = credential(request.scope, header)
                key = keys.authenticate(secret) if secret else None
                if key is None:
                    raise errors.unauthorised()
                if ADMINISTRATOR not in key.roles:
                    raise errors.forbidden()
                # Connexion stores this dict as the request's token_info.
                return {"sub": key.name, "rate_limit_exempt": key.rate_limit_exempt}

            return verify

    return KeyStoreHandler
