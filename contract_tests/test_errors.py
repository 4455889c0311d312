"""Every other error row: 404, 400 BAD_REQUEST, 405, malformed ids, unknown paths; and routes answered in place."""

from __future__ import annotations

import time

import httpx
import pytest

from contract_tests.target import MISSING_ID, Target


def test_unknown_activity_is_404_naming_it(target: Target) -> None:
    body = target.assert_error(target.items(MISSING_ID), 404, "NOT_FOUND")
    assert body["message"] == f"Activity with ID {MISSING_ID} not found."


def test_unknown_activity_is_named_in_lower_case(target: Target) -> None:
    body = target.assert_error(target.items(MISSING_ID.upper()), 404, "NOT_FOUND")
    assert MISSING_ID in body["message"]


def test_non_run_profile_activity_is_400_bad_request(target: Target) -> None:
    body = target.assert_error(target.items(target.need("non_run_profile_id")), 400, "BAD_REQUEST")
    assert body["message"] == "Execution items are only available for Run Profile activities."
    assert body["validationErrors"] is None


@pytest.mark.parametrize(
    "bad_id",
    [
        "not-a-guid",
        "a1b2c3d4e5f678900abcdef1234567890",
        "{a1b2c3d4-e5f6-7890-abcd-ef1234567890)",
        "a1b2c3d4-e5f6-7890-abcd-ef123456789g",
        "0",
    ],
)
def test_malformed_id_is_a_validation_error(target: Target, bad_id: str) -> None:
    # The jim profile: JIM routes {id:guid}, so its web UI answers instead.
    target.assert_non_guid_answer(target.items(bad_id))


@pytest.mark.parametrize("form", ["N", "B", "P"])
def test_other_guid_forms(target: Target, form: str) -> None:
    activity = target.need("run_profile_id")
    written = {"N": activity.replace("-", "").upper(), "B": f"{{{activity}}}", "P": f"({activity})"}[form]
    response = target.items(written, pageSize=3)
    if target.profile.dotnet_guid_forms:  # JIM's route constraint parses them: the same activity
        assert response.status_code == 200, response.text[:300]
        assert response.json() == target.items(activity, pageSize=3).json()
    else:  # the contract's GUID is the hyphenated form only
        target.assert_validation_error(response, "id")


def test_validation_comes_before_existence(target: Target) -> None:
    target.assert_validation_error(target.items(MISSING_ID, page="x"), "page")


def test_a_request_over_the_rate_limit_is_429_with_retry_after(target: Target, rate_limited: httpx.Client) -> None:
    for _ in range(40):  # a live JIM lets 30 a minute through per client address
        response = rate_limited.get(target.items_url(MISSING_ID))
        if response.status_code == 429:
            break
    target.assert_error(response, 429, "TOO_MANY_REQUESTS")
    time.sleep(1.1)  # a Retry-After that counts the window down says less a second later; a fixed one does not
    again = rate_limited.get(target.items_url(MISSING_ID))
    target.assert_error(again, 429, "TOO_MANY_REQUESTS")
    values = [r.headers.get("retry-after", "") for r in (response, again)]
    if target.profile.fixed_retry_after is not None:
        assert values == [str(target.profile.fixed_retry_after)] * 2
    else:  # whole seconds until a request would be let in, within the one-minute window
        assert all(v.isdigit() and 1 <= int(v) <= 60 for v in values), values
        assert int(values[1]) < int(values[0]), f"Retry-After does not count down: {values}"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_other_methods_are_405_with_allow(target: Target, method: str) -> None:
    response = target.client.request(
        method, target.items_url(target.need("run_profile_id")), headers={"X-Api-Key": target.api_key}
    )
    target.assert_error(response, 405, "METHOD_NOT_ALLOWED")
    allowed = {m.strip() for m in response.headers["allow"].split(",")}
    assert {"GET", "HEAD"} <= allowed and method not in allowed


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing", "/api/v1/activities/a1b2c3d4-e5f6-7890-abcd-ef1234567890/items/extra", "/favicon.ico"]
)
def test_unknown_paths_are_404_envelopes(target: Target, path: str) -> None:
    target.assert_error(target.get(path, key=target.api_key), 404, "NOT_FOUND")


@pytest.mark.parametrize(
    "spelling", ["/API/V1/ACTIVITIES/{id}/ITEMS", "/Api/v1/Activities/{id}/Items", "/api/v1.0/activities/{id}/items"]
)
def test_a_path_spelled_as_aspnet_routes_it(target: Target, spelling: str) -> None:
    # JIM's routes are `api/v{version:apiVersion}/…` templates: ASP.NET matches their fixed segments in any case, and
    # the URL segment reader takes `1.0` for version 1. The documented contract has one spelling.
    activity = target.need("run_profile_id")
    response = target.get(spelling.format(id=activity), key=target.api_key, params={"pageSize": 3})
    if target.profile.aspnet_paths:
        assert response.status_code == 200, response.text[:300]
        assert response.json() == target.items(activity, pageSize=3).json()
    else:
        target.assert_error(response, 404, "NOT_FOUND")


@pytest.mark.parametrize("key", ["admin", None])
def test_an_id_that_looks_like_a_file_name(target: Target, key: str | None) -> None:
    # JIM's web UI is its fallback route, `{*path:nonfile}`: a path whose last segment has a dot and something after
    # it matches no endpoint at all, so no key is asked for and the answer is 404 (JIM's has an empty body).
    response = target.get("/api/v1/activities/report.json", key=target.api_key if key else None)
    if target.profile.non_guid_id_is_web_ui:
        assert response.status_code == 404, response.text[:300]
    elif key is None:
        target.assert_error(response, 401, "UNAUTHORISED")
    else:
        target.assert_validation_error(response, "id")


def test_trailing_slash_is_answered_in_place(target: Target) -> None:
    activity = target.need("run_profile_id")
    plain = target.items(activity, pageSize=3)
    slashed = target.get(
        target.items_url(activity) + "/", key=target.api_key, params={"pageSize": 3}, follow_redirects=False
    )
    assert slashed.status_code == 200
    assert slashed.json() == plain.json()


def test_head_gives_get_headers_and_no_body(target: Target) -> None:
    url = target.items_url(target.need("run_profile_id"))
    headers = {"X-Api-Key": target.api_key}
    get = target.client.get(url, headers=headers)
    head = target.client.head(url, headers=headers)
    assert head.status_code == 200
    assert head.content == b""
    for name in ("content-type", "content-length"):
        assert head.headers.get(name) == get.headers.get(name), name


def test_health_needs_no_key(target: Target) -> None:
    response = target.get("/api/v1/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy" and isinstance(body["timestamp"], str)
