"""The operationId targets: the mock stage, after Connexion has routed, authenticated and validated."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import timedelta
from operator import attrgetter
from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import Scope

from mockserver import errors
from mockserver.api import runs, schedules, synchronisation
from mockserver.api.clients import Clients
from mockserver.http import JSON
from mockserver.memo import Memo
from mockserver.scope import Params, params
from mockserver.world.activity import Activity
from mockserver.world.filters import FILTER_FIELDS, ListFilter
from mockserver.world.items.source import ItemSource
from mockserver.world.listing import DEFAULT_SORT
from mockserver.world.paging import Window
from mockserver.world.runs.client_state import ClientLog, ClientState, LocalLog
from mockserver.world.runs.progress import progress_json
from mockserver.world.store import Store

PRODUCT = "JIM"
VERSION = "1.0.0-sandbox"
"""What /api/v1/health/version reports: fixed, so the answer is the same bytes on every run."""


def json_array(rows: Sequence[bytes]) -> bytes:
    return b"[" + b",".join(rows) + b"]"


def list_filter(given: Params) -> ListFilter:
    """The list's filters a request gave (none where the spec declares none)."""
    return ListFilter(**{name: getattr(given, name) for name in FILTER_FIELDS if getattr(given, name) is not None})


RENDERED_PAGES = 64
"""Item pages kept rendered (the memo `item pages`): under 2 MB of 100-item pages; clients poll a few, not hundreds."""

PageKey = tuple[str, int, int, int]
"""What fixes a page of items: the activity, how many items it has, the page and the page size."""


class JsonAnswer(Response):
    """A 200 answer with header lines encoded once per app: Starlette's Response encodes them on every answer.

    The same header lines, in the same order, as `Response(body, media_type=…, headers=…)` sends."""

    def __init__(self, body: bytes, head: Sequence[tuple[bytes, bytes]], content_type: tuple[bytes, bytes]) -> None:
        self.status_code = 200
        self.background = None
        self.body = body
        self.raw_headers = [*head, (b"content-length", b"%d" % len(body)), content_type]


Readiness = Callable[[], Awaitable[str | None]]
"""None when a dependency the server needs answers, else what is wrong with it."""


