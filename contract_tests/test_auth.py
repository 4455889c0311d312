"""Authentication and authorisation come before validation and never reveal whether an activity exists."""

from __future__ import annotations

import pytest

from contract_tests.target import MISSING_ID, Target


def bodies_without_timestamp(*bodies: dict[str, object]) -> set[str]:
    return {repr({k: v for k, v in body.items() if k != "timestamp"}) for body in bodies}


def test_missing_key_is_401(target: Target) -> None:
    target.assert_error(target.get(target.items_url(target.need("run_profile_id"))), 401, "UNAUTHORISED")


@pytest.mark.parametrize("key", ["", "jim_ak_not_a_key", "x" * 500])
def test_empty_or_unknown_key_is_401(target: Target, key: str) -> None:
    target.assert_error(target.items(target.need("run_profile_id"), key=key), 401, "UNAUTHORISED")


@pytest.mark.parametrize("state", ["disabled_key", "expired_key"])
def test_disabled_and_expired_keys_are_401(target: Target, state: str) -> None:
    target.assert_error(target.items(target.need("run_profile_id"), key=target.need(state)), 401, "UNAUTHORISED")


def test_every_401_cause_gets_the_same_answer(target: Target) -> None:
    activity = target.need("run_profile_id")
    keys = [None, "", "jim_ak_unknown"] + [
        getattr(target, k) for k in ("disabled_key", "expired_key") if getattr(target, k)
    ]
    responses = [target.get(target.items_url(activity), key=k) for k in keys]
    bodies = [target.assert_error(r, 401, "UNAUTHORISED") for r in responses]
    assert len(bodies_without_timestamp(*bodies)) == 1, "401 bodies differ by cause: an oracle"


def test_header_name_is_case_insensitive(target: Target) -> None:
    response = target.client.get(target.items_url(target.need("run_profile_id")), headers={"x-api-KEY": target.api_key})
    assert response.status_code == 200


def test_a_key_header_sent_twice(target: Target) -> None:
    # JIM reads the header's values as one string, comma-joined (StringValues.ToString() in
    # ApiKeyAuthenticationHandler), and no key is two keys: 401. The documented profile takes a key named twice.
    url = target.items_url(target.need("run_profile_id"))
    twice = target.client.get(url, headers=[("X-Api-Key", target.api_key), ("X-Api-Key", target.api_key)])
    if target.profile.repeated_key_joined:
        target.assert_error(twice, 401, "UNAUTHORISED")
    else:
        assert twice.status_code == 200, twice.text[:300]
    differing = target.client.get(url, headers=[("X-Api-Key", target.api_key), ("X-Api-Key", "jim_ak_other")])
    target.assert_error(differing, 401, "UNAUTHORISED")


@pytest.mark.parametrize("which", ["run_profile_id", "missing", "malformed", "non_run_profile_id"])
def test_reader_key_is_403_whatever_the_activity(target: Target, which: str) -> None:
    reader = target.need("reader_key")
    activity = {"missing": MISSING_ID, "malformed": "not-a-guid"}.get(which) or target.need(which)
    response = target.items(activity, key=reader, page="abc")
    if which == "malformed":
        target.assert_non_guid_answer(response, 403, "FORBIDDEN")
    else:
        target.assert_error(response, 403, "FORBIDDEN")


def test_401_and_403_do_not_reveal_whether_an_activity_exists(target: Target) -> None:
    existing = target.need("run_profile_id")
    reader = target.need("reader_key")
    for key, status, code in ((None, 401, "UNAUTHORISED"), (reader, 403, "FORBIDDEN")):
        answers = [target.get(target.items_url(a), key=key) for a in (existing, MISSING_ID)]
        bodies = [target.assert_error(r, status, code) for r in answers]
        assert len(bodies_without_timestamp(*bodies)) == 1
        assert answers[0].headers.get("content-length") == answers[1].headers.get("content-length")


def test_authentication_comes_before_validation(target: Target) -> None:
    target.assert_error(target.get(f"/api/v1/activities/{MISSING_ID}/items?page=abc"), 401, "UNAUTHORISED")
    target.assert_error(target.get("/api/v1/activities/not-a-guid/items?page=abc"), 401, "UNAUTHORISED")
