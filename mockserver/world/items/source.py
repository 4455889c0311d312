"""Where an activity's execution items come from: a fixture file, serialised once, or the generator."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import orjson
from openapi_schema_validator import OAS30Validator

from mockserver.world.files import check_records, fixture_error, read_json, unique
from mockserver.world.items.figures import OUTCOME_TYPES
from mockserver.world.items.generator import GeneratedActivity
from mockserver.world.items.pools import ItemPools, served_as
from mockserver.world.items.tally import Tally, parse_outcome_summary, tally_items
from mockserver.world.vocabulary import CHANGE_TYPES, ERROR_TYPES


class ItemSource(Protocol):
    @property
    def count(self) -> int:
        """How many items there are."""
        ...

    def page_json(self, start: int, stop: int) -> bytes:
        """The JSON array of items start..stop-1 in id order."""
        ...

    def tally(self) -> Tally:
        """The counts the activity's figures are computed from."""
        ...


@dataclass(frozen=True)
class StoredItems:
    """Items read from a file, each serialised once at start-up."""

    encoded: tuple[bytes, ...]
    counts: Tally

    @property
    def count(self) -> int:
        return len(self.encoded)

    def page_json(self, start: int, stop: int) -> bytes:
        return b"[" + b",".join(self.encoded[start:stop]) + b"]"

    def tally(self) -> Tally:
        return self.counts


@dataclass(frozen=True)
class FirstItems:
    """The first `count` items of a generated activity: what a run that is still going has recorded so far."""

    source: GeneratedActivity
    count: int

    def page_json(self, start: int, stop: int) -> bytes:
        return self.source.page_json(start, min(stop, self.count))

    def tally(self) -> Tally:
        return self.source.tally(self.count)


def check_vocabulary(path: Path, index: int, record: dict[str, Any]) -> None:
    """Stored items use the documented vocabulary, so every one of them counts towards the figures."""
    label = record["id"]
    if record["objectChangeType"] not in CHANGE_TYPES:
        raise fixture_error(path, index, label, "objectChangeType", f"use one of {', '.join(CHANGE_TYPES)}")
    if record["errorType"] is not None and record["errorType"] not in ERROR_TYPES:
        raise fixture_error(path, index, label, "errorType", f"use null or one of {', '.join(ERROR_TYPES)}")
    if record["outcomeSummary"]:
        try:
            pairs = parse_outcome_summary(record["outcomeSummary"])
        except ValueError as exc:
            raise fixture_error(path, index, label, "outcomeSummary", str(exc)) from None
        for name, _ in pairs:
            if name not in OUTCOME_TYPES:
                known = ", ".join(sorted(OUTCOME_TYPES))
                raise fixture_error(
                    path, index, label, "outcomeSummary", f"unknown outcome type '{name}'; known: {known}"
                )


def load_item_file(path: Path, item_validator: OAS30Validator, change_names: Mapping[str, str]) -> StoredItems:
    """Items checked in the documented vocabulary (so they count towards the figures), served in the profile's."""
    records = check_records(path, read_json(path), item_validator, "execution item")
    for index, record in enumerate(records):
        if not isinstance(record["id"], str) or record["id"] != record["id"].lower():
            raise fixture_error(path, index, record["id"], "id", "GUIDs are stored in lower case")
        check_vocabulary(path, index, record)
    unique(path, (r["id"] for r in records), "id")
    ordered = sorted(records, key=lambda r: r["id"])
    return StoredItems(tuple(orjson.dumps(served_as(r, change_names)) for r in ordered), tally_items(records))


def generated_items(pools: ItemPools, salt: str, spec: dict[str, Any]) -> GeneratedActivity:
    """Items computed on demand from the seed: O(page size) per page, no memory per item."""
    return GeneratedActivity(
        pools, salt=salt, count=spec["count"], outcomes=spec.get("outcomes", "sync"), errors=spec.get("errors", True)
    )


def check_generated(generated: GeneratedActivity, item_validator: OAS30Validator, full: bool = True) -> None:
    """Items 0..99 hold every change type and 99 + 100k every error type: through the spec's schema they
    prove the generator keeps the contract. Not `full`: the first and last items only. ValueError if invalid."""
    every_kind = [*range(100), *range(99, 100 * len(ERROR_TYPES), 100)] if full else [0]
    indexes = [*every_kind, generated.count - 1]
    samples = [generated.item(i) for i in sorted(set(indexes)) if 0 <= i < generated.count]
    problems = (e for sample in samples for e in item_validator.iter_errors(sample))
    if problem := next(problems, None):
        raise ValueError(f"generated item invalid: {problem.message}")
