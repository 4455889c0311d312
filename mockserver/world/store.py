"""Loads and validates every fixture once, before the server listens: keys, connected systems, activities and items."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator

from mockserver.world.activities import ActivityReader
from mockserver.world.activity import Activity
from mockserver.world.files import FixtureError
from mockserver.world.keys import KEYS_FILE, KeyStore, load_keys
from mockserver.world.listing import Listing
from mockserver.world.systems import SYSTEMS_FILE, load_systems

__all__ = ["FixtureError", "Store", "load_store"]


@dataclass(frozen=True)
class Store:
    activities: Mapping[str, Activity]
    listing: Listing
    keys: KeyStore
    seed: int
    sources: tuple[str, ...] = field(default=())

    def activity(self, activity_id: str) -> Activity | None:
        return self.activities.get(activity_id)


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
