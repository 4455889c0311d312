"""Writes fixtures/items/<seed activity>.json: the 248 items whose totals match the documented statistics.

Run once by a maintainer (`python scripts/build_seed_items.py`); the output is committed, so the
server never depends on this script. Re-running it reproduces the file byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

from mockserver.world.items.hashing import digest, external_id, uuid4_from_free_bits
from mockserver.world.items.names import display_name

ACTIVITY = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
OUT = Path(__file__).resolve().parent.parent / "fixtures" / "items" / f"{ACTIVITY}.json"

# The two items of the documentation page's example, verbatim; their ids are the lowest of the activity.
JANE = {
    "id": "b2c3d4e5-f6a7-8901-bcde-f12345678901",
    "externalIdValue": "a4f2e8c1-3b7d-4e9a-b5c6-d8f0e1a2b3c4",
    "displayName": "Jane Smith",
    "connectedSystemObjectType": "user",
    "objectChangeType": "Update",
    "errorType": None,
    "outcomeSummary": "AttributeFlow:12,PendingExportCreated:1",
}
JOHN = {
    "id": "c3d4e5f6-a7b8-9012-cdef-123456789012",
    "externalIdValue": "b5d3f9a2-4c8e-5f0b-a6d7-e9f1a2b3c4d5",
    "displayName": "John Doe",
    "connectedSystemObjectType": "user",
    "objectChangeType": "Add",
    "errorType": None,
    "outcomeSummary": "Projected:1,AttributeFlow:15,PendingExportCreated:2",
}

# Documented totals (CONTRACT.md, stats page): 15 Add, 230 Update, 3 Delete; outcome sums below.
ADDS, UPDATES, DELETES = 15, 230, 3
PROJECTED, JOINED, FLOWS, EXPORTS = 12, 3, 1540, 45


def above_john(index: int) -> str:
    """An id above John's, so the two documented items stay first in id order."""
    free = digest("seed-activity", "id", index) >> 6
    low = 0xC4 << 114  # first byte 0xc4.. keeps every id above "c3d4e5f6-..."
    return uuid4_from_free_bits(low + free % ((1 << 122) - low))


def build() -> list[dict[str, object]]:
    others = [
        ("Add", ADDS - 1),
        ("Update", UPDATES - 1),
        ("Delete", DELETES),
    ]
    kinds = [kind for kind, n in others for _ in range(n)]
    # Interleave change types deterministically rather than in blocks.
    kinds = [k for _, k in sorted((digest("seed-activity", "slot", i), k) for i, k in enumerate(kinds))]

    items: list[dict[str, object]] = []
    flows_left = FLOWS - 12 - 15
    exports_left = EXPORTS - 1 - 2 - DELETES
    projected_left = PROJECTED - 1
    flowing = [i for i, k in enumerate(kinds) if k != "Delete"]
    # Every flowing item gets 1..14 attribute flows, spread by weight, summing exactly to the total.
    extra_total = flows_left - len(flowing)
    weights = {i: 1 + digest("seed-activity", "flows", i) % 11 for i in flowing}
    base = {i: 1 + min(13, extra_total * weights[i] // sum(weights.values())) for i in flowing}
    for i in sorted(flowing, key=lambda i: -weights[i]) * 13:
        if sum(base.values()) == flows_left:
            break
        if base[i] < 14:
            base[i] += 1
    exporting = set(sorted(flowing, key=lambda i: digest("seed-activity", "export", i))[:exports_left])

    for i, kind in enumerate(kinds):
        h = digest("seed-activity", "item", i)
        object_type = "group" if h % 12 == 0 else "user"
        if kind == "Delete":
            summary = "PendingExportCreated:1"
        else:
            parts = []
            if kind == "Add":
                parts.append("Projected:1" if projected_left > 0 else "Joined:1")
                projected_left -= 1
            parts.append(f"AttributeFlow:{base[i]}")
            if i in exporting:
                parts.append("PendingExportCreated:1")
            summary = ",".join(parts)
        items.append(
            {
                "id": above_john(i),
                "externalIdValue": external_id(0, "seed-activity", i),
                "displayName": display_name(h >> 40, object_type),
                "connectedSystemObjectType": object_type,
                "objectChangeType": kind,
                "errorType": None,
                "outcomeSummary": summary,
            }
        )
    items.sort(key=lambda item: str(item["id"]))
    return [JANE, JOHN, *items]


def main() -> None:
    items = build()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(items, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(items)} items to {OUT}")


if __name__ == "__main__":
    main()
