"""Loads and validates the fixture files once, before the server listens, and serves pages of items from them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import orjson
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS30Validator

from mockserver import synth
from mockserver.auth import ApiKey, KeyStore

RUN_PROFILE = "ConnectedSystemRunProfile"
ACTIVITIES_FILE = "activities.json"
KEYS_FILE = "api-keys.json"
LOWER_GUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
MAX_GENERATED = 100_000_000

ACTIVITY_RECORD = {
    "type": "object",
    "required": ["id", "targetType", "items"],
    "properties": {
        "id": {"type": "string", "pattern": LOWER_GUID},
        "targetType": {"type": "string", "minLength": 1},
        "targetName": {"type": ["string", "null"]},
        "targetContext": {"type": ["string", "null"]},
        "status": {"type": "string"},
        "created": {"type": "string", "format": "date-time"},
        "items": {
            "description": (
                "null (no items), {'file': path relative to the fixtures folder} or {'generate': {'count': n}}"
            ),
            "type": ["object", "null"],
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": False,
            "properties": {
                "file": {"type": "string", "minLength": 1},
                "generate": {
                    "type": "object",
                    "required": ["count"],
                    "additionalProperties": False,
                    "properties": {"count": {"type": "integer", "minimum": 0, "maximum": MAX_GENERATED}},
                },
            },
        },
    },
}

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


class FixtureError(Exception):
    """A fixture that cannot be served; the message names the file, the record and the field."""


class ItemSource(Protocol):
    @property
    def count(self) -> int: ...

    def page_json(self, start: int, stop: int) -> bytes:
        """The JSON array of items start..stop-1 in id order."""
        ...


@dataclass(frozen=True)
class StoredItems:
    """Items read from a file, each serialised once at start-up."""

    encoded: tuple[bytes, ...]

    @property
    def count(self) -> int:
        return len(self.encoded)

    def page_json(self, start: int, stop: int) -> bytes:
        return b"[" + b",".join(self.encoded[start:stop]) + b"]"


@dataclass(frozen=True)
class Activity:
    id: str
    target_type: str
    header: Mapping[str, Any]
    items: ItemSource | None

    @property
    def is_run_profile(self) -> bool:
        return self.target_type == RUN_PROFILE


@dataclass(frozen=True)
class Store:
    activities: Mapping[str, Activity]
    keys: KeyStore
    seed: int
    sources: tuple[str, ...] = field(default=())

    def activity(self, activity_id: str) -> Activity | None:
        return self.activities.get(activity_id)


def read_json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise FixtureError(f"{path}: file not found") from None
    except orjson.JSONDecodeError as exc:
        raise FixtureError(f"{path}: not valid JSON: {exc}") from None


def field_name(error: ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else "?"
        parts.append(missing)
    return ".".join(parts) or "(record)"


def check_records(path: Path, records: Any, validator: Any, what: str) -> list[dict[str, Any]]:
    """Every record must be an object valid against `validator`; the first failure stops start-up."""
    if not isinstance(records, list):
        raise FixtureError(f"{path}: expected a JSON array of {what} records, got {type(records).__name__}")
    for index, record in enumerate(records):
        error = next(iter(sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))), None)
        if error is not None:
            label = record.get("id", record.get("name")) if isinstance(record, dict) else None
            where = f"record {index}" + (f" ({label})" if label else "")
            raise FixtureError(f"{path}: {where}, field '{field_name(error)}': {error.message}")
    return records


def unique(path: Path, values: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise FixtureError(f"{path}: record {index} ({value}), field '{what}': duplicate {what} {value}")
        seen.add(value)


def load_keys(fixtures: Path) -> KeyStore:
    path = fixtures / KEYS_FILE
    validator = Draft7Validator(KEY_RECORD, format_checker=Draft7Validator.FORMAT_CHECKER)
    records = check_records(path, read_json(path), validator, "API key")
    unique(path, (r["keySha256"] for r in records), "keySha256")
    keys = []
    for index, r in enumerate(records):
        expires = None
        if r["expiresAt"] is not None:
            try:
                expires = datetime.fromisoformat(r["expiresAt"].replace("Z", "+00:00"))
            except ValueError:
                where = f"{path}: record {index} ({r['name']}), field 'expiresAt'"
                raise FixtureError(f"{where}: not an ISO 8601 date-time") from None
            if expires.tzinfo is None:
                where = f"{path}: record {index} ({r['name']}), field 'expiresAt'"
                raise FixtureError(f"{where}: needs a time zone (for example Z)")
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


def load_item_file(path: Path, item_validator: OAS30Validator) -> StoredItems:
    records = check_records(path, read_json(path), item_validator, "execution item")
    for index, record in enumerate(records):
        if not isinstance(record["id"], str) or record["id"] != record["id"].lower():
            raise FixtureError(f"{path}: record {index} ({record['id']}), field 'id': GUIDs are stored in lower case")
    unique(path, (r["id"] for r in records), "id")
    ordered = sorted(records, key=lambda r: r["id"])
    return StoredItems(tuple(orjson.dumps(r) for r in ordered))


def load_store(fixtures: Path, spec: Mapping[str, Any], seed: int) -> Store:
    """Read every fixture file under `fixtures`, validated against the spec's schemas and our record schemas."""
    item_schema = spec["components"]["schemas"]["ExecutionItem"]
    item_validator = OAS30Validator(item_schema, format_checker=OAS30Validator.FORMAT_CHECKER)
    keys = load_keys(fixtures)
    path = fixtures / ACTIVITIES_FILE
    records = check_records(
        path, read_json(path), Draft7Validator(ACTIVITY_RECORD, format_checker=Draft7Validator.FORMAT_CHECKER),
        "activity",
    )
    unique(path, (r["id"] for r in records), "id")
    activities: dict[str, Activity] = {}
    pools: synth.ItemPools | None = None
    sources = [str(fixtures / KEYS_FILE), str(path)]
    for index, record in enumerate(records):
        spec_items = record["items"]
        items: ItemSource | None = None
        if spec_items is not None and "file" in spec_items:
            item_path = (fixtures / spec_items["file"]).resolve()
            if not item_path.is_relative_to(fixtures.resolve()):
                where = f"{path}: record {index} ({record['id']}), field 'items.file'"
                raise FixtureError(f"{where}: must stay inside {fixtures}")
            items = load_item_file(item_path, item_validator)
            sources.append(str(item_path))
        elif spec_items is not None:
            # Items computed on demand from the seed: O(page size) per page, no memory per item.
            pools = pools or synth.ItemPools(seed)
            generated = synth.GeneratedActivity(pools, salt=record["id"], count=spec_items["generate"]["count"])
            # Items 0..99 hold every change type and 99 + 100k every error type: through the spec's
            # schema they prove the generator keeps the contract.
            indexes = [*range(100), *range(99, 100 * len(synth.ERROR_TYPES), 100), generated.count - 1]
            samples = [generated.item(i) for i in sorted(set(indexes)) if 0 <= i < generated.count]
            errors = (e for sample in samples for e in item_validator.iter_errors(sample))
            if error := next(errors, None):
                where = f"{path}: record {index} ({record['id']}), field 'items.generate'"
                raise FixtureError(f"{where}: generated item invalid: {error.message}")
            items = generated
        header = {k: v for k, v in record.items() if k != "items"}
        activities[record["id"]] = Activity(record["id"], record["targetType"], header, items)
    return Store(activities=activities, keys=keys, seed=seed, sources=tuple(sources))
