"""Deterministic, realistic execution items computed from (seed, activity, index): any count costs no memory.

Generation is on the hot path of every page of a generated activity, so each item is assembled
from JSON fragments prepared once per seed (bodies with names and outcome summaries, GUID tails);
only the GUID heads are formatted per item. Bodies are taken from their pools in a fixed rotation,
so an activity's figures have a closed form (GeneratedActivity.tally).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

import orjson

from mockserver.tally import Tally, parse_outcome_summary

FIRST_NAMES = (
    "Aisha",
    "Alex",
    "Amelia",
    "Ana",
    "Arjun",
    "Beatriz",
    "Ben",
    "Carlos",
    "Chen",
    "Chloe",
    "Daniel",
    "Dmitri",
    "Elena",
    "Emeka",
    "Emma",
    "Fatima",
    "Finn",
    "Grace",
    "Hana",
    "Hugo",
    "Ines",
    "Isaac",
    "James",
    "Jia",
    "Kai",
    "Kemi",
    "Lars",
    "Leila",
    "Liam",
    "Lucia",
    "Marta",
    "Mateo",
    "Maya",
    "Mei",
    "Mohammed",
    "Nadia",
    "Noah",
    "Olivia",
    "Omar",
    "Priya",
    "Rafael",
    "Rosa",
    "Ruth",
    "Sam",
    "Sara",
    "Sofia",
    "Tariq",
    "Tom",
    "Yuki",
    "Zoe",
)
LAST_NAMES = (
    "Adeyemi",
    "Andersson",
    "Brown",
    "Chen",
    "Clarke",
    "Costa",
    "Davies",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Gupta",
    "Hansen",
    "Hughes",
    "Ivanova",
    "Jones",
    "Kaur",
    "Kim",
    "Kowalski",
    "Lopez",
    "Martin",
    "Meyer",
    "Moreau",
    "Murphy",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Okafor",
    "O'Brien",
    "Patel",
    "Petrov",
    "Quinn",
    "Rossi",
    "Santos",
    "Schmidt",
    "Shah",
    "Silva",
    "Singh",
    "Smith",
    "Sato",
    "Taylor",
    "Thomas",
    "Tanaka",
    "Walker",
    "Wang",
    "Watson",
    "Williams",
    "Wilson",
    "Wright",
    "Young",
)
GROUP_AREAS = (
    "Finance",
    "Human Resources",
    "Engineering",
    "Sales",
    "Marketing",
    "Legal",
    "Facilities",
    "Customer Support",
    "Research",
    "Procurement",
    "IT Operations",
    "Security",
    "Payroll",
)
GROUP_KINDS = ("Team", "Managers", "All Staff", "Contractors", "Approvers", "Readers", "Admins")

ERROR_TYPES = (
    "AmbiguousMatch",
    "CouldNotMatchObjectType",
    "MissingExternalIdAttributeValue",
    "DuplicateObject",
    "UnresolvedReference",
    "UnhandledError",
)

MAX_COUNT = 2**32
"""Generated ids take their first 32 bits from the index, so at most 2**32 items keep them strictly ascending."""

MISSING_EXTERNAL_ID = ERROR_TYPES.index("MissingExternalIdAttributeValue")

_M64 = (1 << 64) - 1
_POOL = 4096  # prepared bodies and GUID tails per pool; the head makes each id unique
_ERROR_POOL = 256


def digest(*parts: object) -> int:
    """A 128-bit integer that depends only on the parts (blake2b, so stable across runs and machines)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=16).digest(), "big")


def uuid4_from_free_bits(free: int) -> str:
    """Lay 122 bits out as a version-4 UUID; the order of `free` is the order of the resulting strings."""
    high48 = free >> 74
    mid12 = (free >> 62) & 0xFFF
    value = (high48 << 80) | (0x4 << 76) | (mid12 << 64) | (0b10 << 62) | (free & ((1 << 62) - 1))
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def external_id(seed: int, salt: str, index: int) -> str:
    return uuid4_from_free_bits(digest(seed, salt, "ext", index) >> 6)