class Handlers:
    """One instance per app, so handlers see that app's store and its profile's rules, and nothing global."""

    def __init__(
        self,
        store: Store,
        empty_past_last_page: bool = False,
        sort_keys: Mapping[str, str] | None = None,
        media_type: str = JSON,
        headers: Mapping[str, str] | None = None,
        readiness: Readiness | None = None,
        pages: Memo[PageKey, bytes] | None = None,
        log: ClientLog | None = None,
    ) -> None:
        """`readiness`: the check of a dependency (the shared Redis) that /api/v1/health/ready reports;
        `pages`: where rendered item pages are kept (a memo of its own without it); `log`: where what clients
        change is kept (this process's memory without it)."""
        self.store = store
        self.empty_past_last_page = empty_past_last_page
        self.sort_keys = sort_keys
        self.media_type = media_type
        self.headers = dict(headers or {})
        self.head = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in self.headers.items()]
        # As Starlette writes it (a text type gains a charset).
        self.content_type = (b"content-type", Response(media_type=media_type).headers["content-type"].encode("latin-1"))
        self.readiness = readiness
        self.pages: Memo[PageKey, bytes] = pages or Memo("item pages", RENDERED_PAGES)
        self.synchronisation = synchronisation.SynchronisationHandlers(
            store.systems, self.json_response, self.page_response, self.refuse
        )
        self.clients = Clients(store, log or LocalLog(), self.refuse)
        answers = (self.json_response, self.page_response, self.accepted, self.refuse)
        self.runs = runs.RunHandlers(store, self.clients, *answers)
        self.schedules = schedules.ScheduleHandlers(store, self.clients, *answers)

    def timestamp(self) -> str:
        """The world's time, as health answers write it."""
        return errors.timestamp(self.store.now())

    def json_response(self, body: bytes) -> Response:
        return JsonAnswer(body, self.head, self.content_type)

    def accepted(self, body: bytes | None) -> Response:
        """202: with a JSON body, or none (JIM's Accepted())."""
        if body is None:
            return Response(status_code=202, headers=self.headers)
        return Response(body, status_code=202, media_type=self.media_type, headers=self.headers)

    def envelope(self, page: bytes, window: Window) -> bytes:
        """The paged envelope around the window's rows, already a JSON array."""
        return orjson.dumps({"items": orjson.Fragment(page), **window.envelope_fields()})

    def page_response(self, page: bytes, window: Window) -> Response:
        return self.json_response(self.envelope(page, window))

    def refuse(self, error: errors.JimError) -> errors.JimError:
        """An error the operation itself answers carries what its answers carry (JIM: the version header)."""
        error.headers.update(self.headers)
        return error

    def window(self, given: Params, total_count: int) -> Window:
        return Window(given.page, given.page_size, total_count, self.empty_past_last_page)

    def resolve(self, operation_id: str) -> Any:
        return attrgetter(OPERATIONS[operation_id])(self)

    async def client(self, scope: Scope) -> ClientState | None:
        """The caller's sandbox state when the activity asked for may be one of its runs; None for the history's,
        which never waits on where client state lives."""
        activity_id = params(scope).id
        if activity_id is not None and self.store.in_history(activity_id):
            return None
        return await self.clients.state(scope)

    def existing(
        self, given: Params, activities: Mapping[str, Activity] | None = None, client: ClientState | None = None
    ) -> Activity:
        activity_id = given.id or ""
        found = activities.get(activity_id) if activities is not None else self.store.activity(activity_id, client)
        if found is None:
            raise self.refuse(errors.activity_not_found(activity_id))
        return found

    def sort_key(self, sort_by: str | None) -> str | None:
        """The list's sort key for a sortBy: itself where the spec allows only the keys, else by the profile's map."""
        if self.sort_keys is None or sort_by is None:
            return sort_by
        return self.sort_keys.get(sort_by.lower(), DEFAULT_SORT)

    async def list_activities(self, scope: Scope) -> Response:
        given, moment = params(scope), self.store.moment(await self.clients.state(scope))
        descending = given.sort_direction == "desc"
        matches = moment.listing.top_level(self.sort_key(given.sort_by), descending, given.search, list_filter(given))
        window = self.window(given, len(matches))
        rows = [a.header_json for a in matches[window.start : window.stop]] if window.start < window.stop else []
        return self.page_response(json_array(rows), window)

    async def get_activity(self, scope: Scope) -> Response:
        return self.json_response(self.existing(params(scope), client=await self.client(scope)).detail_json)

    async def get_activity_stats(self, scope: Scope) -> Response:
        activity = self.existing(params(scope), client=await self.client(scope))
        if activity.stats_json is None:
            raise self.refuse(errors.stats_not_run_profile())
        return self.json_response(activity.stats_json)

    async def get_activity_progress(self, scope: Scope) -> Response:
        client, store = await self.client(scope), self.store
        elapsed = store.clock.elapsed()  # read once: the run and retrievedAt at the same second
        if client is None:
            moment = store.moment()
            return self.json_response(progress_json(self.existing(params(scope), moment.activities), moment.now))
        activity = store.activity(params(scope).id or "", client, elapsed)
        if activity is None:
            raise self.refuse(errors.activity_not_found(params(scope).id or ""))
        return self.json_response(progress_json(activity, store.start + timedelta(seconds=elapsed)))

    async def list_child_activities(self, scope: Scope) -> Response:
        given = params(scope)
        # A started run has no children; the history's children are the history's.
        children = self.existing(given, client=await self.client(scope)).children
        moment = self.store.moment()
        window = self.window(given, len(children))
        rows = [moment.activities[c].header_json for c in children[window.start : window.stop]]
        return self.page_response(json_array(rows), window)

    def page_key(self, activity_id: str, count: int, given: Params) -> PageKey:
        """What fixes a page of items: an activity's first n items never change (a run in progress
        only adds to them), so the activity, how many items it has, and the window."""
        return (activity_id, count, given.page, given.page_size)

    async def list_execution_items(self, scope: Scope) -> Response:
        # The validator left the effective values (GUID lower-cased, paging defaulted and capped).
        given = params(scope)
        client = await self.client(scope)
        # A started run's items without its whole activity: how many it has recorded, and where they come from.
        items: ItemSource | None = self.store.run_items(given.id or "", client) if client is not None else None
        if items is None:
            activity = self.existing(given, client=client)
            if not activity.is_run_profile:
                raise self.refuse(errors.not_run_profile())
            items = activity.items
        count = items.count if items is not None else 0
        key = self.page_key(given.id or "", count, given)
        body = self.pages.get(key)
        if body is None:
            window = self.window(given, count)
            page = items.page_json(window.start, window.stop) if items and window.start < window.stop else b"[]"
            body = self.pages.put(key, self.envelope(page, window))
        return self.json_response(body)

    async def get_health(self, scope: Scope) -> Response:
        return self.json_response(orjson.dumps({"status": "healthy", "timestamp": self.timestamp()}))

    async def get_health_live(self, scope: Scope) -> Response:
        # Alive is answering at all: it never waits on a dependency (JIM's HealthController).
        return self.json_response(orjson.dumps({"status": "alive", "timestamp": self.timestamp()}))

    async def get_health_ready(self, scope: Scope) -> Response:
        problem = await self.readiness() if self.readiness is not None else None
        if problem is None:
            return self.json_response(orjson.dumps({"status": "ready", "timestamp": self.timestamp()}))
        # JIM's answer when its readiness check throws: reason "error" and what went wrong.
        body = {"status": "not_ready", "reason": "error", "error": problem, "timestamp": self.timestamp()}
        return Response(content=orjson.dumps(body), status_code=503, media_type=JSON)

    async def get_version(self, scope: Scope) -> Response:
        return self.json_response(orjson.dumps({"product": PRODUCT, "version": VERSION}))


OPERATIONS = {
    "listActivities": "list_activities",
    "getActivity": "get_activity",
    "getActivityStats": "get_activity_stats",
    "getActivityProgress": "get_activity_progress",
    "listChildActivities": "list_child_activities",
    "listExecutionItems": "list_execution_items",
    "getHealth": "get_health",
    "getHealthLive": "get_health_live",
    "getHealthReady": "get_health_ready",
    "getVersion": "get_version",
    **synchronisation.OPERATIONS,
    **runs.OPERATIONS,
    **schedules.OPERATIONS,
}
"""operationId -> the handler, as a path from Handlers (dotted for the handlers of another module)."""
