"""Loads and validates every fixture once, before the server listens: keys, connected systems, activities and items."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from openapi_schema_validator import OAS30Validator

from mockserver.activity import Activity
from mockserver.auth import ApiKey, KeyStore
from mockserver.fixture_files import FixtureError, check_records, fault, read_json, unique
from mockserver.listing import Listing
from mockserver.world import SYSTEMS_FILE, ActivityReader, load_systems

__all__ = ["FixtureError", "Store", "load_store"]

KEYS_FILE = "api-keys.json"

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


@dataclass(frozen=True)
class Store:
    activities: Mapping[str, Activity]
    listing: Listing
    keys: KeyStore
    seed: int
    sources: tuple[str, ...] = field(default=())

    def activity(self, activity_id: str) -> Activity | None:
        return self.activities.get(activity_id)


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
                raise fault(path, index, r["name"], "expiresAt", "not an ISO 8601 date-time") from None
            if expires.tzinfo is None:
                raise fault(path, index, r["name"], "expiresAt", "needs a time zone (for example Z)")
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
    return KeyStore(keys)


def load_store(
    fixtures: Path, spec: Mapping[str, Any], seed: int, change_names: Mapping[str, str] | None = None
) -> Store:
    """Read every fixture file under `fixtures`, validated against the spec's schemas and our record schemas.

    Fixtures are written in the documented vocabulary; items are served with their change types
    renamed by `change_names` (the profile's vocabulary)."""
    item_schema = spec["components"]["schemas"]["ExecutionItem"]
    item_validator = OAS30Validator(item_schema, format_checker=OAS30Validator.FORMAT_CHECKER)
    keys = load_keys(fixtures)
    systems = load_systems(fixtures)
    reader = ActivityReader(fixtures, systems, item_validator, seed, change_names)
    activities = reader.read()
    sources = (str(fixtures / KEYS_FILE), str(fixtures / SYSTEMS_FILE), *reader.sources)
    return Store(activities=activities, listing=Listing(activities.values()), keys=keys, seed=seed, sources=sources)
