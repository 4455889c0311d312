"""The rows of the contract for the activity list, detail, statistics, children and version."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from contract_tests.envelope import assert_page_laws, empty_first_page
from contract_tests.target import ACTIVITIES_URL, MISSING_ID, Target

STATS_ONLY_FOR_RUN_PROFILES = "Execution statistics are only available for Run Profile activities."
SEED = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"

# Each activity operation, as the URL for an activity id (the list ignores it).
OPERATIONS: dict[str, Callable[[Target, str], str]] = {
    "list": lambda target, activity: ACTIVITIES_URL,
    "detail": lambda target, activity: target.activity_url(activity),
    "stats": lambda target, activity: target.activity_url(activity, "stats"),
    "children": lambda target, activity: target.activity_url(activity, "children"),
    "progress": lambda target, activity: target.activity_url(activity, "progress"),
}
BY_ID = [name for name in OPERATIONS if name != "list"]


@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_every_activity_operation_needs_a_key(target: Target, operation: str) -> None:
    url = OPERATIONS[operation](target, target.need("run_profile_id"))
    target.assert_error(target.get(url), 401, "UNAUTHORISED")
    target.assert_error(target.get(url, key="jim_ak_not_a_key"), 401, "UNAUTHORISED")


@pytest.mark.parametrize("activity", ["run_profile_id", MISSING_ID, "not-a-guid"])
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_every_activity_operation_is_403_for_a_reader_whatever_the_activity(
    target: Target, operation: str, activity: str
) -> None:
    activity_id = target.need(activity) if activity == "run_profile_id" else activity
    response = target.get(OPERATIONS[operation](target, activity_id), key=target.need("reader_key"))
    if activity == "not-a-guid" and operation != "list":
        target.assert_non_guid_answer(response, 403, "FORBIDDEN")
    else:
        target.assert_error(response, 403, "FORBIDDEN")


@pytest.mark.parametrize("operation", BY_ID)
def test_unknown_activity_is_404_naming_it_in_lower_case(target: Target, operation: str) -> None:
    body = target.assert_error(target.admin(OPERATIONS[operation](target, MISSING_ID.upper())), 404, "NOT_FOUND")
    assert body["message"] == f"Activity with ID {MISSING_ID} not found."


@pytest.mark.parametrize("operation", BY_ID)
def test_malformed_id_is_a_validation_error_naming_id(target: Target, operation: str) -> None:
    target.assert_non_guid_answer(target.admin(OPERATIONS[operation](target, "not-a-guid")))


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("operation", [*OPERATIONS, "version"])
def test_other_methods_are_405_with_allow(target: Target, operation: str, method: str) -> None:
    url = "/api/v1/health/version" if operation == "version" else OPERATIONS[operation](target, MISSING_ID)
    response = target.client.request(method, url, headers={"X-Api-Key": target.api_key})
    target.assert_error(response, 405, "METHOD_NOT_ALLOWED")
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "HEAD"} <= allowed and method not in allowed


@pytest.mark.parametrize("key", [None, "jim_ak_anything"])
def test_version_needs_no_key_and_names_the_product(target: Target, key: str | None) -> None:
    response = target.get("/api/v1/health/version", key=key)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"product", "version"}
    assert body["product"] == "JIM" and isinstance(body["version"], str) and body["version"]


def test_version_is_the_same_bytes_every_time(target: Target) -> None:
    assert target.get("/api/v1/health/version").content == target.get("/api/v1/health/version").content


def test_health_answers_with_a_key_too(target: Target) -> None:
    # Connect-JIM sends its key to /api/v1/health as to every endpoint.
    assert target.get("/api/v1/health", key=target.api_key).status_code == 200


def test_run_profile_detail_carries_its_statistics(target: Target) -> None:
    activity = target.need("run_profile_id")
    detail = target.admin(target.activity_url(activity))
    stats = target.admin(target.activity_url(activity, "stats"))
    assert detail.status_code == stats.status_code == 200
    assert set(detail.json()) == target.profile.detail_keys
    assert set(stats.json()) == target.profile.stats_keys
    assert detail.json()["executionStats"] == stats.json()


def test_other_activities_have_null_statistics_and_stats_is_400_bad_request(target: Target) -> None:
    activity = target.need("non_run_profile_id")
    detail = target.admin(target.activity_url(activity))
    assert detail.status_code == 200
    assert detail.json()["executionStats"] is None
    body = target.assert_error(target.admin(target.activity_url(activity, "stats")), 400, "BAD_REQUEST")
    assert body["message"] == STATS_ONLY_FOR_RUN_PROFILES
    assert body["validationErrors"] is None


def test_children_are_the_activities_naming_the_parent_in_creation_order(target: Target) -> None:
    parent = target.need("parent_activity_id")
    response = target.admin(target.activity_url(parent, "children"), pageSize=100)
    assert response.status_code == 200
    body = response.json()
    assert_page_laws(body, page=1, page_size=100, rows="headers", profile=target.profile)
    assert body["totalCount"] > 0
    if target.profile.counts_children_in_rows:  # else the detail has no count (jim), checked by its keys
        assert body["totalCount"] == target.admin(target.activity_url(parent)).json()["childActivityCount"]
    for child in body["items"]:
        assert target.admin(target.activity_url(child["id"])).json()["parentActivityId"] == parent
    order = [(child["created"], child["id"]) for child in body["items"]]
    assert order == sorted(order)


def test_an_activity_without_children_has_an_empty_page(target: Target) -> None:
    response = target.admin(target.activity_url(target.need("run_profile_id"), "children"), page=1, pageSize=10)
    assert response.status_code == 200
    assert response.json() == empty_first_page(10)


def test_the_list_holds_top_level_activities_only(target: Target) -> None:
    for header in target.activities(pageSize=100).json()["items"]:
        assert target.admin(target.activity_url(header["id"])).json()["parentActivityId"] is None, header["id"]


def test_without_sort_by_the_list_is_oldest_first(target: Target) -> None:
    plain = target.activities(pageSize=100)
    assert plain.status_code == 200
    assert plain.content == target.activities(pageSize=100, sortBy="created", sortDirection="asc").content
    assert plain.content == target.activities(pageSize=100, sortDirection="asc").content


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"sortBy": "name"}, ["sortBy"]),
        ({"sortBy": "Created"}, ["sortBy"]),
        ({"sortBy": ""}, ["sortBy"]),
        ({"sortDirection": "ASC"}, ["sortDirection"]),
        ({"sortDirection": "descending"}, ["sortDirection"]),
        ({"sortDirection": ""}, ["sortDirection"]),
        (
            {"sortBy": "name", "sortDirection": "up", "page": "x", "pageSize": "1.5"},
            ["sortBy", "sortDirection", "page", "pageSize"],
        ),
    ],
)
def test_sort_values_outside_their_set_are_validation_errors_naming_them(
    target: Target, params: dict[str, str], named: list[str]
) -> None:
    if target.profile.sort_by_aliases:
        # JIM takes any sortBy (test_fidelity pins what it makes of it) and binds a blank sortDirection as absent.
        named = [name for name in named if name != "sortBy" and not (name == "sortDirection" and not params[name])]
        params = {name: value for name, value in params.items() if name != "sortBy"}
        if not named:
            assert target.activities(**params).status_code == 200
            return
    rejection = target.assert_validation_error(target.activities(**params), *named)
    assert rejection.message == (None if target.profile.problem_details else "One or more validation errors occurred.")


@pytest.mark.parametrize("url", [ACTIVITIES_URL, "children"])
def test_depth_ceiling_applies_to_every_paged_operation(target: Target, url: str) -> None:
    if url == "children":
        url = target.activity_url(target.need("parent_activity_id"), "children")
    message = target.assert_validation_error(target.admin(url, page=10_002, pageSize=100), "page").errors["page"][0]
    assert "10,001" in message and "1,000,000" in message
    assert target.admin(url, page=10_001, pageSize=100).status_code == 200


def test_the_documented_activity_is_the_documented_example(target: Target) -> None:
    target.need_sandbox()
    detail = target.admin(target.activity_url(SEED)).json()
    page = {
        "id": SEED,
        "parentActivityId": None,
        "created": "2026-04-05T06:00:00Z",
        "executed": "2026-04-05T06:00:01Z",
        "status": "Complete",
        "targetType": "ConnectedSystemRunProfile",
        "targetOperationType": "Execute",
        "targetName": "Delta Import",
        "targetContext": "Corporate LDAP",
        "message": "Completed successfully",
        "initiatedByType": "ApiKey",
        "initiatedById": "b2c3d4e5-f6a7-8901-bcde-f12345678901",
        "initiatedByName": "automation-key",
        "objectsToProcess": 12450,
        "objectsProcessed": 12450,
        "executionTime": "00:01:30",
        "totalActivityTime": "00:01:32",
        "connectedSystemRunType": "DeltaImport",
        "totalAdded": 15,
        "totalUpdated": 230,
        "totalDeleted": 3,
        "totalErrors": 0,
        "childActivityCount": 0,
        "connectedSystemId": 1,
        "connectedSystemRunProfileId": 1,
        "warningMessage": None,
        "errorMessage": None,
    }
    documented = {name: value for name, value in page.items() if name in target.profile.detail_keys}
    assert {name: detail[name] for name in documented} == documented


def test_the_documented_activitys_statistics_are_the_documented_ones(target: Target) -> None:
    target.need_sandbox()
    stats = target.admin(target.activity_url(SEED, "stats")).json()
    assert {name: value for name, value in stats.items() if value} == {
        "totalObjectsProcessed": 12450,
        "totalObjectChangeCount": 248,
        "totalUnchanged": 12202,
        "totalObjectTypes": 2,
        "totalCsoAdds": 15,
        "totalCsoUpdates": 230,
        "totalCsoDeletes": 3,
        "totalProjections": 12,
        "totalJoins": 3,
        "totalAttributeFlows": 1540,
        "totalPendingExports": 45,
    }
    assert len(stats) == len(target.profile.stats_keys)
