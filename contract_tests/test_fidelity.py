"""Where the documentation and the real JIM server differ, each profile's side (docs/profiles.md: the drift report).

Every other test of the suite asks the profile how an answer looks; these pin the differences
themselves: vocabulary, the sort and filter parameters of execution items, the case of query
parameter names, JIM's exact validation messages and its security headers.
"""

from __future__ import annotations

import pytest

from contract_tests.target import Target

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


def test_change_types_are_the_profiles_vocabulary(target: Target) -> None:
    target.need_sandbox()  # the seed activity has items of all three change types
    activity = target.need("run_profile_id")
    seen: set[str] = set()
    for page in (1, 2, 3):
        seen |= {item["objectChangeType"] for item in target.items(activity, page=page, pageSize=100).json()["items"]}
    assert seen == target.profile.change_types


def paged(target: Target, collection: str) -> str:
    """The URL of a collection whose sortBy, sortDirection and filter JIM validates but ignores."""
    if collection == "items":
        return target.items_url(target.need("run_profile_id"))
    return target.activity_url(target.need("parent_activity_id"), "children")


@pytest.mark.parametrize("collection", ["items", "children"])
@pytest.mark.parametrize(
    ("params", "named", "message"),
    [
        ({"sortDirection": "DESC"}, "sortDirection", "Sort direction must be 'asc' or 'desc'."),
        ({"sortDirection": "up"}, "sortDirection", "Sort direction must be 'asc' or 'desc'."),
        ({"sortBy": "x" * 101}, "sortBy", "Sort property name must not exceed 100 characters."),
        ({"filter": "x" * 501}, "filter", "Filter string must not exceed 500 characters."),
    ],
)
def test_sort_and_filter_values_outside_jims_rules(
    target: Target, collection: str, params: dict[str, str], named: str, message: str
) -> None:
    url = paged(target, collection)
    response = target.admin(url, pageSize=5, **params)
    if target.profile.validates_sort_and_filter:
        assert target.assert_validation_error(response, named).errors[named] == [message]
    else:  # unknown parameters to the documented contract: ignored
        assert response.status_code == 200, response.text[:300]
        assert response.json() == target.admin(url, pageSize=5).json()


@pytest.mark.parametrize("collection", ["items", "children"])
def test_sort_and_filter_within_the_rules_change_nothing(target: Target, collection: str) -> None:
    url = paged(target, collection)
    plain = target.admin(url, pageSize=5)
    sorted_ = target.admin(url, pageSize=5, sortBy="x" * 100, sortDirection="desc", filter="y" * 500)
    assert sorted_.status_code == 200, sorted_.text[:300]
    assert sorted_.json() == plain.json(), "the order is fixed, whatever sortBy and sortDirection say"


def test_query_parameter_names_and_their_case(target: Target) -> None:
    response = target.get(target.items_url(target.need("run_profile_id")) + "?PAGE=2&PAGESIZE=5", key=target.api_key)
    assert response.status_code == 200, response.text[:300]
    body = response.json()
    expected = (2, 5) if target.profile.query_keys_fold_case else (1, 25)  # else unknown parameters, ignored
    assert (body["page"], body["pageSize"]) == expected


@pytest.mark.parametrize(("raw", "param"), [("abc", "page"), ("2147483648", "pageSize"), ("1.0", "page")])
def test_jims_messages_for_a_value_that_is_not_an_integer(target: Target, raw: str, param: str) -> None:
    if not target.profile.problem_details:
        pytest.skip("JIM's ASP.NET wording; the documented profile words its own (see test_paging)")
    response = target.items(target.need("run_profile_id"), **{param: raw})
    key = target.profile.key(param)
    assert target.assert_validation_error(response, param).errors[param] == [
        f"The value '{raw}' is not valid for {key}."
    ]


def test_jims_message_for_the_depth_ceiling(target: Target) -> None:
    if not target.profile.problem_details:
        pytest.skip("JIM's wording; the documented profile's is checked in test_paging")
    response = target.items(target.need("run_profile_id"), page=10_002, pageSize=100)
    assert target.assert_validation_error(response, "page").errors["page"] == [
        "Page 10,002 is beyond the maximum retrieval depth of 1,000,000 rows (the deepest page at a page size of "
        "100 is 10,001). Requests beyond this depth are rejected to protect database performance at scale; narrow "
        "the result set with a filter or search rather than paging so deep."
    ]


@pytest.mark.parametrize("case", ["200", "401", "403", "404", "400"])
def test_jims_security_headers_are_on_every_response(target: Target, case: str) -> None:
    if not target.profile.security_headers:
        pytest.skip("the documented contract leaves security headers to the server's --security-headers control")
    activity = target.need("run_profile_id")
    response = {
        "200": lambda: target.items(activity, pageSize=1),
        "401": lambda: target.get(target.items_url(activity)),
        "403": lambda: target.items(activity, key=target.need("reader_key")),
        "404": lambda: target.get("/api/v1/nothing", key=target.api_key),
        "400": lambda: target.items(activity, page="x"),
    }[case]()
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, (name, response.headers.get(name))
    policy = response.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, policy
