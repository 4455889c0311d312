"""The rows of the contract for what a client resolves names through: connected systems and their run profiles."""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest

from contract_tests.envelope import PAGE_KEYS, assert_error
from contract_tests.target import Target

SYSTEMS_URL = "/api/v1/synchronisation/connected-systems"
MISSING_SYSTEM = 2147483647
"""Never a connected system on the sandbox (nor, in practice, on any server)."""
HEADER_KEYS = {
    "id", "name", "description", "created", "status", "objectCount", "connectorsCount", "pendingExportObjectsCount",
    "connectorName", "connectorId",
}  # fmt: skip
DETAIL_KEYS = {
    "id", "name", "description", "created", "lastUpdated", "status", "settingValuesValid", "connector", "objectTypes",
    "objectCount", "pendingExportCount", "maxExportParallelism", "initialPasswordTimeToLive", "requireSecureTransport",
    "unresolvedReferenceHandling", "configurationDrift", "parkedInitialPasswordCount", "expiredInitialPasswordCount",
}  # fmt: skip
RUN_PROFILE_KEYS = {
    "id", "name", "connectedSystemId", "runType", "pageSize", "partitionName", "targetsDeselectedPartition", "filePath",
    "verifyImportContentHashes",
}  # fmt: skip
SANDBOX_SYSTEMS = ["Corporate LDAP", "Entra ID", "HR Database"]
"""The sandbox's systems in the list's default order (by name)."""
HR_RUN_PROFILES = ["Full Import", "Delta Import", "Full Synchronisation", "Delta Synchronisation"]


def system_url(system: object, part: str = "") -> str:
    return f"{SYSTEMS_URL}/{system}" + (f"/{part}" if part else "")


BY_ID = {"detail": "", "run profiles": "run-profiles"}


def every_system(target: Target) -> list[dict[str, Any]]:
    """Every header, walked page by page as the PowerShell module walks them (pageSize 100)."""
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        body = target.admin(SYSTEMS_URL, page=page, pageSize=100).json()
        rows += body["items"]
        if not body["hasNextPage"]:
            return rows
        page += 1


def a_system(target: Target) -> int:
    systems = every_system(target)
    if not systems:
        pytest.skip("the target has no connected system")
    return int(systems[0]["id"])


def assert_ok(response: httpx.Response, target: Target) -> Any:
    assert response.status_code == 200, f"{response.status_code}: {response.text[:300]}"
    assert response.headers.get("content-type") == target.profile.json_type, response.headers.get("content-type")
    assert response.headers.get("api-supported-versions") == target.profile.api_versions
    return response.json()


def assert_system_page(body: dict[str, Any], page: int, page_size: int, total: int) -> None:
    """The paging envelope, with the true total on every page (JIM pages connected systems in memory)."""
    assert set(body) == PAGE_KEYS, sorted(body)
    assert (body["page"], body["pageSize"], body["totalCount"]) == (page, page_size, total), body
    assert body["totalPages"] == math.ceil(total / page_size), body
    assert len(body["items"]) == max(0, min(page_size, total - (page - 1) * page_size)), body
    assert body["hasNextPage"] == (page < body["totalPages"]) and body["hasPreviousPage"] == (page > 1), body
    for row in body["items"]:
        assert set(row) == HEADER_KEYS, sorted(row)


def test_the_list_pages_every_system_once_in_name_order(target: Target) -> None:
    systems = every_system(target)
    total = len(systems)
    assert len({s["id"] for s in systems}) == total
    for page_size in (1, 2, 25):
        walked: list[Any] = []
        for page in range(1, math.ceil(total / page_size) + 2):
            body = assert_ok(target.admin(SYSTEMS_URL, page=page, pageSize=page_size), target)
            assert_system_page(body, page, page_size, total)
            walked += body["items"]
        assert walked == systems
    target.need_sandbox()
    assert [s["name"] for s in systems] == SANDBOX_SYSTEMS


def test_the_list_defaults_and_caps_its_paging(target: Target) -> None:
    total = len(every_system(target))
    assert_system_page(assert_ok(target.admin(SYSTEMS_URL), target), 1, 25, total)
    assert_system_page(assert_ok(target.admin(SYSTEMS_URL, page=0, pageSize=500), target), 1, 100, total)
    assert_system_page(assert_ok(target.admin(SYSTEMS_URL, pageSize=-3), target), 1, 25, total)


@pytest.mark.parametrize(("params", "names"), [
    ({"page": "abc"}, ["page"]),
    ({"pageSize": "2147483648"}, ["pageSize"]),
    ({"page": "10002", "pageSize": "100"}, ["page"]),
    ({"sortDirection": "DESC"}, ["sortDirection"]),
    ({"sortBy": "a" * 101}, ["sortBy"]),
    ({"filter": "a" * 501}, ["filter"]),
])  # fmt: skip
def test_the_list_validates_its_paging_parameters(target: Target, params: dict[str, str], names: list[str]) -> None:
    target.assert_validation_error(target.admin(SYSTEMS_URL, **params), *names)


def test_the_list_sorts_by_any_header_property_in_any_case(target: Target) -> None:
    systems = every_system(target)
    by_count = sorted(systems, key=lambda s: s["objectCount"], reverse=True)
    body = assert_ok(target.admin(SYSTEMS_URL, sortBy="OBJECTCOUNT", sortDirection="desc", pageSize=100), target)
    assert [s["objectCount"] for s in body["items"]] == [s["objectCount"] for s in by_count]
    unknown = assert_ok(target.admin(SYSTEMS_URL, sortBy="noSuchProperty", pageSize=100), target)
    assert unknown["items"] == systems