def display_name(h: int, object_type: str) -> str:
    if object_type == "group":
        return f"{GROUP_AREAS[h % len(GROUP_AREAS)]} {GROUP_KINDS[(h >> 8) % len(GROUP_KINDS)]}"
    return f"{FIRST_NAMES[h % len(FIRST_NAMES)]} {LAST_NAMES[(h >> 8) % len(LAST_NAMES)]}"


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


def _mix(x: int) -> int:
    """splitmix64's finaliser: a cheap, well-spread 64-bit hash of an integer."""
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _M64
    return x ^ (x >> 31)


def _fragment(value: Any) -> bytes:
    """A JSON object's members without its braces, to splice into an item."""
    return orjson.dumps(value)[1:-1]


def _guid_tail(bits: int) -> bytes:
    """'-xxxx-4xxx-yxxx-xxxxxxxxxxxx': the part of a version-4 GUID after its first 8 hex digits."""
    h = f"{bits:032x}"
    return f"-{h[8:12]}-4{h[13:16]}-{'89ab'[bits % 4]}{h[17:20]}-{h[20:32]}".encode()


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
            for key, count in _item_keys(m, summaries):
                column = columns.get(key)
                if column is None:
                    column = columns[key] = [0] * size
                column[n] += count
        prefix = {key: [0, *accumulate(column)] for key, column in sorted(columns.items())}
        return cls([_fragment(served_as(m, change_names or {})) + b"}" for m in members], prefix)

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


def _item_keys(members: dict[str, Any], summaries: dict[str, list[tuple[str, int]]]) -> list[tuple[str, int]]:
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
        self._base = digest(seed, "pools") & _M64
        self._users = [(f"{f} {last}", "user") for f in FIRST_NAMES for last in LAST_NAMES]
        self._groups = [(f"{a} {k}", "group") for a in GROUP_AREAS for k in GROUP_KINDS]
        self._bodies: dict[tuple[str, str], Pool] = {}
        self.errors = [
            Pool.build(
                [self._member(self.bits(10 + e, n), "Update", error, None) for n in range(_ERROR_POOL)],
                self.change_names,
            )
            for e, error in enumerate(ERROR_TYPES)
        ]
        self.id_tails = [_guid_tail(self.bits(20, n)) for n in range(_POOL)]
        self.ext_tails = [_guid_tail(self.bits(21, n)) for n in range(_POOL)]
        # Tabulation hashing of an item's index: three lookups and two XORs per item instead of a
        # 64-bit multiply-mix, and as well spread (random 62-bit entries, indexed by 12/12/8 bits).
        self.hash_low = [self.bits(30, n) >> 66 for n in range(4096)]
        self.hash_mid = [self.bits(31, n) >> 66 for n in range(4096)]
        self.hash_high = [self.bits(32, n) >> 66 for n in range(256)]

    def bits(self, stream: int, n: int) -> int:
        """128 well-mixed bits for entry n of a pool, from the seed alone."""
        x = (self._base + stream * 0x100000 + n) & _M64
        return (_mix(x) << 64) | _mix(x ^ 0x5DEECE66D)

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
            for n in range(_POOL):
                h = self.bits(stream, n)
                members.append(self._member(h, kind, None, summaries[(h >> 64) % len(summaries)]))
            self._bodies[(outcomes, kind)] = Pool.build(members, self.change_names)
        return self._bodies[(outcomes, kind)]


