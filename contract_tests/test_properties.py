"""Laws checked over HTTP with Hypothesis, against an oracle written from the contract rather than from the server."""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import httpx
import pytest
from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from contract_tests.envelope import assert_page_laws, comparable
from contract_tests.target import MISSING_ID, Target

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
MAX_DEPTH = 1_000_000
MALFORMED_ID = "not-a-guid"
UNKNOWN_KEY = "jim_ak_not_a_key_of_this_server"
ALL_ERRORS = "One or more validation errors occurred."

# --- An oracle for the contract's query-parameter rules, written from CONTRACT.md, not from mockserver ---


def as_int32(raw: str) -> int | None:
    """The contract's integer: an optional '-' and ASCII digits whose value is in the 32-bit signed range."""
    if re.fullmatch(r"-?[0-9]+", raw) is None or len(raw.lstrip("-").lstrip("0")) > 10:
        return None  # more than 10 significant digits is out of range (and too long for int() to take)
    value = int(raw)
    return value if INT32_MIN <= value <= INT32_MAX else None


def query(page: str | None, page_size: str | None) -> dict[str, str]:
    """The query string, leaving out a parameter drawn as None."""
    return {name: raw for name, raw in (("page", page), ("pageSize", page_size)) if raw is not None}


def assert_contract_answer(
    target: Target, response: httpx.Response, page: str | None, page_size: str | None, total: int, rows: str = "items"
) -> None:
    """The answer is the one the contract prescribes for these raw parameters, and nothing else."""
    bad = [name for name, raw in (("page", page), ("pageSize", page_size)) if raw is not None and as_int32(raw) is None]
    if bad:
        rejection = target.assert_validation_error(response, *bad)
        # Problem details carry only their fixed title; the envelope's message is the generic one here.
        assert rejection.message == (None if target.profile.problem_details else ALL_ERRORS), rejection.message
        return
    requested_page = 1 if page is None else as_int32(page)
    requested_size = 25 if page_size is None else as_int32(page_size)
    assert requested_page is not None and requested_size is not None
    effective_page = max(requested_page, 1)
    effective_size = 25 if requested_size < 1 else min(requested_size, 100)
    if (effective_page - 1) * effective_size > MAX_DEPTH:
        message = target.assert_validation_error(response, "page").errors["page"][0]
        deepest = MAX_DEPTH // effective_size + 1
        assert f"{deepest:,}" in message and "1,000,000" in message, message
        return
    assert response.status_code == 200, f"expected 200, got {response.status_code}: {response.text[:300]}"
    assert response.headers["content-type"] == target.profile.json_type
    body = response.json()
    pages = math.ceil(total / effective_size)
    if not target.profile.true_total_past_last_page and effective_page > pages:
        total = pages = 0  # JIM's rule past the last page of every paged operation
    assert_page_laws(
        body, page=effective_page, page_size=effective_size, total=total, rows=rows, profile=target.profile
    )
    # The laws, restated from the oracle's side so a wrong totalCount cannot hide a wrong count of items.
    assert body["totalPages"] == pages
    assert len(body["items"]) == max(0, min(effective_size, total - (effective_page - 1) * effective_size))


# --- Strategies: raw query values, as the strings that go on the wire ---

