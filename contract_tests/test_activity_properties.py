"""Laws of the activity list and child activities, checked over HTTP with Hypothesis against oracles from the spec.

Paging: the same laws as execution items, for any raw page and pageSize. Sorting: for every
sortBy x sortDirection, a walk at any page size gives every activity once, in the key's order
(nulls last ascending, first descending), ties by id ascending. Search: exactly the activities
whose targetName, targetContext or initiatedByName contains the term, case-insensitively.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from contract_tests.target import ACTIVITIES_URL, Target
from contract_tests.test_properties import assert_contract_answer, page_and_size, query
from contract_tests.walk import walk

# The orders the spec's listActivities description gives for `status` and `type`.
STATUS_ORDER = ["InProgress", "Complete", "CompleteWithWarning", "CompleteWithError", "FailedWithError", "Cancelled"]
TYPE_ORDER = [
    "ExampleDataTemplate", "ConnectedSystem", "ConnectedSystemRunProfile", "SynchronisationRule", "MetaverseObject",
    "TrustedCertificate", "ObjectMatchingRule", "MetaverseAttribute", "ServiceSetting", "HistoryRetentionCleanup",
    "MetaverseObjectType", "System", "Schedule",
]  # fmt: skip
SORT_BY = [None, "created", "executed", "status", "type", "target"]
DIRECTIONS = [None, "asc", "desc"]
SEARCHED = ("targetName", "targetContext", "initiatedByName")


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def nullable(value: Any) -> tuple[bool, Any]:
    """A null sorts after every value."""
    return (value is None, value if value is not None else 0)


KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "created": lambda a: moment(a["created"]),
    "executed": lambda a: nullable(moment(a["executed"]) if a["executed"] else None),
    "status": lambda a: STATUS_ORDER.index(a["status"]),
    "type": lambda a: TYPE_ORDER.index(a["targetType"]),
    "target": lambda a: nullable(a["targetName"]),
}


def expected_order(activities: list[dict[str, Any]], sort_by: str | None, direction: str | None) -> list[str]:
    """The ids in the contract's order, computed with two stable sorts: by id, then by the key."""
    key = KEYS[sort_by or "created"]
    by_id = sorted(activities, key=lambda a: a["id"])
    return [a["id"] for a in sorted(by_id, key=key, reverse=direction == "desc")]


def sort_params(sort_by: str | None, direction: str | None) -> dict[str, str]:
    return {name: value for name, value in (("sortBy", sort_by), ("sortDirection", direction)) if value is not None}


def matches(activity: dict[str, Any], term: str) -> bool:
    if not term or term.isspace():
        return True
    return any(term.lower() in (activity[field] or "").lower() for field in SEARCHED)


@pytest.fixture(scope="module")
def listed(target: Target) -> list[dict[str, Any]]:
    """Every top-level activity, walked once in the default order."""
    return walk(target, ACTIVITIES_URL, "headers")


@pytest.fixture(scope="module", params=["list", "children"])
def paged_url(request: pytest.FixtureRequest, target: Target) -> str:
    if request.param == "list":
        return ACTIVITIES_URL
    return target.activity_url(target.need("parent_activity_id"), "children")


@given(page_and_size=page_and_size)
@example(page_and_size=("0", "0"))
@example(page_and_size=("10001", "101"))
@example(page_and_size=("x", "y"))
def test_any_page_and_page_size_get_the_paging_laws_or_a_validation_error(
    target: Target, paged_url: str, page_and_size: tuple[str | None, str | None]
) -> None:
    page, page_size = page_and_size
    total = target.admin(paged_url, pageSize=1).json()["totalCount"]
    response = target.admin(paged_url, **query(page, page_size))
    assert_contract_answer(target, response, page, page_size, total, rows="headers")


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("sort_by", SORT_BY)
@settings(max_examples=min(settings().max_examples, 8))  # each example walks the whole list
@given(page_size=st.one_of(st.integers(1, 100), st.integers(101, 2**31 - 1)))
@example(page_size=1)
def test_walking_the_list_at_any_page_size_gives_every_activity_once_in_the_sort_order(
    target: Target, listed: list[dict[str, Any]], sort_by: str | None, direction: str | None, page_size: int
) -> None:
    walked = walk(target, ACTIVITIES_URL, "headers", page_size=page_size, **sort_params(sort_by, direction))
    ids = [a["id"] for a in walked]
    assert sorted(ids) == sorted(a["id"] for a in listed), "the sorted walk does not hold exactly the listed activities"
    assert ids == expected_order(walked, target.profile.sort_key(sort_by), direction)


def search_terms(listed: list[dict[str, Any]]) -> st.SearchStrategy[str]:
    """Pieces of the searched fields, in any case, and arbitrary text."""
    values = sorted({a[field] for a in listed for field in SEARCHED if a[field]})
    if not values:
        return st.text(st.characters(codec="utf-8"))
    pieces = st.sampled_from(values).flatmap(
        lambda v: st.tuples(st.integers(0, len(v) - 1), st.integers(1, len(v))).map(lambda ij: v[ij[0] : ij[0] + ij[1]])
    )
    recased = st.tuples(pieces, st.booleans()).map(lambda pb: pb[0].upper() if pb[1] else pb[0].swapcase())
    fixed = st.sampled_from(["", " ", "  ", "LDAP", "ldap "])
    return st.one_of(pieces, recased, fixed, st.text(st.characters(codec="utf-8")))


@given(data=st.data())
def test_search_returns_exactly_the_matching_activities_in_list_order(
    target: Target, listed: list[dict[str, Any]], data: st.DataObject
) -> None:
    term = data.draw(search_terms(listed), label="search")
    sort_by = data.draw(st.sampled_from(SORT_BY), label="sortBy")
    direction = data.draw(st.sampled_from(DIRECTIONS), label="sortDirection")
    params = sort_params(sort_by, direction)
    found = walk(target, ACTIVITIES_URL, "headers", search=term, **params)
    everything = walk(target, ACTIVITIES_URL, "headers", **params)
    assert all(matches(a, term) for a in found), f"an activity that does not match {term!r} was returned"
    assert [a["id"] for a in found] == [a["id"] for a in everything if matches(a, term)], (
        f"a matching activity is missing for {term!r}, or the order changed"
    )
