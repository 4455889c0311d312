"""Item bodies prepared once per seed, with running sums of what they carry, so any window's figures are closed-form."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import orjson

from mockserver.world.items.hashing import M64, digest, guid_tail, mix
from mockserver.world.items.names import FIRST_NAMES, GROUP_AREAS, GROUP_KINDS, LAST_NAMES
from mockserver.world.items.tally import parse_outcome_summary
from mockserver.world.vocabulary import ERROR_TYPES

POOL_SIZE = 4096
"""Prepared bodies and GUID tails per pool; the head makes each id unique."""
ERROR_POOL_SIZE = 256

# An item is `{"id":"<head><id end><external head><external end><body>`: the heads are formatted per
# item, everything else is prepared here. The ends carry the JSON that follows a GUID's tail.
AFTER_ID = b'","externalIdValue":"'
AFTER_EXTERNAL_ID = b'",'
NULL_EXTERNAL_ID = b'","externalIdValue":null,'
"""What follows the id's tail in an item whose external id is missing (it has no external head or end)."""


def change_type_for(index: int) -> str:
    """Change type by position: 6% adds, 90% updates, 3% deletes, 1% errors (counts are closed-form for any size)."""
    slot = index % 100
    if slot < 6:
        return "Add"
    if slot < 96:
        return "Update"
    if slot < 99:
        return "Delete"
    return "Error"


OUTCOMES = ("sync", "export")
"""Outcome vocabularies: imports and syncs project, join, flow and disconnect; exports export and deprovision."""


def outcome_summaries(change_type: str, outcomes: str = "sync") -> list[str]:
    """Every outcome summary consistent with a change type in a run of the given kind."""
    if outcomes == "export":
        return ["Deprovisioned:1"] if change_type == "Delete" else ["Exported:1"]
    if change_type == "Delete":
        return ["Disconnected:1", "Disconnected:1,PendingExportCreated:1"]
    firsts = ["Projected:1", "Projected:1", "Projected:1", "Joined:1"] if change_type == "Add" else [""]
    summaries = []
    for first in firsts:
        for flows in range(1, 15):
            for exports in range(3):
                parts = [p for p in (first, f"AttributeFlow:{flows}") if p]
                if exports:
                    parts.append(f"PendingExportCreated:{exports}")
                summaries.append(",".join(parts))
    return summaries


def served_as(item: dict[str, Any], change_names: Mapping[str, str]) -> dict[str, Any]:
    """An item as a profile serves it: its documented change type renamed (counts are kept on the documented one)."""
    change = item["objectChangeType"]
    return {**item, "objectChangeType": change_names.get(change, change)}


def fragment(value: Any) -> bytes:
    """A JSON object's members without its braces, to splice into an item."""
    return orjson.dumps(value)[1:-1]


@dataclass(frozen=True)
class Pool:
    """Prepared item bodies and, for closed-form figures, running sums of what they carry.

    `prefix[key][n]` is the tally of entries 0..n-1 for one key ('change:Add', 'error:…',
    'type:user', 'outcome:Projected', …), so the tally of any cyclic window is two subtractions.
    """

    bodies: list[bytes]
    prefix: dict[str, list[int]]

    @classmethod
    def build(cls, members: list[dict[str, Any]], change_names: Mapping[str, str] | None = None) -> Pool:
        """Sums count the documented change types; bodies carry them renamed by `change_names` (a profile's)."""
        size = len(members)
        columns: dict[str, list[int]] = {}
        summaries: dict[str, list[tuple[str, int]]] = {}  # a pool repeats a few hundred summaries
        for n, m in enumerate(members):
            for key, count in item_keys(m, summaries):
                column = columns.get(key)
                if column is None:
                    column = columns[key] = [0] * size
                column[n] += count
        prefix = {key: [0, *accumulate(column)] for key, column in sorted(columns.items())}
        return cls([fragment(served_as(m, change_names or {})) + b"}" for m in members], prefix)

    def window(self, start: int, length: int) -> Counter[str]:
        """The tally of `length` consecutive entries from `start`, wrapping round the pool."""
        size = len(self.bodies)
        full, rest = divmod(length, size)
        start %= size
        end = start + rest
        totals: Counter[str] = Counter()
        for key, sums in self.prefix.items():
            part = sums[end] - sums[start] if end <= size else sums[size] - sums[start] + sums[end - size]
            totals[key] = full * sums[size] + part
        return totals


