"""Deterministic, realistic execution items computed from (seed, activity, index), so an activity of any size costs no memory."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

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

_UUID_FREE_BITS = 122  # 128 less the version nibble and the two variant bits
_LOW62 = (1 << 62) - 1


def digest(*parts: object) -> int:
    """A 128-bit integer that depends only on the parts (blake2b, so stable across runs and machines)."""
    text = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=16).digest(), "big")


def uuid4_from_free_bits(free: int) -> str:
    """Lay 122 bits out as a version-4 UUID; the order of `free` is the order of the resulting strings."""
    high48 = free >> 74
    mid12 = (free >> 62) & 0xFFF
    value = (high48 << 80) | (0x4 << 76) | (mid12 << 64) | (0b10 << 62) | (free & _LOW62)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def ordered_id(seed: int, salt: str, index: int, count: int) -> str:
    """The id of item `index` of `count`: random-looking, yet strictly ascending with the index."""
    step = (1 << _UUID_FREE_BITS) // count
    return uuid4_from_free_bits(index * step + digest(seed, salt, "id", index) % step)


def external_id(seed: int, salt: str, index: int) -> str:
    return uuid4_from_free_bits(digest(seed, salt, "ext", index) >> 6)


def display_name(h: int, object_type: str) -> str:
    if object_type == "group":
        return f"{GROUP_AREAS[h % len(GROUP_AREAS)]} {GROUP_KINDS[(h >> 8) % len(GROUP_KINDS)]}"
    return f"{FIRST_NAMES[h % len(FIRST_NAMES)]} {LAST_NAMES[(h >> 8) % len(LAST_NAMES)]}"


def outcome_summary(change_type: str, h: int) -> str | None:
    """An outcome summary consistent with the change type: adds project or join, updates flow, deletes disconnect."""
    flows = 1 + (h >> 16) % 14
    exports = (h >> 24) % 3
    if change_type == "Add":
        first = "Projected:1" if (h >> 32) % 4 else "Joined:1"
        parts = [first, f"AttributeFlow:{flows}"]
    elif change_type == "Update":
        parts = [f"AttributeFlow:{flows}"]
    else:
        parts = ["Disconnected:1"]
    if exports:
        parts.append(f"PendingExportCreated:{exports}")
    return ",".join(parts)


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


def generated_item(seed: int, salt: str, index: int, count: int) -> dict[str, Any]:
    """Item `index` of a generated activity; every field present, computed in O(1)."""
    h = digest(seed, salt, "item", index)
    object_type = "group" if h % 10 == 0 else "user"
    change = change_type_for(index)
    error_type: str | None = None
    summary: str | None
    if change == "Error":
        error_type = ERROR_TYPES[(index // 100) % len(ERROR_TYPES)]
        change = "Update"
        summary = None
    else:
        summary = outcome_summary(change, h)
    return {
        "id": ordered_id(seed, salt, index, count),
        "externalIdValue": None if error_type == "MissingExternalIdAttributeValue" else external_id(seed, salt, index),
        "displayName": display_name(h >> 40, object_type),
        "connectedSystemObjectType": object_type,
        "objectChangeType": change,
        "errorType": error_type,
        "outcomeSummary": summary,
    }


def generated_items(seed: int, salt: str, start: int, stop: int, count: int) -> Iterator[dict[str, Any]]:
    for index in range(max(0, start), min(stop, count)):
        yield generated_item(seed, salt, index, count)
