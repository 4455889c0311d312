"""Where the documentation and the real JIM server differ, each profile's side (docs/profiles.md: the drift report).

Every other test of the suite asks the profile how an answer looks; these pin the differences
themselves: vocabulary, the sort and filter parameters of the paged operations, sortBy's aliases,
past the last page, childActivityCount and the detail's counters, the case of query parameter
names, JIM's exact validation messages, content types, its version and security headers and its
503. The list's filters are in test_list_filters.py, progress in test_progress.py.
"""

from __future__ import annotations

import httpx
import pytest

from contract_tests.target import ACTIVITIES_URL, MISSING_ID, Target

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
        target.not_in_profile("JIM's ASP.NET wording; the documented profile words its own (see test_paging)")
    response = target.items(target.need("run_profile_id"), **{param: raw})
    key = target.profile.key(param)
    assert target.assert_validation_error(response, param).errors[param] == [
        f"The value '{raw}' is not valid for {key}."
    ]


def test_jims_message_for_the_depth_ceiling(target: Target) -> None:
    if not target.profile.problem_details:
        target.not_in_profile("JIM's wording; the documented profile's is checked in test_paging")
    response = target.items(target.need("run_profile_id"), page=10_002, pageSize=100)
    assert target.assert_validation_error(response, "page").errors["page"] == [
        "Page 10,002 is beyond the maximum retrieval depth of 1,000,000 rows (the deepest page at a page size of "
        "100 is 10,001). Requests beyond this depth are rejected to protect database performance at scale; narrow "
        "the result set with a filter or search rather than paging so deep."
    ]


@pytest.mark.parametrize("case", ["200", "401", "403", "404", "400"])
def test_jims_security_headers_are_on_every_response(target: Target, case: str) -> None:
    if not target.profile.security_headers:
        target.not_in_profile(
            "the documented contract leaves security headers to the server's --security-headers control"
        )
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


@pytest.mark.parametrize(
    ("alias", "key"),
    [("targetname", "target"), ("TARGET_NAME", "target"), ("targetType", "type"), ("target_type", "type")],
)
def test_sort_by_aliases(target: Target, alias: str, key: str) -> None:
    response = target.activities(sortBy=alias, pageSize=100)
    if target.profile.sort_by_aliases:  # ActivitiesController.MapSortBy, in any case
        assert response.status_code == 200, response.text[:300]
        assert response.json() == target.activities(sortBy=key, pageSize=100).json()
    else:
        target.assert_validation_error(response, "sortBy")


@pytest.mark.parametrize("sort_by", ["name", "executed"])
def test_a_sort_by_jim_has_no_order_for_is_the_created_order(target: Target, sort_by: str) -> None:
    response = target.activities(sortBy=sort_by, sortDirection="desc", pageSize=100)
    created = target.activities(sortBy="created", sortDirection="desc", pageSize=100).json()
    if target.profile.sort_by_aliases:  # unknown: MapSortBy's default; executed: no case in the repository's switch
        assert response.status_code == 200 and response.json() == created, response.text[:300]
    elif sort_by == "executed":
        executed = [row["executed"] for row in response.json()["items"]]
        assert executed != [row["executed"] for row in created["items"]], "the sandbox has an activity started late"
    else:
        target.assert_validation_error(response, "sortBy")


@pytest.mark.parametrize("collection", ["list", "children"])
def test_past_the_last_page_of_activities(target: Target, collection: str) -> None:
    url = ACTIVITIES_URL if collection == "list" else target.activity_url(target.need("parent_activity_id"), "children")
    first = target.admin(url, pageSize=1).json()
    past = target.admin(url, page=first["totalPages"] + 1, pageSize=1).json()
    assert past["items"] == [] and past["hasPreviousPage"] is True and past["hasNextPage"] is False
    if target.profile.true_total_past_last_page:
        assert (past["totalCount"], past["totalPages"]) == (first["totalCount"], first["totalPages"])
    else:  # JIM's repository: a page past the last is an empty collection (ActivitiesRepository.cs)
        assert (past["totalCount"], past["totalPages"]) == (0, 0)


def test_child_activity_count_in_rows_and_in_the_detail(target: Target) -> None:
    parent = target.need("parent_activity_id")
    children = target.admin(target.activity_url(parent, "children")).json()["totalCount"]
    row = next(r for r in target.activities(pageSize=100).json()["items"] if r["id"] == parent)
    detail = target.admin(target.activity_url(parent)).json()
    if target.profile.counts_children_in_rows:
        assert row["childActivityCount"] == detail["childActivityCount"] == children > 0
    else:  # rows from ActivityHeader.FromEntity(a), which leaves the count at 0; the detail has none
        assert row["childActivityCount"] == 0 and "childActivityCount" not in detail


def test_the_detail_has_counters_only_as_documented(target: Target) -> None:
    detail = target.admin(target.activity_url(target.need("run_profile_id"))).json()
    counters = {name for name in detail if name.startswith("total") and name != "totalActivityTime"}
    if "phases" in target.profile.detail_keys:  # JIM's ActivityDetailDto: the steps, and no counter at all
        assert counters == set() and isinstance(detail["phases"], list) and detail["phases"]
    else:
        assert counters == {name for name in target.profile.header_keys if name.startswith("total")} - {
            "totalActivityTime"
        }


@pytest.mark.parametrize("case", ["list", "detail", "stats", "progress", "404", "400 not a run"])
def test_what_an_operation_answers_carries_its_content_type_and_version_header(target: Target, case: str) -> None:
    run, other = target.need("run_profile_id"), target.need("non_run_profile_id")
    url, status = {
        "list": (ACTIVITIES_URL, 200),
        "detail": (target.activity_url(run), 200),
        "stats": (target.activity_url(run, "stats"), 200),
        "progress": (target.activity_url(run, "progress"), 200),
        "404": (target.activity_url(MISSING_ID), 404),
        "400 not a run": (target.items_url(other), 400),
    }[case]
    response = target.admin(url)
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == target.profile.json_type
    assert response.headers.get("api-supported-versions") == target.profile.api_versions


def test_jims_validation_problems_and_401_are_json_with_a_charset(target: Target) -> None:
    problem = target.items(target.need("run_profile_id"), page="x")
    unauthorised = target.get(target.items_url(target.need("run_profile_id")))
    for response in (problem, unauthorised):
        assert response.headers["content-type"] == target.profile.json_type, response.headers["content-type"]
        assert "api-supported-versions" not in response.headers, "the version filter never ran: no action did"


def test_the_503_of_a_database_outage_in_the_profiles_words(target: Target, forcing_faults: httpx.Client) -> None:
    headers = {"X-Api-Key": target.api_key, "Prefer": "code=503"}
    response = forcing_faults.get(target.items_url(target.need("run_profile_id")), headers=headers)
    body = target.assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert body["message"] == target.profile.unavailable_message
    assert response.headers["retry-after"] == "5"
