"""Assertions shared by the contract tests: the JIM error envelope and the paging laws."""

from __future__ import annotations

import math
import re
from typing import Any

import httpx

ENVELOPE_KEYS = {"code", "message", "details", "validationErrors", "timestamp"}
PAGE_KEYS = {"items", "totalCount", "page", "pageSize", "totalPages", "hasNextPage", "hasPreviousPage"}
ITEM_KEYS = {
    "id",
    "externalIdValue",
    "displayName",
    "connectedSystemObjectType",
    "objectChangeType",
    "errorType",
    "outcomeSummary",
}
HEADER_KEYS = {
    "id", "created", "executed", "status", "targetType", "targetOperationType", "targetName", "targetContext",
    "message", "initiatedByType", "initiatedById", "initiatedByName", "objectsToProcess", "objectsProcessed",
    "executionTime", "totalActivityTime", "connectedSystemRunType", "totalAdded", "totalUpdated", "totalDeleted",
    "totalProjected", "totalJoined", "totalAttributeFlows", "totalDisconnected", "totalProvisioned", "totalExported",
    "totalDeprovisioned", "totalPendingExports", "totalErrors", "childActivityCount",
}  # fmt: skip
"""An activity header: every documented field, always present."""
DETAIL_KEYS = HEADER_KEYS | {
    "parentActivityId", "connectedSystemId", "connectedSystemRunProfileId", "syncRuleId", "metaverseObjectId",
    "warningMessage", "errorMessage", "errorStackTrace", "executionStats",
}  # fmt: skip
UTC_MILLIS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


def empty_first_page(page_size: int) -> dict[str, Any]:
    """The whole answer for page 1 of a collection with nothing in it."""
    return {
        "items": [],
        "totalCount": 0,
        "page": 1,
        "pageSize": page_size,
        "totalPages": 0,
        "hasNextPage": False,
        "hasPreviousPage": False,
    }


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is `status` with the JIM envelope carrying `code`, all five keys present."""
    assert response.status_code == status, (
        f"expected {status} {code}, got {response.status_code}: {response.text[:300]}"
    )
    assert response.headers["content-type"].split(";")[0] == "application/json", response.headers["content-type"]
    body = response.json()
    assert set(body) == ENVELOPE_KEYS, f"envelope keys {sorted(body)}"
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    assert UTC_MILLIS.fullmatch(body["timestamp"]), body["timestamp"]
    return body  # type: ignore[no-any-return]


def assert_validation_error(response: httpx.Response, *params: str) -> dict[str, Any]:
    """A 400 VALIDATION_ERROR whose validationErrors names exactly `params`, each with a message."""
    body = assert_error(response, 400, "VALIDATION_ERROR")
    errors = body["validationErrors"]
    assert isinstance(errors, dict), body
    assert set(errors) == set(params), f"validationErrors names {sorted(errors)}, expected {sorted(params)}"
    for messages in errors.values():
        assert messages and all(isinstance(m, str) and m for m in messages), errors
    return body


def assert_page_laws(
    body: dict[str, Any], page: int, page_size: int, total: int | None = None, *, rows: str = "items"
) -> None:
    """The envelope echoes the effective page and size and its counters follow from totalCount.

    `rows` says what the page holds: execution "items" (in ascending id order) or activity "headers".
    """
    assert set(body) == PAGE_KEYS, sorted(body)
    echoed = (body["page"], body["pageSize"])
    assert echoed == (page, page_size), (
        f"expected the effective page/pageSize {page}/{page_size}, got {echoed[0]}/{echoed[1]}"
    )
    count = body["totalCount"]
    if total is not None:
        assert count == total, count
    assert body["totalPages"] == math.ceil(count / page_size), f"totalPages {body['totalPages']} for {count} rows"
    expected_rows = max(0, min(page_size, count - (page - 1) * page_size))
    assert len(body["items"]) == expected_rows, f"{len(body['items'])} rows on page {page}, expected {expected_rows}"
    assert body["hasNextPage"] == (page < body["totalPages"]), f"hasNextPage {body['hasNextPage']} on page {page}"
    assert body["hasPreviousPage"] == (page > 1), f"hasPreviousPage {body['hasPreviousPage']} on page {page}"
    for item in body["items"]:
        assert set(item) == (ITEM_KEYS if rows == "items" else HEADER_KEYS), sorted(item)
    ids = [item["id"] for item in body["items"]]
    if rows == "items":
        assert ids == sorted(ids), "items are not in ascending id order"
    assert all(i == i.lower() for i in ids), "ids are not lower case"
