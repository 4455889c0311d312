"""Assertions shared by the contract tests: the JIM error envelope and the paging laws."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import httpx

from contract_tests.expect import DOCUMENTED, Expected

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


PROBLEM_KEYS = {"type", "title", "status", "errors", "traceId"}
VALIDATION_PROBLEM_TYPE = "https://tools.ietf.org/html/rfc9110#section-15.5.1"
TRACE_ID = re.compile(r"00-[0-9a-f]{32}-[0-9a-f]{16}-00")
JIM_401 = {"error": "Unauthorized", "message": "Authentication required"}


def media_type(response: httpx.Response) -> str | None:
    value = response.headers.get("content-type")
    return value.split(";")[0].strip() if value is not None else None


def content_type(status: int, profile: Expected) -> str:
    """The Content-Type of an error: what an operation answers itself (400, 401, 404) in the profile's JSON type,
    what the server's middleware answers (405, 429, 500, 503) as plain application/json."""
    return profile.json_type if status in (400, 401, 404) else "application/json"


def assert_error(response: httpx.Response, status: int, code: str, profile: Expected = DOCUMENTED) -> dict[str, Any]:
    """The response is `status` with the error body the profile sends for `code`; the body is returned.

    Documented: the JIM envelope, all five keys present. jim: a 401 is `{error, message}`, a 403 has no
    body ({} is returned), validation errors are problem details (use assert_validation_error), and the
    rest are the envelope.
    """
    assert response.status_code == status, (
        f"expected {status} {code}, got {response.status_code}: {response.text[:300]}"
    )
    if profile.jim_auth_bodies and status == 401:
        assert response.headers.get("content-type") == content_type(401, profile), response.headers.get("content-type")
        assert response.json() == JIM_401
        assert "www-authenticate" not in response.headers
        return JIM_401
    if profile.jim_auth_bodies and status == 403:
        assert response.content == b"", f"JIM's 403 has no body, got {response.text[:300]}"
        return {}
    if profile.problem_details and code == "VALIDATION_ERROR":
        raise AssertionError("validation errors of the jim profile are problem details: use assert_validation_error")
    assert response.headers.get("content-type") == content_type(status, profile), response.headers.get("content-type")
    body = response.json()
    assert set(body) == ENVELOPE_KEYS, f"envelope keys {sorted(body)}"
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"], body
    assert UTC_MILLIS.fullmatch(body["timestamp"]), body["timestamp"]
    return body  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Rejection:
    """A validation error, whatever the profile wrote it as."""

    message: str | None
    """The envelope's top-level message (documented); problem details have only a fixed title (None)."""
    errors: dict[str, list[str]]
    """Each bad parameter's messages, by the contract's name for it (`page`, whatever key the wire used)."""


def assert_validation_error(response: httpx.Response, *params: str, profile: Expected = DOCUMENTED) -> Rejection:
    """A 400 validation error naming exactly `params` (by their contract names), each with a message.

    Documented: VALIDATION_ERROR in the envelope, keyed `page`. jim: ASP.NET problem details, keyed `Page` (a
    filter by its own name), in the profile's JSON type (JIM's controllers produce only application/json).
    """
    expected_keys = {profile.key(p): p for p in params}
    if not profile.problem_details:
        body = assert_error(response, 400, "VALIDATION_ERROR", profile)
        errors = body["validationErrors"]
        message: str | None = body["message"]
    else:
        assert response.status_code == 400, (
            f"expected a 400 validation problem, got {response.status_code}: " + (response.text[:300])
        )
        assert response.headers.get("content-type") == content_type(400, profile), response.headers.get("content-type")
        body = response.json()
        assert set(body) == PROBLEM_KEYS, f"problem details keys {sorted(body)}"
        assert body["type"] == VALIDATION_PROBLEM_TYPE and body["status"] == 400, body
        assert body["title"] == "One or more validation errors occurred.", body["title"]
        assert TRACE_ID.fullmatch(body["traceId"]), body["traceId"]
        errors = body["errors"]
        message = None
    assert isinstance(errors, dict), body
    assert set(errors) == set(expected_keys), f"errors name {sorted(errors)}, expected {sorted(expected_keys)}"
    for messages in errors.values():
        assert messages and all(isinstance(m, str) and m for m in messages), errors
    return Rejection(message, {expected_keys[key]: list(messages) for key, messages in errors.items()})


def assert_web_ui_or_error(
    response: httpx.Response, profile: Expected, status: int = 400, code: str = "VALIDATION_ERROR"
) -> None:
    """A request whose id is not a GUID. Documented: rejected (a 400 naming `id` unless `status` says
    otherwise). jim: not routed to the API; the web UI answers 200 text/html for any usable key."""
    if profile.non_guid_id_is_web_ui and status not in (401, 429):
        assert response.status_code == 200, (
            f"expected the web UI's page, got {response.status_code}: {response.text[:200]}"
        )
        assert media_type(response) == "text/html", response.headers.get("content-type")
    elif code == "VALIDATION_ERROR":
        assert_validation_error(response, "id", profile=profile)
    else:
        assert_error(response, status, code, profile)


def comparable(response: httpx.Response) -> Any:
    """An answer with its volatile parts (the envelope's timestamp) left out, to compare two answers."""
    if not response.content:
        return None
    body = response.json()
    return {k: v for k, v in body.items() if k != "timestamp"} if isinstance(body, dict) else body


def assert_page_laws(
    body: dict[str, Any],
    page: int,
    page_size: int,
    total: int | None = None,
    *,
    rows: str = "items",
    profile: Expected = DOCUMENTED,
) -> None:
    """The envelope echoes the effective page and size and its counters follow from totalCount.

    `rows` says what the page holds: execution "items" (in ascending id order) or activity "headers" (in the
    profile's shape).
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
        assert set(item) == (ITEM_KEYS if rows == "items" else profile.header_keys), sorted(item)
    ids = [item["id"] for item in body["items"]]
    if rows == "items":
        assert ids == sorted(ids), "items are not in ascending id order"
    assert all(i == i.lower() for i in ids), "ids are not lower case"
