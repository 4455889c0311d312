"""The paging rows of the contract: defaults, capping, strict integers, the depth ceiling, past the last page."""

from __future__ import annotations

import pytest

from contract_tests.envelope import assert_page_laws, empty_first_page
from contract_tests.target import Target


def test_defaults_are_page_1_and_page_size_25(target: Target) -> None:
    response = target.items(target.need("run_profile_id"))
    assert response.status_code == 200
    assert_page_laws(response.json(), page=1, page_size=25)


def test_page_size_above_100_is_capped(target: Target) -> None:
    response = target.items(target.need("run_profile_id"), pageSize=101)
    assert response.status_code == 200
    assert_page_laws(response.json(), page=1, page_size=100)


@pytest.mark.parametrize("page_size", [0, -5, -2147483648])
def test_page_size_below_1_is_treated_as_25(target: Target, page_size: int) -> None:
    response = target.items(target.need("run_profile_id"), pageSize=page_size)
    assert response.status_code == 200
    assert_page_laws(response.json(), page=1, page_size=25)


@pytest.mark.parametrize("page", [0, -1, -2147483648])
def test_page_below_1_is_treated_as_1(target: Target, page: int) -> None:
    response = target.items(target.need("run_profile_id"), page=page, pageSize=10)
    assert response.status_code == 200
    assert_page_laws(response.json(), page=1, page_size=10)


FULLWIDTH_FIVE = "\uff15"  # a digit to Unicode, not to the contract


@pytest.mark.parametrize(
    "raw",
    ["abc", "", "1.0", "1e3", "+5", " 5", "0x10", FULLWIDTH_FIVE, "2147483648", "-2147483649", "99999999999999999999"],
)
@pytest.mark.parametrize("param", ["page", "pageSize"])
def test_non_integer_or_out_of_range_is_a_validation_error(target: Target, param: str, raw: str) -> None:
    response = target.items(target.need("run_profile_id"), **{param: raw})
    target.assert_validation_error(response, param)


def test_every_bad_parameter_is_reported_together(target: Target) -> None:
    if target.profile.non_guid_id_is_web_ui:  # a bad id is not a parameter JIM validates: its web UI answers
        response = target.items(target.need("run_profile_id"), page="x", pageSize="y")
        rejection = target.assert_validation_error(response, "page", "pageSize")
    else:
        response = target.get("/api/v1/activities/not-a-guid/items?page=x&pageSize=y", key=target.api_key)
        rejection = target.assert_validation_error(response, "id", "page", "pageSize")
    assert rejection.message == (None if target.profile.problem_details else "One or more validation errors occurred.")


@pytest.mark.parametrize(("raw", "value"), [("0000000000005", 5), ("-007", -7), ("0100", 100)])
def test_leading_zeros_are_still_an_integer(target: Target, raw: str, value: int) -> None:
    response = target.items(target.need("run_profile_id"), pageSize=raw)
    assert response.status_code == 200
    assert response.json()["pageSize"] == (25 if value < 1 else value)


@pytest.mark.parametrize(
    ("query", "param", "expected"), [("pageSize=3&pageSize=7", "pageSize", 3), ("page=2&page=1", "page", 2)]
)
def test_repeated_parameter_first_value_counts(target: Target, query: str, param: str, expected: int) -> None:
    url = target.items_url(target.need("run_profile_id")) + "?" + query
    response = target.get(url, key=target.api_key)
    assert response.status_code == 200
    assert response.json()[param] == expected


def test_repeated_parameter_is_judged_by_its_first_value(target: Target) -> None:
    url = target.items_url(target.need("run_profile_id")) + "?page=abc&page=1"
    target.assert_validation_error(target.get(url, key=target.api_key), "page")


def test_only_the_last_page_has_no_next_page(target: Target) -> None:
    activity = target.need("run_profile_id")
    total_pages = target.items(activity, pageSize=10).json()["totalPages"]
    assert total_pages >= 2, "needs an activity with more than 10 items"
    before_last = target.items(activity, page=total_pages - 1, pageSize=10).json()
    last = target.items(activity, page=total_pages, pageSize=10).json()
    assert before_last["hasNextPage"] is True
    assert last["hasNextPage"] is False and last["hasPreviousPage"] is True
    assert_page_laws(last, page=total_pages, page_size=10)


