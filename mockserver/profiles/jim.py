"""The jim profile: answers as the real JIM server does, as read from its source (TetronIO/JIM, docs/profiles.md).

Past-tense change types, ASP.NET problem details for validation errors, its own 401 body, an
empty 403, `totalCount 0` past the last page, `sortBy`/`sortDirection`/`filter` validated (and on
the list, `sortBy`'s aliases), the list's filters (its spec), JIM's shapes of an activity, query
keys matched whatever their case, a non-GUID id falling through to the web UI, `Retry-After: 60`,
ASP.NET's content types, its version header and its security headers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from connexion.lifecycle import ConnexionRequest, ConnexionResponse

from mockserver import errors
from mockserver.http import ADMIN_PREFIX, JSON, SECURITY_HEADERS
from mockserver.profiles.profile import Profile
from mockserver.resources import OVERLAYS
from mockserver.text import quoted
from mockserver.world import paging
from mockserver.world.items.figures import EXCLUSION_FIELDS, STATS_FIELDS, TOTALS
from mockserver.world.shapes import DETAIL_FIELDS, HEADER_FIELDS, SCHEDULE_FIELDS, Shape

VALIDATION_PROBLEM_TYPE = "https://tools.ietf.org/html/rfc9110#section-15.5.1"
JIM_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self' wss: ws:; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)
"""JIM's one Content-Security-Policy, sent site-wide (web UI, static assets and API alike)."""
JSON_UTF8 = JSON + "; charset=utf-8"
"""What ASP.NET's JSON formatter and WriteAsJsonAsync send; JIM's own middleware writes plain application/json."""
API_VERSIONS = {"api-supported-versions": "1.0"}
"""Asp.Versioning's ReportApiVersions (ApiVersioningExtensions.cs): an action filter, so on what an action answers."""
UNAVAILABLE = "The service is temporarily unavailable due to database connectivity. Please retry your request."
"""GlobalExceptionHandler.cs: the 503 JIM answers while its database is unreachable."""

HEADER = (*HEADER_FIELDS, *TOTALS, "childActivityCount", *SCHEDULE_FIELDS)
SHAPE = Shape(
    # Models/Api/ActivityDtos.cs, in declaration order (System.Text.Json writes properties so).
    header=HEADER,
    detail=(
        "id",
        "parentActivityId",
        *HEADER_FIELDS[1:-1],
        *DETAIL_FIELDS[4:],
        "errorDetail",
        "connectedSystemRunType",
        *DETAIL_FIELDS[:4],
        "exampleDataTemplateId",
        "executionStats",
        "phases",
        *SCHEDULE_FIELDS,
        "changeReason",
        "configurationChangeVersion",
        "configurationChangeSnapshot",
    ),
    stats=(*STATS_FIELDS, *EXCLUSION_FIELDS),
    # The list and children build rows with ActivityHeader.FromEntity(a), which leaves the count at 0.
    counts_children_in_rows=False,
)
SORT_KEYS = {
    # ActivitiesController.MapSortBy, then the repository's switch, which has no case for executed: the default.
    "created": "created",
    "executed": "created",
    "status": "status",
    **dict.fromkeys(("targettype", "target_type", "type"), "type"),
    **dict.fromkeys(("targetname", "target_name", "target"), "target"),
}