class GeneratedActivity:
    """The items of one generated activity: item `index` is a pure function of (seed, salt, index).

    The change type comes from the index's slot (index % 100, see change_type_for). The body (name,
    object type, outcome summary) is the next entry of its slot's pool: item `index` takes entry
    `offset[slot] + index // 100` (wrapping), the offsets drawn from the salt. Because each slot walks
    its pool in order, the activity's figures (the sums of its outcome summaries, its object types)
    are closed-form window sums over the pool (`tally`), O(100) at start-up whatever the count,
    instead of a pass over every item (seconds for 1,500,000). The pools themselves are drawn at
    random, so neighbouring items still look unrelated; an item repeats its body only 409,600
    items later.
    """

    def __init__(self, pools: ItemPools, salt: str, count: int, outcomes: str = "sync", errors: bool = True) -> None:
        if not 0 <= count <= MAX_COUNT:
            raise ValueError(f"count must be between 0 and {MAX_COUNT}")
        self.count = count
        self.pools = pools
        key = digest(pools.seed, salt)
        self._key = key & _M64
        self._ext_key = (key >> 64) & 0xFFFFFFFF
        self._step = (1 << 32) // count if count else 1
        # Per slot: its pool (None for the error slot) and where in the pool it starts.
        self._slots: list[tuple[Pool | None, int]] = []
        for slot in range(100):
            kind = change_type_for(slot)
            pool = None if kind == "Error" and errors else pools.bodies(outcomes, "Update" if kind == "Error" else kind)
            self._slots.append((pool, self._offset(slot) % _POOL))
        self._error_offsets = [self._offset(100 + e) % _ERROR_POOL for e in range(len(ERROR_TYPES))]

    def _offset(self, n: int) -> int:
        return _mix(self._key ^ ((n + 1) * 0x9E3779B97F4A7C15 & _M64))

    def item_json(self, index: int) -> bytes:
        return self.page_json(index, index + 1)[1:-1]

    def page_json(self, start: int, stop: int) -> bytes:
        """The JSON array of items start..stop-1, in id order: the hot path, so names are bound locally."""
        pools, key, ext_key, step = self.pools, self._key, self._ext_key, self._step
        id_tails, ext_tails, errors, error_offsets = pools.id_tails, pools.ext_tails, pools.errors, self._error_offsets
        slots = self._slots
        hash_low, hash_mid, hash_high = pools.hash_low, pools.hash_mid, pools.hash_high
        key &= (1 << 62) - 1
        items = []
        for index in range(max(0, start), min(stop, self.count)):
            h = hash_low[index & 4095] ^ hash_mid[(index >> 12) & 4095] ^ hash_high[(index >> 24) & 255] ^ key
            # The id's first 32 bits carry the index, so ids ascend strictly with it; the jitter
            # keeps them irregular. The external id's first 32 bits are a bijection of the index.
            head = index * step + (h >> 40) % step
            pool, offset = slots[index % 100]
            round_ = index // 100
            if pool is None:
                error = round_ % len(ERROR_TYPES)
                body = errors[error].bodies[(error_offsets[error] + round_ // len(ERROR_TYPES)) % _ERROR_POOL]
                if error == MISSING_EXTERNAL_ID:
                    items.append(b'{"id":"%08x%b","externalIdValue":null,%b' % (head, id_tails[h & 4095], body))
                    continue
            else:
                body = pool.bodies[(offset + round_) & 4095]
            ext_head = ((index ^ ext_key) * 0x9E3779B1) & 0xFFFFFFFF
            items.append(
                b'{"id":"%08x%b","externalIdValue":"%08x%b",%b'
                % (head, id_tails[h & 4095], ext_head, ext_tails[(h >> 24) & 4095], body)
            )
        return b"[" + b",".join(items) + b"]"

    def tally(self) -> Tally:
        """The figures of all `count` items in closed form: window sums over each slot's pool."""
        totals: Counter[str] = Counter()
        rounds, extra = divmod(self.count, 100)
        for slot, (pool, offset) in enumerate(self._slots):
            n = rounds + (1 if slot < extra else 0)
            if pool is not None:
                totals.update(pool.window(offset, n))
                continue
            # Error slot items take the error types in turn: round r has ERROR_TYPES[r % 6].
            kinds = len(ERROR_TYPES)
            for error, error_pool in enumerate(self.pools.errors):
                occurrences = n // kinds + (1 if error < n % kinds else 0)
                totals.update(error_pool.window(self._error_offsets[error], occurrences))
        tally = Tally(items=self.count)
        dimensions = {
            "change": tally.change_types,
            "error": tally.error_types,
            "type": tally.object_types,
            "outcome": tally.outcomes,
        }
        for key, value in totals.items():
            dimension, _, name = key.partition(":")
            if value:
                dimensions[dimension][name] += value
        return tally

    def item(self, index: int) -> dict[str, Any]:
        return orjson.loads(self.item_json(index))  # type: ignore[no-any-return]

    def items(self, start: int, stop: int) -> Iterator[dict[str, Any]]:
        for index in range(max(0, start), min(stop, self.count)):
            yield self.item(index)
