"""Deterministic, realistic execution items computed from (seed, activity, index): any count costs no memory.

Generation is on the hot path of every page of a generated activity, so each item is assembled
from JSON fragments prepared once per seed (bodies with names and outcome summaries, GUID tails);
only the GUID heads are formatted per item. Bodies are taken from their pools in a fixed rotation,
so an activity's figures have a closed form (GeneratedActivity.tally).
"""

from __future__ import annotations

import struct
from binascii import hexlify
from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson

from mockserver.world.items.hashing import M64, digest, mix
from mockserver.world.items.pools import (
    AFTER_ID,
    ERROR_POOL_SIZE,
    NULL_EXTERNAL_ID,
    POOL_SIZE,
    ItemPools,
    Pool,
    change_type_for,
)
from mockserver.world.items.tally import Tally
from mockserver.world.vocabulary import ERROR_TYPES

MAX_COUNT = 2**32
"""Generated ids take their first 32 bits from the index, so at most 2**32 items keep them strictly ascending."""

MISSING_EXTERNAL_ID = ERROR_TYPES.index("MissingExternalIdAttributeValue")
ITEM_OPEN = b',{"id":"'
"""Every item but the first opens with the comma that separates it from the one before."""
FIRST_ITEM_OPEN = b'[{"id":"'
ERROR_SLOT = [b""] * POOL_SIZE
"""Stands in for the error slot's pool while a page's bodies are gathered, before the error pools fill it."""


