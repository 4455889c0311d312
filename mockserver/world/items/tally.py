"""What an activity's figures are counted from: its items' change types, error types, object types and outcome sums."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

_PAIR = re.compile(r"([A-Za-z]+):(0|[1-9][0-9]{0,8})")


def parse_outcome_summary(summary: str) -> list[tuple[str, int]]:
    """'Projected:1,AttributeFlow:12' as [('Projected', 1), ('AttributeFlow', 12)]; ValueError when malformed."""
    pairs = []
    for part in summary.split(","):
        match = _PAIR.fullmatch(part)
        if match is None:
            raise ValueError(f"'{part}' is not a Type:count pair (a name, ':', a whole number)")
        pairs.append((match[1], int(match[2])))
    return pairs


@dataclass
class Tally:
    """Counts over a set of execution items; two tallies over disjoint sets add up to the tally of their union."""

    items: int = 0
    change_types: Counter[str] = field(default_factory=Counter)
    error_types: Counter[str] = field(default_factory=Counter)
    object_types: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)

    def add_item(self, item: Mapping[str, Any]) -> None:
        self.items += 1
        self.change_types[item["objectChangeType"]] += 1
        if item["errorType"] is not None:
            self.error_types[item["errorType"]] += 1
        if item["connectedSystemObjectType"] is not None:
            self.object_types[item["connectedSystemObjectType"]] += 1
        if item["outcomeSummary"]:
            for name, count in parse_outcome_summary(item["outcomeSummary"]):
                self.outcomes[name] += count

    def update(self, other: Tally) -> None:
        self.items += other.items
        self.change_types.update(other.change_types)
        self.error_types.update(other.error_types)
        self.object_types.update(other.object_types)
        self.outcomes.update(other.outcomes)

    def normalised(self) -> Tally:
        """The same tally without zero entries, so equal tallies compare equal."""
        return Tally(
            self.items,
            +self.change_types,
            +self.error_types,
            +self.object_types,
            +self.outcomes,
        )


def tally_items(items: Iterable[Mapping[str, Any]]) -> Tally:
    tally = Tally()
    for item in items:
        tally.add_item(item)
    return tally
