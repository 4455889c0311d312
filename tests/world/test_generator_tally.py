"""A generated activity's closed-form tally is exactly what counting its items one by one gives."""

from __future__ import annotations

import orjson
import pytest

from mockserver.world.items.generator import GeneratedActivity
from mockserver.world.items.pools import ItemPools
from mockserver.world.items.tally import Tally, parse_outcome_summary, tally_items

CHUNK = 20_000


def counted(generated: GeneratedActivity) -> Tally:
    pages = (orjson.loads(generated.page_json(start, start + CHUNK)) for start in range(0, generated.count, CHUNK))
    return tally_items(item for page in pages for item in page).normalised()


@pytest.mark.parametrize(
    ("count", "outcomes", "errors"),
    [
        (0, "sync", True),
        (1, "sync", True),
        (99, "sync", True),
        (100, "sync", True),
        (601, "sync", True),
        (777, "sync", False),
        (12_345, "export", True),
        (3_001, "export", False),
        # Past 4,096 rounds of 100 every slot has wrapped round its pool at least once.
        (409_600 + 4_321, "sync", True),
    ],
)
def test_closed_form_tally_equals_counting_every_item(count: int, outcomes: str, errors: bool) -> None:
    pools = ItemPools(11)
    generated = GeneratedActivity(pools, salt=f"activity-{count}", count=count, outcomes=outcomes, errors=errors)
    assert generated.tally().normalised() == counted(generated)


def test_without_errors_no_item_has_an_error_type() -> None:
    generated = GeneratedActivity(ItemPools(0), salt="clean", count=1_000, errors=False)
    assert not generated.tally().error_types
    assert counted(generated).items == 1_000


def test_export_runs_export_and_deprovision_only() -> None:
    generated = GeneratedActivity(ItemPools(0), salt="export", count=2_000, outcomes="export")
    assert set(generated.tally().outcomes) == {"Exported", "Deprovisioned"}


@pytest.mark.parametrize(
    "summary", ["", "Projected", "Projected:01", "Projected:-1", "Projected:1,", "A:1 ,B:2", "Joined:1.5"]
)
def test_malformed_outcome_summaries_are_rejected(summary: str) -> None:
    with pytest.raises(ValueError, match="Type:count"):
        parse_outcome_summary(summary)


def test_outcome_summary_pairs_are_parsed_in_order() -> None:
    assert parse_outcome_summary("Projected:1,AttributeFlow:12") == [("Projected", 1), ("AttributeFlow", 12)]
