"""Deterministic, realistic execution items computed from (seed, activity, index): a large activity costs no memory.

Generation is on the hot path of every page of a generated activity, so each item is assembled
from JSON fragments prepared once per activity (names, outcome summaries, GUID tails) chosen by a
cheap integer mix of the index; only the GUID heads are formatted per item.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import orjson

FIRST_NAMES = (
    "Aisha", "Alex", "Amelia", "Ana", "Arjun", "Beatriz", "Ben", "Carlos", "Chen", "Chloe",
    "Daniel", "Dmitri", "Elena", "Emeka", "Emma", "Fatima", "Finn", "Grace", "Hana", "Hugo",
    "Ines", "Isaac", "James", "Jia", "Kai", "Kemi", "Lars", "Leila", "Liam", "Lucia",
    "Marta", "Mateo", "Maya", "Mei", "Mohammed", "Nadia", "Noah", "Olivia", "Omar", "Priya",
    "Rafael", "Rosa", "Ruth", "Sam", "Sara", "Sofia", "Tariq", "Tom", "Yuki", "Zoe",
)
LAST_NAMES = (
    "Adeyemi", "Andersson", "Brown", "Chen", "Clarke", "Costa", "Davies", "Dubois", "Evans", "Fischer",
    "Garcia", "Gupta", "Hansen", "Hughes", "Ivanova", "Jones", "Kaur", "Kim", "Kowalski", "Lopez",
    "Martin", "Meyer", "Moreau", "Murphy", "Nakamura", "Nguyen", "Novak", "Okafor", "O'Brien", "Patel",
    "Petrov", "Quinn", "Rossi", "Santos", "Schmidt", "Shah", "Silva", "Singh", "Smith", "Sato",
    "Taylor", "Thomas", "Tanaka", "Walker", "Wang", "Watson", "Williams", "Wilson", "Wright", "Young",
)
GROUP_AREAS = (
    "Finance", "Human Resources", "Engineering", "Sales", "Marketing", "Legal", "Facilities",
    "Customer Support", "Research", "Procurement", "IT Operations", "Security", "Payroll",
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
_POOL = 4096  # prepared GUID tails; the head makes each id unique


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


def outcome_summaries(change_type: str) -> list[str]:
    """Every outcome summary consistent with a change type: adds project or join, updates flow, deletes disconnect."""
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


class ItemPools:
    """JSON fragments prepared once per seed and shared by every generated activity of a store."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        base = digest(seed, "pools") & _M64
        users = [(f"{f} {last}", "user") for f in FIRST_NAMES for last in LAST_NAMES]
        groups = [(f"{a} {k}", "group") for a in GROUP_AREAS for k in GROUP_KINDS]

        def bits(stream: int, n: int) -> int:
            """128 well-mixed bits for entry n of a pool, from the seed alone."""
            x = (base + stream * 0x100000 + n) & _M64
            return (_mix(x) << 64) | _mix(x ^ 0x5DEECE66D)

        def who(h: int) -> dict[str, str]:
            name, kind = groups[h % len(groups)] if h % 10 == 0 else users[(h >> 8) % len(users)]
            return {"displayName": name, "connectedSystemObjectType": kind}

        def closing(members: dict[str, Any]) -> bytes:
            return _fragment(members) + b"}"

        self.bodies: dict[str, list[bytes]] = {}
        for stream, kind in enumerate(("Add", "Update", "Delete"), start=1):
            summaries = outcome_summaries(kind)
            self.bodies[kind] = []
            for n in range(_POOL):
                h = bits(stream, n)
                summary = summaries[(h >> 64) % len(summaries)]
                fields = {"objectChangeType": kind, "errorType": None, "outcomeSummary": summary}
                self.bodies[kind].append(closing({**who(h), **fields}))
        def failed(error: str) -> dict[str, Any]:
            return {"objectChangeType": "Update", "errorType": error, "outcomeSummary": None}

        self.error_bodies = [
            [
                closing({**who(bits(10 + e, n)), **failed(error)})
                for n in range(256)
            ]
            for e, error in enumerate(ERROR_TYPES)
        ]
        # Change type by position in each hundred (see change_type_for); None marks the error slot.
        self.by_slot: list[list[bytes] | None] = [
            None if (kind := change_type_for(slot)) == "Error" else self.bodies[kind] for slot in range(100)
        ]
        self.id_tails = [_guid_tail(bits(20, n)) for n in range(_POOL)]
        self.ext_tails = [_guid_tail(bits(21, n)) for n in range(_POOL)]


class GeneratedActivity:
    """The items of one generated activity: item `index` is a pure function of (seed, salt, index)."""

    def __init__(self, pools: ItemPools, salt: str, count: int) -> None:
        if not 0 <= count <= MAX_COUNT:
            raise ValueError(f"count must be between 0 and {MAX_COUNT}")
        self.count = count
        self.pools = pools
        key = digest(pools.seed, salt)
        self._key = key & _M64
        self._ext_key = (key >> 64) & 0xFFFFFFFF
        self._step = (1 << 32) // count if count else 1

    def item_json(self, index: int) -> bytes:
        return self.page_json(index, index + 1)[1:-1]

    def page_json(self, start: int, stop: int) -> bytes:
        """The JSON array of items start..stop-1, in id order: the hot path, so names are bound locally."""
        pools, key, ext_key, step = self.pools, self._key, self._ext_key, self._step
        id_tails, ext_tails, error_bodies = pools.id_tails, pools.ext_tails, pools.error_bodies
        by_slot = pools.by_slot
        items = []
        for index in range(max(0, start), min(stop, self.count)):
            h = _mix((index + key) & _M64)
            # The id's first 32 bits carry the index, so ids ascend strictly with it; the jitter
            # keeps them irregular. The external id's first 32 bits are a bijection of the index.
            head = index * step + (h >> 40) % step
            bodies = by_slot[index % 100]
            if bodies is None:
                error = (index // 100) % len(ERROR_TYPES)
                body = error_bodies[error][(h >> 12) & 255]
                if error == MISSING_EXTERNAL_ID:
                    items.append(b'{"id":"%08x%b","externalIdValue":null,%b' % (head, id_tails[h & 4095], body))
                    continue
            else:
                body = bodies[(h >> 12) & 4095]
            ext_head = ((index ^ ext_key) * 0x9E3779B1) & 0xFFFFFFFF
            items.append(
                b'{"id":"%08x%b","externalIdValue":"%08x%b",%b'
                % (head, id_tails[h & 4095], ext_head, ext_tails[(h >> 24) & 4095], body)
            )
        return b"[" + b",".join(items) + b"]"

    def item(self, index: int) -> dict[str, Any]:
        return orjson.loads(self.item_json(index))  # type: ignore[no-any-return]

    def items(self, start: int, stop: int) -> Iterator[dict[str, Any]]:
        for index in range(max(0, start), min(stop, self.count)):
            yield self.item(index)
