"""HTTP vocabulary several stages share: methods, media types, the sandbox's own paths, JIM's security headers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

JSON = "application/json"
PROBLEM_JSON = "application/problem+json"

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT")
"""Every method a route may be asked for, in the order an Allow header lists them."""
READ_METHODS = ("GET", "HEAD")

SPEC_PATH = "/api/openapi/v1.json"
REFERENCE_PATH = "/api/reference"
ADMIN_PREFIX = "/__admin/"
"""The sandbox's own routes, outside the contract (admin-openapi.yaml)."""
REQUESTS_PATH = ADMIN_PREFIX + "requests"
SANDBOXES_PATH = ADMIN_PREFIX + "sandboxes"
"""Private sandboxes: POST here; GET and DELETE SANDBOXES_PATH/{id}; its journal at SANDBOXES_PATH/{id}/requests."""
SANDBOX_KEY_PREFIX = "jim_sbx_"
"""How a private sandbox's key begins (fixture keys begin jim_ak_): only such a key costs a registry lookup."""

HEALTH_PATH = "/api/v1/health"
"""JIM's health routes: this and every path under it (ready, live, version)."""

PREFER_HEADER = "Prefer"
MAX_QUERY_PARAMETERS = 100
"""More query parameters than this is a 400: no client of the API sends more than a few."""

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
"""The security headers JIM sends on every response, less its Content-Security-Policy (each profile sets one)."""


def in_method_order(methods: str) -> str:
    """An Allow list in METHODS order (Starlette builds it from a set, so its order changes from run to run)."""
    given = {m.strip().upper() for m in methods.split(",") if m.strip()}
    rank = {m: i for i, m in enumerate(METHODS)}
    return ", ".join(sorted(given, key=lambda m: (rank.get(m, len(rank)), m)))


def is_health(path: str) -> bool:
    return path == HEALTH_PATH or path.startswith(HEALTH_PATH + "/")


def header_values(scope: Mapping[str, Any], name: bytes) -> str:
    """Every value of a repeated header, joined with ", " as HTTP reads them ("" when absent)."""
    headers: list[tuple[bytes, bytes]] = scope["headers"]
    return ", ".join(value.decode("latin-1") for key, value in headers if key == name)


def http_date(moment: datetime) -> bytes:
    """A Date header's value (RFC 9110's IMF-fixdate, whole seconds), as uvicorn writes its own."""
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True).encode("ascii")
