"""A client team's tests against the sandbox, as they would write them: `pip install jim-activities-mockserver`, then
pytest, with nothing else to set up. CI runs this folder from a copy outside the checkout (scripts/wheel_check.py).

`fetch_all_items`, `get_with_retry` and `follow_run` stand for the client under test; each test asks
the jim_sandbox fixture for a sandbox, its settings chosen by the test's marker, and asserts what the
client sent with the fixture's record of the requests it received.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

DOCUMENTED_ACTIVITY = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
"""The documented Delta Import: 248 execution items, Jane Smith and John Doe first."""
RUNNING_ACTIVITY = "a37fa88f-3aed-4d06-b5b1-1571bdd6b0b2"
"""A synchronisation in progress when the sandbox starts, ending live_run_seconds later."""
POLL_SECONDS = 0.5


def fetch_all_items(base_url: str, api_key: str, activity: str, page_size: int = 100) -> list[dict[str, Any]]:
    """The client under test: page through an activity's execution items until there is no next page."""
    found: list[dict[str, Any]] = []
    with httpx.Client(base_url=base_url, headers={"X-Api-Key": api_key}, timeout=10.0) as client:
        page = 1
        while True:
            response = client.get(f"/api/v1/activities/{activity}/items", params={"page": page, "pageSize": page_size})
            response.raise_for_status()
            body = response.json()
            found += body["items"]
            if not body["hasNextPage"]:
                return found
            page += 1


def get_with_retry(client: httpx.Client, url: str, attempts: int = 3) -> httpx.Response:
    """The client under test: a GET that waits as long as a 429's Retry-After says, then tries again."""
    for _ in range(attempts - 1):
        response = client.get(url)
        if response.status_code != 429:
            return response
        time.sleep(float(response.headers["Retry-After"]))
    return client.get(url)


def follow_run(base_url: str, api_key: str, activity: str) -> str:
    """The client under test: poll a run's progress every POLL_SECONDS until it is no longer in progress."""
    with httpx.Client(base_url=base_url, headers={"X-Api-Key": api_key}, timeout=10.0) as client:
        while True:
            status: str = client.get(f"/api/v1/activities/{activity}/progress").json()["status"]
            if status != "InProgress":
                return status
            time.sleep(POLL_SECONDS)


def test_the_client_pages_through_all_248_items_of_the_documented_activity(jim_sandbox: Any) -> None:
    assert not jim_sandbox.base_url.endswith("/")
    items = fetch_all_items(jim_sandbox.base_url, jim_sandbox.admin_key, DOCUMENTED_ACTIVITY)
    assert len(items) == 248
    # Three pages of 100, each asked for once, and nothing else.
    jim_sandbox.assert_request_made("GET", f"/api/v1/activities/{DOCUMENTED_ACTIVITY}/items", count=3)
    assert [request.query["page"] for request in jim_sandbox.requests()] == [["1"], ["2"], ["3"]]
    assert len({item["id"] for item in items}) == 248
    assert [item["displayName"] for item in items[:2]] == ["Jane Smith", "John Doe"]


@pytest.mark.parametrize("page_size", [7, 25, 100])
def test_the_client_gets_the_same_items_at_any_page_size(jim_sandbox: Any, page_size: int) -> None:
    everything = fetch_all_items(jim_sandbox.base_url, jim_sandbox.admin_key, DOCUMENTED_ACTIVITY)
    assert fetch_all_items(jim_sandbox.base_url, jim_sandbox.admin_key, DOCUMENTED_ACTIVITY, page_size) == everything


@pytest.mark.jim_sandbox(profile="jim")
def test_against_the_real_jims_behaviour_the_change_types_are_past_tense(jim_sandbox: Any) -> None:
    items = fetch_all_items(jim_sandbox.base_url, jim_sandbox.admin_key, DOCUMENTED_ACTIVITY)
    assert {item["objectChangeType"] for item in items} == {"Added", "Updated", "Deleted"}


@pytest.mark.jim_sandbox(prefer=True)
def test_the_client_sees_an_outage_asked_for_with_prefer(jim_sandbox: Any) -> None:
    url = f"{jim_sandbox.base_url}/api/v1/activities/{DOCUMENTED_ACTIVITY}/items"
    response = httpx.get(url, headers={"X-Api-Key": jim_sandbox.admin_key, "Prefer": "code=503"}, timeout=10.0)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"


@pytest.mark.jim_sandbox(rate_limit=True, rate_limit_per_key=2)
def test_the_sandbox_records_what_the_client_sent_up_to_its_429(jim_sandbox: Any) -> None:
    with pytest.raises(httpx.HTTPStatusError) as refused:
        fetch_all_items(jim_sandbox.base_url, jim_sandbox.admin_key, DOCUMENTED_ACTIVITY)
    assert refused.value.response.status_code == 429
    sent = jim_sandbox.requests("GET", f"/api/v1/activities/{DOCUMENTED_ACTIVITY}/items")
    assert [(request.status, request.query["page"]) for request in sent] == [(200, ["1"]), (200, ["2"]), (429, ["3"])]


@pytest.mark.jim_sandbox(prefer=True)
def test_the_client_waits_as_long_as_a_429_says_before_trying_again(jim_sandbox: Any) -> None:
    sent: list[httpx.Request] = []

    def refuse_the_first(request: httpx.Request) -> None:
        # The sandbox answers 429 with Retry-After: 1 to a request that asks for it; only the first does.
        if not sent:
            request.headers["Prefer"] = "code=429, retry-after=1"
        sent.append(request)

    path = f"/api/v1/activities/{DOCUMENTED_ACTIVITY}"
    hooks = {"request": [refuse_the_first]}
    with httpx.Client(
        base_url=jim_sandbox.base_url, headers={"X-Api-Key": jim_sandbox.admin_key}, event_hooks=hooks
    ) as client:
        assert get_with_retry(client, path).status_code == 200
    jim_sandbox.assert_request_made("GET", path, count=2)
    jim_sandbox.assert_retry_after_respected()


@pytest.mark.jim_sandbox(live_run_seconds=1.5)
def test_the_client_follows_a_run_to_its_end_polling_no_faster_than_it_should(jim_sandbox: Any) -> None:
    assert follow_run(jim_sandbox.base_url, jim_sandbox.admin_key, RUNNING_ACTIVITY) == "Complete"
    jim_sandbox.assert_request_made("GET", f"/api/v1/activities/{RUNNING_ACTIVITY}/progress")
    jim_sandbox.assert_polled_no_faster_than(POLL_SECONDS)
