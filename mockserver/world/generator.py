"""Deterministic, realistic execution items computed from (seed, activity, index): any count costs no memory.

Generation is on the hot path of every page of a generated activity, so each item is assembled
from JSON fragments prepared once per seed (bodies with names and outcome summaries, GUID tails);
only the GUID heads are formatted per item. Bodies are taken from their pools in a fixed rotation,
so an activity's figures have a closed form (GeneratedActivity.tally).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import orjson

from mockserver.world.hashing import M64, digest, mix
from mockserver.world.pools import ERRORPOOL_SIZE_SIZE, POOL_SIZE, ItemPools, Pool, change_type_for
from mockserver.world.tally import Tally
from mockserver.world.vocabulary import ERROR_TYPES

MAX_COUNT = 2**32
"""Generated ids take their first 32 bits from the index, so at most 2**32 items keep them strictly ascending."""

MISSING_EXTERNAL_ID = ERROR_TYPES.index("MissingExternalIdAttributeValue")

MISSING_EXTERNAL_ID = ERROR_TYPES.index("MissingExternalIdAttributeValue")


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
        self._step = (1 << 32) // count if count else 1
        # Per slot: its pool (None for the error slot) and where in the pool it starts.
        self._slots: list[tuple[Pool | None, int]] = []
        for slot in range(100):
            kind = change_type_for(slot)
            pool = None if kind == "Error" and errors else pools.bodies(outcomes, "Update" if kind == "Error" else kind)
            self._slots.append((pool, self._offset(slot) % POOL_SIZE))
        self._error_offsets = [self._offset(100 + e) % ERRORPOOL_SIZE_SIZE for e in range(len(ERROR_TYPES))]

    def _offset(self, n: int) -> int:
        return mix(self._key ^ ((n + 1) * 0x9E3779B97F4A7C15 & M64))

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
                body = errors[error].bodies[(error_offsets[error] + round_ // len(ERROR_TYPES)) % ERRORPOOL_SIZE_SIZE]
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

    def tally(self, first: int | None = None) -> Tally:
        """The figures of all `count` items (or the `first` of them) in closed form: window sums over each slot's
        pool."""
        count = self.count if first is None else min(first, self.count)
        totals: Counter[str] = Counter()
        rounds, extra = divmod(count, 100)
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