class JimWording:
    """ASP.NET model binding's messages and JIM's PaginationRequest annotations, keys in PascalCase."""

    # Only the depth ceiling (IValidatableObject.Validate) waits for every property-level check to pass.
    depth_alone = True
    # Model binding makes a blank string null: no sortBy, no filter, and (inferred) the default sortDirection, where
    # JIM's list would fail on a null one (a 500 the sandbox does not copy: no 5xx from input).
    blank_text_is_null = True

    def field(self, name: str) -> str:
        return name[:1].upper() + name[1:]

    def not_an_integer(self, name: str, raw: str) -> str:
        if raw == "":
            return "The value '' is invalid."
        return f"The value '{quoted(raw)}' is not valid for {self.field(name)}."

    def not_a_guid(self, name: str, raw: str) -> str:
        # Unreachable in this profile: a non-GUID id never reaches validation (see WebUiFallback).
        return f"The value '{quoted(raw)}' is not valid for {self.field(name)}."

    def not_allowed(self, name: str, raw: str, allowed: Sequence[Any]) -> str:
        if name == "sortDirection":
            return "Sort direction must be 'asc' or 'desc'."
        return f"The value '{quoted(raw)}' is not valid for {self.field(name)}."

    def too_long(self, name: str, raw: str, limit: int) -> str:
        what = {"sortBy": "Sort property name", "filter": "Filter string"}.get(name, self.field(name))
        return f"{what} must not exceed {limit} characters."

    def depth(self, page: int, page_size: int, documented: str) -> str:
        return (
            f"Page {page:,} is beyond the maximum retrieval depth of {paging.MAX_DEPTH:,} rows "
            f"(the deepest page at a page size of {page_size} is {paging.deepest_page(page_size):,}). "
            "Requests beyond this depth are rejected to protect database performance at scale; narrow the "
            "result set with a filter or search rather than paging so deep."
        )


def trace_id(request: ConnexionRequest) -> str:
    """A W3C trace id, as ASP.NET puts in problem details; derived from the request so replays match."""
    digest = hashlib.blake2b(f"{request.method} {request.url}".encode(), digest_size=24).hexdigest()
    return f"00-{digest[:32]}-{digest[32:48]}-00"


class JimErrorStyle:
    """Validation failures as problem details, 401 as `{error, message}`, 403 with no body; the rest the envelope,
    in JIM's words and content types.

    Only for the API: the sandbox's admin routes (the journal) keep the envelope admin-openapi.yaml promises."""

    UNAUTHORISED_BODY = orjson.dumps({"error": "Unauthorized", "message": "Authentication required"})

    def response(self, request: ConnexionRequest, error: errors.JimError, now: datetime) -> ConnexionResponse:
        if request.url.path.startswith(ADMIN_PREFIX):
            return errors.ENVELOPE.response(request, error, now)
        headers = dict(error.headers or {})
        if error.code == "VALIDATION_ERROR":
            problem = {
                "type": VALIDATION_PROBLEM_TYPE,
                "title": errors.GENERIC_VALIDATION_MESSAGE,
                "status": 400,
                "errors": error.validation_errors or {},
                "traceId": trace_id(request),
            }
            # [Produces("application/json")] on the controller replaces ASP.NET's application/problem+json
            # (ProducesAttribute.OnResultExecuting; dotnet/aspnetcore#39802).
            body = orjson.dumps(problem)
            return ConnexionResponse(400, mimetype=JSON, content_type=JSON_UTF8, body=body, headers=headers)
        if error.status_code == 401:
            return ConnexionResponse(
                401, mimetype=JSON, content_type=JSON_UTF8, body=self.UNAUTHORISED_BODY, headers=headers
            )
        if error.status_code == 403:
            return ConnexionResponse(403, body=b"", headers=headers)
        if error.code == "SERVICE_UNAVAILABLE":
            error = errors.JimError(503, error.code, UNAVAILABLE, headers=headers)
        # An action's NotFound(...) and BadRequest(...) go through the JSON formatter; JIM's middleware (429,
        # 500, 503) writes its bodies with a plain application/json.
        formatted = error.status_code in (400, 404)
        return errors.ENVELOPE.response(request, error, now, content_type=JSON_UTF8 if formatted else JSON)


JIM = Profile(
    name="jim",
    summary="the real JIM server, as its source behaves (docs/profiles.md: where the documentation and server differ)",
    overlay=OVERLAYS / "jim.overlay.yaml",
    change_names={"Add": "Added", "Update": "Updated", "Delete": "Deleted"},
    wording=JimWording(),
    error_style=JimErrorStyle(),
    empty_past_last_page=True,
    fold_query_case=True,
    non_guid_id_to_web_ui=True,
    security_headers={"Content-Security-Policy": JIM_CSP, **SECURITY_HEADERS},
    retry_after=60,
    shape=SHAPE,
    sort_keys=SORT_KEYS,
    json_media_type=JSON_UTF8,
    api_headers=API_VERSIONS,
    repeated_key_joined=True,
    aspnet_paths=True,
)
