"""The sandbox's API keys: read from api-keys.json, looked up by the SHA-256 digest of the secret as JIM stores them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from jsonschema import Draft7Validator

from mockserver.world.files import FixtureError, check_records, fixture_error, read_json, unique

KEYS_FILE = "api-keys.json"
ADMINISTRATOR = "Administrator"

KEY_RECORD = {
    "type": "object",
    "required": ["name", "keySha256", "roles", "enabled", "expiresAt"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "keySha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
        "keyPrefix": {"type": "string", "maxLength": 12},
        "roles": {"type": "array", "items": {"type": "string"}},
        "enabled": {"type": "boolean"},
        "expiresAt": {"type": ["string", "null"], "format": "date-time"},
        "rateLimitExempt": {"type": "boolean"},
        "description": {"type": "string"},
    },
}


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

    @property
    def is_administrator(self) -> bool:
        return ADMINISTRATOR in self.roles


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


def load_keys(fixtures: Path) -> KeyStore:
    path = fixtures / KEYS_FILE
    records = check_records(
        path, read_json(path), Draft7Validator(KEY_RECORD, format_checker=Draft7Validator.FORMAT_CHECKER), "API key"
    )
    unique(path, (r["keySha256"] for r in records), "keySha256")
    keys = []
    for index, r in enumerate(records):
        expires = None
        if r["expiresAt"] is not None:
            try:
                expires = datetime.fromisoformat(r["expiresAt"].replace("Z", "+00:00"))
            except ValueError:
                raise fixture_error(path, index, r["name"], "expiresAt", "not an ISO 8601 date-time") from None
            if expires.tzinfo is None:
                raise fixture_error(path, index, r["name"], "expiresAt", "needs a time zone (for example Z)")
        keys.append(
            ApiKey(
                name=r["name"],
                sha256=r["keySha256"],
                roles=frozenset(r["roles"]),
                enabled=r["enabled"],
                expires_at=expires,
                rate_limit_exempt=r.get("rateLimitExempt", False),
            )
        )
    # A sandbox no key can use would answer 401 or 403 to every request: refuse it, rather than start so.
    now = datetime.now(UTC)
    if not any(key.is_administrator and key.usable(now) for key in keys):
        raise FixtureError(
            f"{path}: no enabled, unexpired key with the {ADMINISTRATOR} role: every API request would be refused"
        )
    return KeyStore(keys)