def hex8(values: list[int]) -> list[bytes]:
    """Each value (below 2**32) as 8 lower-case hex digits, with one C call for the lot."""
    return hexlify(struct.pack(f">{len(values)}I", *values), b",", 4).split(b",")


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
        self._key = key & M64
        self._ext_key = (key >> 64) & 0xFFFFFFFF
        self._hash_key = self._key & ((1 << 62) - 1)
        self._step = (1 << 32) // count if count else 1
        # Per slot: its pool (None for the error slot) and where in the pool it starts.
        self._slots: list[tuple[Pool | None, int]] = []
        for slot in range(100):
            kind = change_type_for(slot)
            pool = None if kind == "Error" and errors else pools.bodies(outcomes, "Update" if kind == "Error" else kind)
            self._slots.append((pool, self._offset(slot) % POOL_SIZE))
        self._error_offsets = [self._offset(100 + e) % ERROR_POOL_SIZE for e in range(len(ERROR_TYPES))]
        # The same, as columns; the error slot's bodies come from the error pools (`_bodies`).
        self._error_slot = self._slots[99][0] is None
        self._slot_bodies = [pool.bodies if pool is not None else ERROR_SLOT for pool, _ in self._slots]
        self._slot_offsets = [offset for _, offset in self._slots]

    def _offset(self, n: int) -> int:
        return mix(self._key ^ ((n + 1) * 0x9E3779B97F4A7C15 & M64))

    def item_json(self, index: int) -> bytes:
        return self.page_json(index, index + 1)[1:-1]

    def page_json(self, start: int, stop: int) -> bytes:
        """The JSON array of items start..stop-1, in id order.

        The hot path of every generated page, so it works a column at a time: each column (heads,
        id ends, bodies, ...) is one comprehension or one C call, and the page is one join of the
        columns laid side by side. Equal, byte for byte, to formatting each item on its own (see
        tests/world/test_generator_pages.py).
        """
        start, stop = max(0, start), min(stop, self.count)
        if start >= stop:
            return b"[]"
        heads, id_ends, external_ends = self._hashed(start, stop)
        # The external id's first 32 bits are a bijection of the index.
        external_heads = hex8([((i ^ self._ext_key) * 0x9E3779B1) & 0xFFFFFFFF for i in range(start, stop)])
        bodies, missing = self._bodies(start, stop)
        for at in missing:
            # No external id: its head and end go, and the id's end says null.
            id_ends[at] = id_ends[at][: -len(AFTER_ID)] + NULL_EXTERNAL_ID
            external_heads[at] = external_ends[at] = b""
        # Six parts an item, laid side by side by slice assignment (no per-item Python), joined once.
        parts = [ITEM_OPEN] * (6 * len(bodies) + 1)
        parts[0], parts[-1] = FIRST_ITEM_OPEN, b"]"
        parts[1:-1:6], parts[2::6], parts[3::6], parts[4::6], parts[5::6] = (
            hex8(heads),
            id_ends,
            external_heads,
            external_ends,
            bodies,
        )
        return b"".join(parts)

    def _hashed(self, start: int, stop: int) -> tuple[list[int], list[bytes], list[bytes]]:
        """The id heads, id ends and external-id ends of items start..stop-1: what their hash decides."""
        pools, step = self.pools, self._step
        id_ends, external_ends = pools.id_ends, pools.external_ends
        low_jitter, low_id, low_external = pools.low_jitter, pools.low_id, pools.low_external
        heads: list[int] = []
        ids: list[bytes] = []
        externals: list[bytes] = []
        index = start
        while index < stop:
            # A run of items sharing the hash's mid and high entries: at most 4,096.
            end = min(stop, (index | 4095) + 1)
            upper = pools.hash_mid[(index >> 12) & 4095] ^ pools.hash_high[(index >> 24) & 255] ^ self._hash_key
            jitter, id_bits, external_bits = upper >> 40, upper & 4095, (upper >> 24) & 4095
            low, high = index & 4095, (index & 4095) + end - index
            # The id's first 32 bits carry the index, so ids ascend strictly with it; the jitter
            # keeps them irregular.
            heads += [
                i * step + (j ^ jitter) % step for i, j in zip(range(index, end), low_jitter[low:high], strict=True)
            ]
            ids += [id_ends[j ^ id_bits] for j in low_id[low:high]]
            externals += [external_ends[j ^ external_bits] for j in low_external[low:high]]
            index = end
        return heads, ids, externals

    def _bodies(self, start: int, stop: int) -> tuple[list[bytes], list[int]]:
        """The bodies of items start..stop-1, and the positions among them of items with no external id.

        Item `index` is slot `index % 100` of round `index // 100`; each slot walks its own pool."""
        bodies: list[bytes] = []
        missing: list[int] = []
        pools_of, offsets = self._slot_bodies, self._slot_offsets
        round_, slot = divmod(start, 100)
        index = start
        while index < stop:
            end = min(stop, index - slot + 100)
            last = slot + end - index
            bodies += [
                pool[(offset + round_) & 4095]
                for pool, offset in zip(pools_of[slot:last], offsets[slot:last], strict=True)
            ]
            if self._error_slot and last == 100:
                # The error slot takes the error types in turn, each walking its own pool.
                error = round_ % len(ERROR_TYPES)
                offset = self._error_offsets[error] + round_ // len(ERROR_TYPES)
                bodies[-1] = self.pools.errors[error].bodies[offset % ERROR_POOL_SIZE]
                if error == MISSING_EXTERNAL_ID:
                    missing.append(end - 1 - start)
            index, round_, slot = end, round_ + 1, 0
        return bodies, missing

    def tally(self, first: int | None = None) -> Tally:
        """The figures of all `count` items (or the `first` of them) in closed form: window sums over each slot's
        pool."""
        count = self.count if first is None else min(first, self.count)
        totals: Counter[str] = Counter()
        rounds, extra = divmod(count, 100)
        for slot, (pool, offset) in enumerate(self._slots):
            n = rounds + (1 if slot < extra else 0)
            if n == 0:
                continue  # a run of fewer than 100 items leaves slots empty: nothing to add
            if pool is not None:
                totals.update(pool.window(offset, n))
                continue
            # Error slot items take the error types in turn: round r has ERROR_TYPES[r % 6].
            kinds = len(ERROR_TYPES)
            for error, error_pool in enumerate(self.pools.errors):
                occurrences = n // kinds + (1 if error < n % kinds else 0)
                totals.update(error_pool.window(self._error_offsets[error], occurrences))
        tally = Tally(items=count)
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