integers = st.one_of(
    st.integers(-3, 120),  # around the defaults and the cap
    st.integers(1, MAX_DEPTH + 2),  # deep pages, up to and past the ceiling at any size
    st.integers(INT32_MIN, INT32_MAX),
    st.sampled_from([INT32_MIN, INT32_MAX, INT32_MIN - 1, INT32_MAX + 1]),
    st.integers(),  # anywhere, far outside int32 too
).map(str)
zero_padded = st.builds(
    lambda sign, zeros, n: f"{sign}{'0' * zeros}{n}",
    st.sampled_from(["", "-"]),
    st.integers(1, 20),
    st.integers(0, 2**32),
)
not_integers = st.one_of(
    st.sampled_from(["", "-", "--1", "1.0", "1e3", "+5", " 5", "5 ", "0x10", "1_000", "Infinity", "NaN"]),
    st.sampled_from(["\uff15", "\u0663", "\u00b2", "1\u0663"]),  # fullwidth 5, Arabic-Indic 3, superscript 2
    st.floats().map(str),
    st.text(st.characters(categories=["Nd"]), min_size=1),  # digits of every script
    st.text(st.characters(codec="utf-8")),
)
raw_param = st.one_of(st.none(), integers, zero_padded, not_integers)
"""One query value: None leaves the parameter out."""
deep_within_ceiling = st.integers(1, 100).flatmap(
    lambda size: st.tuples(st.integers(1_000, MAX_DEPTH // size + 1).map(str), st.just(str(size)))
)
"""Deep pages the ceiling allows, which have items on an activity with over a million of them."""
page_and_size = st.one_of(st.tuples(raw_param, raw_param), deep_within_ceiling)


@pytest.fixture(scope="session")
def total_of(target: Target) -> Callable[[str], int]:
    """An activity's totalCount, asked once per session."""
    totals: dict[str, int] = {}

    def total(activity: str) -> int:
        if activity not in totals:
            response = target.items(activity, pageSize=1)
            assert response.status_code == 200, response.text[:300]
            totals[activity] = response.json()["totalCount"]
        return totals[activity]

    return total


@pytest.fixture(scope="module", params=["run_profile_id", "large_activity_id"])
def paged_activity(request: pytest.FixtureRequest, target: Target) -> str:
    """The run-profile activity, then the one with over a million items (so deep pages have items).

    A fixture, so a missing option skips at setup rather than inside Hypothesis's explicit examples.
    """
    return target.need(request.param)


@pytest.fixture(scope="session")
def walk_at_100(target: Target) -> list[str]:
    """The ids of the run-profile activity, walked once at pageSize 100: the sequence every other walk must give."""
    activity = target.need("run_profile_id")
    first = target.items(activity, page=1, pageSize=100).json()
    ids = [item["id"] for item in first["items"]]
    for page in range(2, first["totalPages"] + 1):
        ids += [item["id"] for item in target.items(activity, page=page, pageSize=100).json()["items"]]
    return ids


# --- 1. Any page and pageSize ---


@given(page_and_size=page_and_size)
@example(page_and_size=("0", "0"))
@example(page_and_size=("10001", "101"))  # the ceiling uses the capped size: allowed
@example(page_and_size=("1000002", "1"))
@example(page_and_size=("x", "y"))
# Leading zeros do not make a value leave the 32-bit range: "0000000000005" is 5. The server rejected
# any value longer than 12 characters (a length shortcut in its int32 parser).
@example(page_and_size=("0000000000005", "25"))
@example(page_and_size=("1", "-0000000000001"))
def test_any_page_and_page_size_get_the_paging_laws_or_a_validation_error(
    target: Target, total_of: Callable[[str], int], paged_activity: str, page_and_size: tuple[str | None, str | None]
) -> None:
    page, page_size = page_and_size
    response = target.items(paged_activity, **query(page, page_size))
    event(f"status {response.status_code}")
    if response.status_code == 200 and response.json()["items"] and response.json()["page"] > 1000:
        event("a page past 1,000 with items")
    assert_contract_answer(target, response, page, page_size, total_of(paged_activity))


# --- 2. Walking every page ---


@settings(max_examples=min(settings().max_examples, 25))  # each example walks up to 248 pages
@given(page_size=st.one_of(st.integers(1, 100), st.integers(101, INT32_MAX)))
@example(page_size=1)  # the longest walk: one item per page
@example(page_size=101)  # capped to 100
def test_walking_every_page_at_any_page_size_yields_each_item_once_in_id_order(
    target: Target, walk_at_100: list[str], page_size: int
) -> None:
    activity = target.need("run_profile_id")
    size = min(page_size, 100)
    first = target.items(activity, page=1, pageSize=page_size)
    assert first.status_code == 200, first.text[:300]
    total = first.json()["totalCount"]
    ids: list[str] = []
    for page in range(1, math.ceil(total / size) + 1):
        response = first if page == 1 else target.items(activity, page=page, pageSize=page_size)
        assert response.status_code == 200, response.text[:300]
        body = response.json()
        assert_page_laws(body, page=page, page_size=size, total=total)
        ids += [item["id"] for item in body["items"]]
    assert len(ids) == total
    assert ids == sorted(set(ids)), "items repeat or are not in ascending id order across pages"
    assert ids == walk_at_100, f"the walk at pageSize {page_size} differs from the walk at pageSize 100"


# --- 3. The depth ceiling at its boundary ---


@pytest.mark.parametrize("page_size", range(1, 101))
def test_depth_ceiling_holds_at_its_boundary_for_every_page_size(
    target: Target, total_of: Callable[[str], int], page_size: int
) -> None:
    activity = target.need("large_activity_id")
    deepest = MAX_DEPTH // page_size + 1
    allowed = target.items(activity, page=deepest, pageSize=page_size)
    assert allowed.status_code == 200, allowed.text[:300]
    assert_page_laws(allowed.json(), page=deepest, page_size=page_size, total=total_of(activity))
    beyond = target.items(activity, page=deepest + 1, pageSize=page_size)
    message = target.assert_validation_error(beyond, "page").errors["page"][0]
    assert f"{deepest:,}" in message and "1,000,000" in message, message


# --- 4. The auth matrix ---

KEY_STATES = ["missing", "empty", "unknown", "disabled", "expired", "reader", "admin"]
REJECTED = {
    "missing": (401, "UNAUTHORISED"),
    "empty": (401, "UNAUTHORISED"),
    "unknown": (401, "UNAUTHORISED"),
    "disabled": (401, "UNAUTHORISED"),
    "expired": (401, "UNAUTHORISED"),
    "reader": (403, "FORBIDDEN"),
}
ACTIVITIES = ["existing", "unknown", "malformed"]


def key_for(target: Target, state: str) -> str | None:
    """The X-Api-Key value for a key state; None sends no header."""
    if state in ("disabled", "expired", "reader"):
        return target.need(f"{state}_key")
    return {"missing": None, "empty": "", "unknown": UNKNOWN_KEY, "admin": target.api_key}[state]


def activity_for(target: Target, which: str) -> str:
    return {"existing": target.need("run_profile_id"), "unknown": MISSING_ID, "malformed": MALFORMED_ID}[which]


@pytest.mark.parametrize("activity", ACTIVITIES)
@pytest.mark.parametrize("state", KEY_STATES)
def test_auth_matrix_gives_the_contract_status(target: Target, state: str, activity: str) -> None:
    response = target.get(target.items_url(activity_for(target, activity)), key=key_for(target, state))
    if activity == "malformed":
        target.assert_non_guid_answer(response, *REJECTED.get(state, (400, "VALIDATION_ERROR")))
    elif state in REJECTED:
        target.assert_error(response, *REJECTED[state])
    elif activity == "existing":
        assert response.status_code == 200, response.text[:300]
    else:
        target.assert_error(response, 404, "NOT_FOUND")


@pytest.mark.parametrize("state", list(REJECTED))
def test_401_and_403_bodies_do_not_depend_on_the_activity(target: Target, state: str) -> None:
    key = key_for(target, state)
    # A malformed id is not an activity to JIM (its web UI answers), so it is compared in the documented profile only.
    kinds = ACTIVITIES if not target.profile.non_guid_id_is_web_ui else ["existing", "unknown"]
    answers = [target.get(target.items_url(activity_for(target, a)), key=key) for a in kinds]
    for answer in answers:
        target.assert_error(answer, *REJECTED[state])
    bodies = [comparable(answer) for answer in answers]
    assert bodies[1:] == bodies[:-1], f"the {state} answer tells {', '.join(kinds)} ids apart: {bodies}"


# --- 5. Repeatability and HEAD ---


@given(page_and_size=page_and_size)
def test_the_same_request_twice_gives_the_same_answer(
    target: Target, paged_activity: str, page_and_size: tuple[str | None, str | None]
) -> None:
    page, page_size = page_and_size
    first, second = (target.items(paged_activity, **query(page, page_size)) for _ in range(2))
    assert first.status_code == second.status_code
    assert first.headers.get("content-type") == second.headers.get("content-type")
    if first.status_code == 200:
        assert first.content == second.content
    else:
        assert comparable(first) == comparable(second)


HEAD_CASES: dict[str, tuple[str | None, str, dict[str, object]]] = {
    # case: (key option or None for no header, activity option or literal id, query)
    "200": ("api_key", "run_profile_id", {"pageSize": 7}),
    "200-past-the-last-page": ("api_key", "run_profile_id", {"page": 100_000}),
    "400-validation": ("api_key", "run_profile_id", {"page": "x"}),
    "400-depth-ceiling": ("api_key", "run_profile_id", {"page": 10_002, "pageSize": 100}),
    "400-bad-request": ("api_key", "non_run_profile_id", {}),
    "404": ("api_key", MISSING_ID, {}),
    "401": (None, "run_profile_id", {}),
    "403": ("reader_key", "run_profile_id", {}),
}


@pytest.mark.parametrize("case", list(HEAD_CASES))
def test_head_gives_get_status_and_headers_without_a_body(target: Target, case: str) -> None:
    key_option, activity_option, params = HEAD_CASES[case]
    activity = activity_option if activity_option == MISSING_ID else target.need(activity_option)
    headers = {"X-Api-Key": target.need(key_option)} if key_option else {}
    url = target.items_url(activity)
    get = target.client.get(url, headers=headers, params=params)  # type: ignore[arg-type]
    head = target.client.head(url, headers=headers, params=params)  # type: ignore[arg-type]
    assert head.status_code == get.status_code
    assert head.content == b""
    for name in ("content-type", "content-length"):
        assert head.headers.get(name) == get.headers.get(name), name
