"""The operationId targets: the mock stage, after Connexion has routed, authenticated and validated."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import Scope

from mockserver import errors
from mockserver.http import JSON
from mockserver.scope import Params, params
from mockserver.world.activity import Activity
from mockserver.world.paging import Window
from mockserver.world.store import Store

PRODUCT = "JIM"
VERSION = "1.0.0-sandbox"
"""What /api/v1/health/version reports: fixed, so the answer is the same bytes on every run."""


def json_response(body: bytes) -> Response:
    return Response(content=body, media_type=JSON)


def json_array(rows: Sequence[bytes]) -> bytes:
    return b"[" + b",".join(rows) + b"]"


def page_response(page: bytes, window: Window) -> Response:
    """The paged envelope around the window's rows, already a JSON array."""
    return json_response(orjson.dumps({"items": orjson.Fragment(page), **window.envelope_fields()}))


Readiness = Callable[[], Awaitable[str | None]]
"""None when a dependency the server needs answers, else what is wrong with it."""


class Handlers:
    """One instance per app, so handlers see that app's store and nothing global."""

    def __init__(self, store: Store, empty_past_last_page: bool = False, readiness: Readiness | None = None) -> None:
        """`readiness`: the check of a dependency (the shared Redis) that /api/v1/health/ready reports."""
        self.store = store
        self.empty_past_last_page = empty_past_last_page
        self.readiness = readiness

    def window(self, given: Params, total_count: int, empty_past_last: bool = False) -> Window:
        return Window(given.page, given.page_size, total_count, empty_past_last)

    def resolve(self, operation_id: str) -> Any:
        return getattr(self, OPERATIONS[operation_id])

    def existing(self, given: Params) -> Activity:
        activity = self.store.activity(given.id or "")
        if activity is None:
            raise errors.activity_not_found(given.id or "")
        return activity

    async def list_activities(self, scope: Scope) -> Response:
        given = params(scope)
        matches = self.store.listing.top_level(given.sort_by, given.sort_direction, given.search)
        window = self.window(given, len(matches))
        return page_response(json_array([a.header_json for a in matches[window.start : window.stop]]), window)

    async def get_activity(self, scope: Scope) -> Response:
        return json_response(self.existing(params(scope)).detail_json)

    async def get_activity_stats(self, scope: Scope) -> Response:
        activity = self.existing(params(scope))
        if activity.stats_json is None:
            raise errors.stats_not_run_profile()
        return json_response(activity.stats_json)

    async def list_child_activities(self, scope: Scope) -> Response:
        given = params(scope)
        children = self.existing(given).children
        window = self.window(given, len(children))
        activities = self.store.activities
        rows = [activities[c].header_json for c in children[window.start : window.stop]]
        return page_response(json_array(rows), window)

    async def list_execution_items(self, scope: Scope) -> Response:
        # The validator left the effective values (GUID lower-cased, paging defaulted and capped).
        given = params(scope)
        activity = self.existing(given)
        if not activity.is_run_profile:
            raise errors.not_run_profile()
        items = activity.items
        # JIM's own rule past the last page, where the profile keeps it, is known for execution items only.
        window = self.window(given, activity.item_count, self.empty_past_last_page)
        page = items.page_json(window.start, window.stop) if items and window.start < window.stop else b"[]"
        return page_response(page, window)

    async def get_health(self, scope: Scope) -> Response:
        return json_response(orjson.dumps({"status": "healthy", "timestamp": errors.timestamp()}))

    async def get_health_live(self, scope: Scope) -> Response:
        # Alive is answering at all: it never waits on a dependency (JIM's HealthController).
        return json_response(orjson.dumps({"status": "alive", "timestamp": errors.timestamp()}))

    async def get_health_ready(self, scope: Scope) -> Response:
        problem = await self.readiness() if self.readiness is not None else None
        if problem is None:
            return json_response(orjson.dumps({"status": "ready", "timestamp": errors.timestamp()}))
        # JIM's answer when its readiness check throws: reason "error" and what went wrong.
        body = {"status": "not_ready", "reason": "error", "error": problem, "timestamp": errors.timestamp()}
        return Response(content=orjson.dumps(body), status_code=503, media_type=JSON)

    async def get_version(self, scope: Scope) -> Response:
        return json_response(orjson.dumps({"product": PRODUCT, "version": VERSION}))


OPERATIONS = {
    "listActivities": "list_activities",
    "getActivity": "get_activity",
    "getActivityStats": "get_activity_stats",
    "listChildActivities": "list_child_activities",
    "listExecutionItems": "list_execution_items",
    "getHealth": "get_health",
    "getHealthLive": "get_health_live",
    "getHealthReady": "get_health_ready",
    "getVersion": "get_version",
}
