"""The sandbox data: the documented example verbatim, figures that agree with the items, every error type present."""

from __future__ import annotations

import json
import re
from collections import Counter

from starlette.testclient import TestClient

from mockserver.world.items.generator import GeneratedActivity
from mockserver.world.items.pools import ItemPools
from mockserver.world.vocabulary import ERROR_TYPES
from tests.conftest import ADMIN, LARGE_ACTIVITY, SEED_ACTIVITY, SYNC_ACTIVITY

JANE = {
    "id": "b2c3d4e5-f6a7-8901-bcde-f12345678901",
    "externalIdValue": "a4f2e8c1-3b7d-4e9a-b5c6-d8f0e1a2b3c4",
    "displayName": "Jane Smith",
    "connectedSystemObjectType": "user",
    "objectChangeType": "Update",
    "errorType": None,
    "outcomeSummary": "AttributeFlow:12,PendingExportCreated:1",
}
JOHN = {
    "id": "c3d4e5f6-a7b8-9012-cdef-123456789012",
    "externalIdValue": "b5d3f9a2-4c8e-5f0b-a6d7-e9f1a2b3c4d5",
    "displayName": "John Doe",
    "connectedSystemObjectType": "user",
    "objectChangeType": "Add",
    "errorType": None,
    "outcomeSummary": "Projected:1,AttributeFlow:15,PendingExportCreated:2",
}


def all_items(client: TestClient, activity: str) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    page = 1
    while True:
        body = client.get(
            f"/api/v1/activities/{activity}/items", params={"page": page, "pageSize": 100}, headers=ADMIN
        ).json()
        items += body["items"]
        if not body["hasNextPage"]:
            return items
        page += 1


def outcome_totals(items: list[dict[str, object]]) -> Counter[str]:
    totals: Counter[str] = Counter()
    for item in items:
        for part in str(item["outcomeSummary"] or "").split(","):
            if part:
                kind, count = part.split(":")
                totals[kind] += int(count)
    return totals


def test_documented_example_request_returns_the_documented_envelope(client: TestClient) -> None:
    response = client.get(f"/api/v1/activities/{SEED_ACTIVITY}/items?page=1&pageSize=50", headers=ADMIN)
    assert response.status_code == 200
    body = response.json()
    assert {k: v for k, v in body.items() if k != "items"} == {
        "totalCount": 248,
        "page": 1,
        "pageSize": 50,
        "totalPages": 5,
        "hasNextPage": True,
        "hasPreviousPage": False,
    }
    assert body["items"][0] == JANE
    assert body["items"][1] == JOHN
    assert list(body) == ["items", "totalCount", "page", "pageSize", "totalPages", "hasNextPage", "hasPreviousPage"]


def test_seed_activity_items_agree_with_its_documented_statistics(client: TestClient) -> None:
    items = all_items(client, SEED_ACTIVITY)
    assert len(items) == 248
    assert Counter(i["objectChangeType"] for i in items) == {"Add": 15, "Update": 230, "Delete": 3}
    assert all(i["errorType"] is None for i in items)
    assert outcome_totals(items) == {"Projected": 12, "Joined": 3, "AttributeFlow": 1540, "PendingExportCreated": 45}
    assert {i["connectedSystemObjectType"] for i in items} == {"user", "group"}
    counts = [int(part.split(":")[1]) for i in items for part in str(i["outcomeSummary"]).split(",")]
    assert min(counts) >= 1, "an outcome summary names an outcome that happened zero times"


def test_sync_activity_covers_every_error_type_and_change_type(client: TestClient) -> None:
    items = all_items(client, SYNC_ACTIVITY)
    assert {i["errorType"] for i in items} - {None} == set(ERROR_TYPES)
    assert {i["objectChangeType"] for i in items} == {"Add", "Update", "Delete"}
    for item in items:
        if item["errorType"] is not None:
            assert item["outcomeSummary"] is None, item
        if item["errorType"] == "MissingExternalIdAttributeValue":
            assert item["externalIdValue"] is None, item


def test_outcome_summaries_agree_with_change_types(client: TestClient) -> None:
    for item in all_items(client, SYNC_ACTIVITY):
        summary = str(item["outcomeSummary"] or "")
        if item["objectChangeType"] == "Add" and item["errorType"] is None:
            assert "Projected:1" in summary or "Joined:1" in summary, item
        if item["objectChangeType"] == "Delete":
            assert "Disconnected:1" in summary, item


def test_large_activity_reports_one_and_a_half_million_items_at_any_depth(client: TestClient) -> None:
    first = client.get(f"/api/v1/activities/{LARGE_ACTIVITY}/items?pageSize=100", headers=ADMIN).json()
    deep = client.get(f"/api/v1/activities/{LARGE_ACTIVITY}/items?page=10001&pageSize=100", headers=ADMIN).json()
    assert first["totalCount"] == deep["totalCount"] == 1_500_000
    assert first["totalPages"] == 15_000
    assert len(deep["items"]) == 100


def test_large_activity_ids_ascend_across_page_boundaries() -> None:
    count = 1_500_000
    generated = GeneratedActivity(ItemPools(0), salt=LARGE_ACTIVITY, count=count)
    for index in (0, 99, 100, 999_999, 1_000_000, count - 2):
        assert generated.item(index)["id"] < generated.item(index + 1)["id"]


def test_generated_items_are_valid_version_4_guids_and_pure_functions_of_the_index() -> None:
    generated = GeneratedActivity(ItemPools(7), salt=LARGE_ACTIVITY, count=1_500_000)
    again = GeneratedActivity(ItemPools(7), salt=LARGE_ACTIVITY, count=1_500_000)
    for index in range(0, 1_500_000, 150_001):
        item = generated.item(index)
        assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", item["id"]), item
        assert item == again.item(index)


def test_generated_page_matches_its_items() -> None:
    generated = GeneratedActivity(ItemPools(3), salt=SYNC_ACTIVITY, count=600)
    assert json.loads(generated.page_json(95, 105)) == [generated.item(i) for i in range(95, 105)]
    assert generated.page_json(600, 700) == b"[]"