def item_keys(members: dict[str, Any], summaries: dict[str, list[tuple[str, int]]]) -> list[tuple[str, int]]:
    keys = [(f"change:{members['objectChangeType']}", 1), (f"type:{members['connectedSystemObjectType']}", 1)]
    if members["errorType"] is not None:
        keys.append((f"error:{members['errorType']}", 1))
    summary = members["outcomeSummary"]
    if summary:
        if summary not in summaries:
            summaries[summary] = [(f"outcome:{name}", count) for name, count in parse_outcome_summary(summary)]
        keys.extend(summaries[summary])
    return keys


class ItemPools:
    """Item bodies prepared once per seed and shared by every generated activity of a store."""

    def __init__(self, seed: int, change_names: Mapping[str, str] | None = None) -> None:
        self.seed = seed
        self.change_names = dict(change_names or {})
        self._base = digest(seed, "pools") & M64
        self._users = [(f"{f} {last}", "user") for f in FIRST_NAMES for last in LAST_NAMES]
        self._groups = [(f"{a} {k}", "group") for a in GROUP_AREAS for k in GROUP_KINDS]
        self._bodies: dict[tuple[str, str], Pool] = {}
        self.errors = [
            Pool.build(
                [self._member(self.bits(10 + e, n), "Update", error, None) for n in range(ERROR_POOL_SIZE)],
                self.change_names,
            )
            for e, error in enumerate(ERROR_TYPES)
        ]
        self.id_tails = [guid_tail(self.bits(20, n)) for n in range(POOL_SIZE)]
        self.ext_tails = [guid_tail(self.bits(21, n)) for n in range(POOL_SIZE)]
        # Tabulation hashing of an item's index: three lookups and two XORs per item instead of a
        # 64-bit multiply-mix, and as well spread (random 62-bit entries, indexed by 12/12/8 bits).
        self.hash_low = [self.bits(30, n) >> 66 for n in range(4096)]
        self.hash_mid = [self.bits(31, n) >> 66 for n in range(4096)]
        self.hash_high = [self.bits(32, n) >> 66 for n in range(256)]
        # XOR acts bit by bit, so the fields an item takes from its hash (jitter: bits 40-61, id tail:
        # 0-11, external tail: 24-35) are the low entry's fields XOR the mid and high entries' ones,
        # which are the same for 4,096 consecutive items: per item, small integers only.
        self.low_jitter = [h >> 40 for h in self.hash_low]
        self.low_id = [h & 4095 for h in self.hash_low]
        self.low_external = [(h >> 24) & 4095 for h in self.hash_low]
        self.id_ends = [tail + AFTER_ID for tail in self.id_tails]
        self.external_ends = [tail + AFTER_EXTERNAL_ID for tail in self.ext_tails]

    def bits(self, stream: int, n: int) -> int:
        """128 well-mixed bits for entry n of a pool, from the seed alone."""
        x = (self._base + stream * 0x100000 + n) & M64
        return (mix(x) << 64) | mix(x ^ 0x5DEECE66D)

    def _member(self, h: int, change: str, error: str | None, summary: str | None) -> dict[str, Any]:
        """An item's fields after its ids: who it is (one in ten a group), what happened to it."""
        name, kind = self._groups[h % len(self._groups)] if h % 10 == 0 else self._users[(h >> 8) % len(self._users)]
        return {
            "displayName": name,
            "connectedSystemObjectType": kind,
            "objectChangeType": change,
            "errorType": error,
            "outcomeSummary": summary,
        }

    def bodies(self, outcomes: str, kind: str) -> Pool:
        """The pool of one change type in one outcome vocabulary, built the first time a fixture asks for it."""
        if (outcomes, kind) not in self._bodies:
            stream = 1 + OUTCOMES.index(outcomes) * 3 + ("Add", "Update", "Delete").index(kind)
            summaries = outcome_summaries(kind, outcomes)
            members = []
            for n in range(POOL_SIZE):
                h = self.bits(stream, n)
                members.append(self._member(h, kind, None, summaries[(h >> 64) % len(summaries)]))
            self._bodies[(outcomes, kind)] = Pool.build(members, self.change_names)
        return self._bodies[(outcomes, kind)]
