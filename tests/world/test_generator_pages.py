"""A generated page is its items' formula, byte for byte, whatever window of the activity it covers."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockserver.world.items.generator import MISSING_EXTERNAL_ID, GeneratedActivity
from mockserver.world.items.pools import ERROR_POOL_SIZE, ItemPools
from mockserver.world.vocabulary import ERROR_TYPES

POOLS = ItemPools(7)


def formula(generated: GeneratedActivity, index: int) -> bytes:
    """Item `index` as the generator defines it, one item at a time: the slow, obvious way."""
    pools = generated.pools
    key = generated._key & ((1 << 62) - 1)
    h = pools.hash_low[index & 4095] ^ pools.hash_mid[(index >> 12) & 4095] ^ pools.hash_high[(index >> 24) & 255]
    h ^= key
    step = generated._step
    head = index * step + (h >> 40) % step
    pool, offset = generated._slots[index % 100]
    round_ = index // 100
    if pool is None:
        error = round_ % len(ERROR_TYPES)
        body = pools.errors[error].bodies[
            (generated._error_offsets[error] + round_ // len(ERROR_TYPES)) % ERROR_POOL_SIZE
        ]
        if error == MISSING_EXTERNAL_ID:
            return b'{"id":"%08x%b","externalIdValue":null,%b' % (head, pools.id_tails[h & 4095], body)
    else:
        body = pool.bodies[(offset + round_) % 4096]
    external = ((index ^ generated._ext_key) * 0x9E3779B1) & 0xFFFFFFFF
    tail, external_tail = pools.id_tails[h & 4095], pools.ext_tails[(h >> 24) & 4095]
    return b'{"id":"%08x%b","externalIdValue":"%08x%b",%b' % (head, tail, external, external_tail, body)


def by_formula(generated: GeneratedActivity, start: int, stop: int) -> bytes:
    return b"[" + b",".join(formula(generated, i) for i in range(max(0, start), min(stop, generated.count))) + b"]"


LARGE = GeneratedActivity(POOLS, salt="large", count=1_500_000)
ACTIVITIES = [
    LARGE,
    GeneratedActivity(POOLS, salt="no-errors", count=5_000, errors=False),
    GeneratedActivity(POOLS, salt="export", count=20_000, outcomes="export"),
    GeneratedActivity(POOLS, salt="one", count=1),
]


@pytest.mark.parametrize(
    ("start", "stop"),
    [
        (0, 100),
        (0, 1),
        (99, 100),  # the error slot alone
        (550, 650),  # across a round: one error slot inside
        (4_046, 4_146),  # across a block of 4,096: the hash's upper entries change mid-page
        (1_499_950, 1_500_050),  # past the end: cut at the count
        (-5, 10),
        (10, 10),
        (0, 1_000),
    ],
)
@pytest.mark.parametrize("generated", ACTIVITIES, ids=lambda g: f"{g.count}")
def test_a_page_is_its_items_formula(generated: GeneratedActivity, start: int, stop: int) -> None:
    assert generated.page_json(start, stop) == by_formula(generated, start, stop)


@settings(max_examples=200, deadline=None)
@given(start=st.integers(0, LARGE.count), size=st.integers(0, 250))
def test_any_window_of_the_large_activity_is_its_items_formula(start: int, size: int) -> None:
    assert LARGE.page_json(start, start + size) == by_formula(LARGE, start, start + size)


def test_items_without_an_external_id_are_in_the_pages() -> None:
    # Round r's error slot has error type r % 6; the missing external id is one of them.
    index = 100 * MISSING_EXTERNAL_ID + 99
    (item,) = orjson.loads(LARGE.page_json(index, index + 1))
    assert item["externalIdValue"] is None and item["errorType"] == "MissingExternalIdAttributeValue"
