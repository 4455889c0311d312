"""A client team's tests against the sandbox, as they would write them: `pip install jim-activities-mockserver`, then
pytest, with nothing else to set up. CI runs this folder from a copy outside the checkout (scripts/wheel_check.py).

`fetch_all_items` stands for the client under test; each test asks the jim_sandbox fixture for a
sandbox, its settings chosen by the test's marker.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

DOCUMENTED_ACTIVITY = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
"""The documented Delta Import: 248 execution items, Jane Smith and John Doe first."""


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


def test_the_client_pages_through_all_248_items_of_the_documented_activity(jim_sandbox: Any) -> None:
    assert not jim_sandbox.base_url.endswith("/")
    items = fetch_all_items(jim_sandbox.base_url, jim_sandbox.admin_key, DOCUMENTED_ACTIVITY)
    assert len(items) == 248
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


@pytest.mark.jim_sandbox(rate_limit=True, rate_limit_per_key=2, journal_size=10)
def test_the_journal_shows_what_the_client_sent_up_to_its_429(jim_sandbox: Any) -> None:
    with pytest.raises(httpx.HTTPStatusError) as refused:
        fetch_all_items(jim_sandbox.base_url, jim_sandbox.admin_key, DOCUMENTED_ACTIVITY)
    assert refused.value.response.status_code == 429
    sent = jim_sandbox.journal()
    assert [(entry["status"], entry["query"]["page"]) for entry in reversed(sent)] == [
        (200, ["1"]),
        (200, ["2"]),
        (429, ["3"]),
    ]
