"""The documentation page's PowerShell example, request for request: Connect-JIM, then Get-JIMActivity -ExecutionItems.

Read from the JIM PowerShell module (TetronIO/JIM, src/JIM.PowerShell, August 2026):

- every call goes through Invoke-JIMApi, which sends `Accept: application/json`, the key as
  `X-API-Key`, `-ContentType 'application/json'` and `-MaximumRedirection 0` (a redirect is a
  failure);
- `Connect-JIM -Url … -ApiKey …` (Connect-JIMWithApiKey) calls GET /api/v1/health, then
  Get-JIMServerVersion calls GET /api/v1/health/version and reads `.version`;
- `Get-JIMActivity -Id … -ExecutionItems` does not read the activity itself: it asks
  /api/v1/activities/{id}/items?page=N&pageSize=100 from N = 1 while the last page held exactly
  100 items and `N * 100 < totalCount`, streaming each page's items.
"""

from __future__ import annotations

import math
from typing import Any

import httpx

from contract_tests.target import Target

MODULE_PAGE_SIZE = 100


class Module:
    """The module's HTTP behaviour, with a log of what it asked."""

    def __init__(self, target: Target, api_key: str) -> None:
        self.target = target
        self.headers = {"Accept": "application/json", "X-API-Key": api_key, "Content-Type": "application/json"}
        self.requests: list[str] = []

    def invoke(self, endpoint: str) -> Any:
        """Invoke-JIMApi: any status but 2xx throws, and so does a redirect."""
        self.requests.append(endpoint)
        response: httpx.Response = self.target.client.get(endpoint, headers=self.headers, follow_redirects=False)
        assert response.status_code == 200, f"{endpoint}: {response.status_code} {response.text[:300]}"
        assert response.headers["content-type"].split(";")[0] == "application/json"
        return response.json()

    def connect(self) -> dict[str, Any]:
        health = self.invoke("/api/v1/health")
        version = self.invoke("/api/v1/health/version")["version"]
        return {"Status": health.get("status") or "Connected", "ServerVersion": version}

    def execution_items(self, activity_id: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page, more = 1, True
        while more:
            response = self.invoke(f"/api/v1/activities/{activity_id}/items?page={page}&pageSize={MODULE_PAGE_SIZE}")
            items += response["items"]
            more = len(response["items"]) == MODULE_PAGE_SIZE and page * MODULE_PAGE_SIZE < response["totalCount"]
            page += 1
        return items


def test_connect_then_get_execution_items_retrieves_every_item(target: Target) -> None:
    activity = target.need("run_profile_id")
    module = Module(target, target.api_key)

    connection = module.connect()
    items = module.execution_items(activity)

    assert connection["Status"] == "healthy" and connection["ServerVersion"]
    total = target.items(activity, pageSize=1).json()["totalCount"]
    pages = max(1, math.ceil(total / MODULE_PAGE_SIZE))  # it always asks page 1
    assert module.requests == [
        "/api/v1/health",
        "/api/v1/health/version",
        *(f"/api/v1/activities/{activity}/items?page={n}&pageSize=100" for n in range(1, pages + 1)),
    ]
    ids = [item["id"] for item in items]
    assert len(ids) == total == len(set(ids)), "the module's loop lost or repeated items"


def test_the_documented_example_retrieves_all_248_items_jane_smith_first(target: Target) -> None:
    target.need_sandbox()
    module = Module(target, target.api_key)
    module.connect()
    items = module.execution_items("a1b2c3d4-e5f6-7890-abcd-ef1234567890")
    assert len(items) == 248
    assert len(module.requests) == 2 + 3, module.requests  # health, version, pages of 100, 100 and 48
    assert [items[0]["displayName"], items[1]["displayName"]] == ["Jane Smith", "John Doe"]