def test_unknown_query_parameters_are_ignored(target: Target) -> None:
    response = target.items(target.need("run_profile_id"), colour="blue", pageSize=5)
    assert response.status_code == 200
    assert_page_laws(response.json(), page=1, page_size=5)


@pytest.mark.parametrize(("page_size", "deepest"), [(100, 10_001), (25, 40_001), (1, 1_000_001), (7, 142_858)])
def test_depth_ceiling_allows_exactly_one_million_rows_skipped(target: Target, page_size: int, deepest: int) -> None:
    activity = target.need("large_activity_id")
    assert (deepest - 1) * page_size <= 1_000_000 < deepest * page_size
    ok = target.items(activity, page=deepest, pageSize=page_size)
    assert ok.status_code == 200, ok.text[:300]
    assert_page_laws(ok.json(), page=deepest, page_size=page_size)
    beyond = target.items(activity, page=deepest + 1, pageSize=page_size)
    rejection = target.assert_validation_error(beyond, "page")
    message = rejection.errors["page"][0]
    assert f"{deepest:,}" in message, message
    assert "1,000,000" in message, message
    if rejection.message is not None:  # the envelope: the ceiling's message leads when it is the only problem
        assert rejection.message == message


def test_depth_ceiling_is_reported_with_other_bad_parameters(target: Target) -> None:
    if not target.profile.depth_reported_with_others:
        # JIM checks the ceiling only once every parameter is good: a bad sortDirection is reported alone.
        response = target.items(target.need("run_profile_id"), page=10_002, pageSize=100, sortDirection="up")
        target.assert_validation_error(response, "sortDirection")
        return
    response = target.get("/api/v1/activities/not-a-guid/items?page=10002&pageSize=100", key=target.api_key)
    rejection = target.assert_validation_error(response, "id", "page")
    assert rejection.message == "One or more validation errors occurred."
    assert "10,001" in rejection.errors["page"][0]


def test_depth_ceiling_applies_to_any_activity(target: Target) -> None:
    response = target.items(target.need("run_profile_id"), page=10_002, pageSize=100)
    assert "10,001" in target.assert_validation_error(response, "page").errors["page"][0]


def test_depth_ceiling_uses_effective_page_size(target: Target) -> None:
    # pageSize 500 is capped to 100 before the ceiling is computed: page 10,001 is allowed.
    response = target.items(target.need("run_profile_id"), page=10_001, pageSize=500)
    assert response.status_code == 200
    assert_page_laws(response.json(), page=10_001, page_size=100)


def test_page_past_the_last_is_empty_with_the_true_total(target: Target) -> None:
    first = target.items(target.need("run_profile_id"), pageSize=10).json()
    past = target.items(target.need("run_profile_id"), page=first["totalPages"] + 3, pageSize=10)
    assert past.status_code == 200
    body = past.json()
    assert body["items"] == []
    if target.profile.true_total_past_last_page:
        assert body["totalCount"] == first["totalCount"]
    else:  # JIM: an empty collection, totalCount and totalPages 0, though there was a previous page
        assert (body["totalCount"], body["totalPages"], body["hasPreviousPage"]) == (0, 0, True), body
    assert_page_laws(body, page=first["totalPages"] + 3, page_size=10)


def test_activity_without_items_has_zero_pages(target: Target) -> None:
    response = target.items(target.need("empty_activity_id"), page=1, pageSize=10)
    assert response.status_code == 200
    assert response.json() == empty_first_page(10)


def test_walking_every_page_yields_each_item_once_in_id_order(target: Target) -> None:
    activity = target.need("run_profile_id")
    first = target.items(activity, page=1, pageSize=100).json()
    seen = [item["id"] for item in first["items"]]
    for page in range(2, first["totalPages"] + 1):
        body = target.items(activity, page=page, pageSize=100).json()
        assert_page_laws(body, page=page, page_size=100, total=first["totalCount"])
        seen += [item["id"] for item in body["items"]]
    assert len(seen) == first["totalCount"]
    assert len(set(seen)) == len(seen), "an item appeared twice"
    assert seen == sorted(seen)


def test_guid_is_matched_case_insensitively_and_echoed_lower(target: Target) -> None:
    activity = target.need("run_profile_id")
    lower = target.items(activity, pageSize=5)
    upper = target.items(activity.upper(), pageSize=5)
    assert upper.status_code == 200
    assert upper.json() == lower.json()