def test_the_list_filters_by_name(target: Target) -> None:
    systems = every_system(target)
    name = systems[-1]["name"] if systems else "nothing"
    body = assert_ok(target.admin(SYSTEMS_URL, filter=f"name:eq:{name}", pageSize=100), target)
    assert body["items"] == [s for s in systems if s["name"] == name]
    assert body["totalCount"] == len(body["items"])
    ignored = assert_ok(target.admin(SYSTEMS_URL, filter="name", pageSize=100), target)
    assert ignored["items"] == systems


def test_a_system_in_full(target: Target) -> None:
    system = a_system(target)
    header = next(s for s in every_system(target) if s["id"] == system)
    body = assert_ok(target.admin(system_url(system)), target)
    assert set(body) == DETAIL_KEYS, sorted(body)
    assert {k: body[k] for k in ("id", "name", "description", "created")} == {
        k: header[k] for k in ("id", "name", "description", "created")
    }
    assert body["connector"] == {"id": header["connectorId"], "name": header["connectorName"]}
    assert body["objectCount"] == header["objectCount"]
    for object_type in body["objectTypes"]:
        assert object_type["attributeCount"] == len(object_type["attributes"] or [])


def test_the_sandbox_systems_in_full(target: Target) -> None:
    target.need_sandbox()
    body = assert_ok(target.admin(system_url(2)), target)
    assert body["name"] == "HR Database" and body["status"] == "Active"
    assert [t["name"] for t in body["objectTypes"]] == ["person"]
    # Its one Full Synchronisation ended CompleteWithError, which does not count as applying the configuration.
    assert body["configurationDrift"]["neverFullySynchronised"] is True
    assert body["configurationDrift"]["isDeterminable"] is False


def test_a_systems_run_profiles_are_a_plain_array(target: Target) -> None:
    system = a_system(target)
    body = assert_ok(target.admin(system_url(system, "run-profiles")), target)
    assert isinstance(body, list)
    for profile in body:
        assert set(profile) == RUN_PROFILE_KEYS, sorted(profile)
        assert profile["connectedSystemId"] == system
    assert len({p["name"] for p in body}) == len(body), "run profile names are unique within a system"
    target.need_sandbox()
    hr = assert_ok(target.admin(system_url(2, "run-profiles")), target)
    assert [p["name"] for p in hr] == HR_RUN_PROFILES
    assert [p["id"] for p in hr] == [6, 7, 8, 9]


@pytest.mark.parametrize("part", list(BY_ID.values()), ids=list(BY_ID))
def test_an_unknown_system_is_404_naming_it(target: Target, part: str) -> None:
    body = assert_error(target.admin(system_url(MISSING_SYSTEM, part)), 404, "NOT_FOUND", target.profile)
    assert body["message"] == f"Connected System with ID {MISSING_SYSTEM} not found."
    negative = assert_error(target.admin(system_url(-1, part)), 404, "NOT_FOUND", target.profile)
    assert negative["message"] == "Connected System with ID -1 not found."


@pytest.mark.parametrize("url", [SYSTEMS_URL, *(system_url(1, part) for part in BY_ID.values())])
def test_every_system_operation_needs_a_key_and_the_administrator_role(target: Target, url: str) -> None:
    target.assert_error(target.get(url), 401, "UNAUTHORISED")
    target.assert_error(target.get(url, key="jim_ak_not_a_key"), 401, "UNAUTHORISED")
    target.assert_error(target.get(url, key=target.need("reader_key")), 403, "FORBIDDEN")
    target.assert_error(target.get(system_url(MISSING_SYSTEM), key=target.need("reader_key")), 403, "FORBIDDEN")


@pytest.mark.parametrize("raw", ["abc", "2147483648", "1.0", "0x10"])
@pytest.mark.parametrize("part", list(BY_ID.values()), ids=list(BY_ID))
def test_a_malformed_system_id(target: Target, part: str, raw: str) -> None:
    response = target.admin(system_url(raw, part))
    last = system_url(raw, part).rsplit("/", 1)[-1]
    if target.profile.non_guid_id_is_web_ui and "." in last and last.split(".", 1)[1].strip("."):
        # The web UI's fallback route is {*path:nonfile}: a last segment like a file name (1.0) reaches no endpoint.
        assert response.status_code == 404 and target.get(system_url(raw, part)).status_code == 404, response.text
    elif target.profile.non_guid_id_is_web_ui:
        # JIM routes {connectedSystemId:int}: anything its int constraint refuses is the web UI's.
        target.assert_non_guid_answer(response)
        target.assert_error(target.get(system_url(raw, part)), 401, "UNAUTHORISED")
    else:
        target.assert_validation_error(response, "connectedSystemId")


@pytest.mark.parametrize("raw", ["+1", "%201", "01"])
def test_an_id_as_dotnet_reads_an_int(target: Target, raw: str) -> None:
    """The jim profile routes what .NET's int.TryParse takes (a sign, white space either side) as that system;
    the documented contract takes an optional '-' and digits only."""
    response = target.admin(system_url(raw))
    if target.profile.non_guid_id_is_web_ui or raw == "01":
        assert assert_ok(response, target)["id"] == 1
    else:
        target.assert_validation_error(response, "connectedSystemId")
