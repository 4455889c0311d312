"""A pytest plugin that plants one named bug in the mockserver, so a run of the contract suite can prove it catches it.

Load it with `-p tests.mutants` and name the bug in TEETH_MUTANT:

    TEETH_MUTANT=items_unsorted python -m pytest contract_tests -p tests.mutants

With the variable unset or empty it changes nothing. The in-process app is the stack `mockserver
serve` builds with default settings (no response validation), so the suite's own assertions have
to notice the bug. Each mutant is a plain attribute patch of a mockserver module or class, made
in `pytest_configure`, before the contract suite's `target` fixture imports and calls `create_app`.
A patch whose target has gone (the server was refactored) is a usage error, never a mutant that
silently changes nothing.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import orjson
import pytest
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.responses import Response

import mockserver.app
from mockserver import compat, errors
from mockserver.api import auth, handlers, params, webui
from mockserver.controls import canonical_path, client_log, journal, rate_limit
from mockserver.profiles.jim import JimWording
from mockserver.world import paging, schedule_list, store
from mockserver.world.connected_systems import ConnectedSystems
from mockserver.world.filters import NO_FILTER, ListFilter
from mockserver.world.items.figures import TOTALS
from mockserver.world.runs import client_state, listed, live, run_activity, scheduler, started
from mockserver.world.runs import progress as run_progress

ENV = "TEETH_MUTANT"
"""Not a MOCKSERVER_ variable: the server refuses one that names no setting of its own."""
BIG_PAGE = 1_000_000


class StaleMutant(Exception):
    """The attribute a mutant patches no longer exists."""


def replace(owner: object, name: str, value: object) -> Any:
    """Set owner.name to value and return the original; the attribute must already exist."""
    try:
        original = getattr(owner, name)
    except AttributeError:
        raise StaleMutant(f"{getattr(owner, '__name__', owner)} has no attribute {name!r}") from None
    setattr(owner, name, value)
    return original


def page_size_not_capped() -> None:
    # effective_page_size reads the constant at call time; replacing the function too keeps the
    # mutant alive if the cap ever moves into the function.
    replace(paging, "MAX_PAGE_SIZE", 1000)

    def effective_page_size(page_size: int | None) -> int:
        return paging.DEFAULT_PAGE_SIZE if page_size is None or page_size < 1 else min(page_size, 1000)

    replace(paging, "effective_page_size", effective_page_size)


def has_next_page_off_by_one() -> None:
    def envelope_fields(self: paging.Window) -> dict[str, int | bool]:
        fields: dict[str, int | bool] = original(self)
        fields["hasNextPage"] = self.page <= self.total_pages
        return fields

    original = replace(paging.Window, "envelope_fields", envelope_fields)


def items_unsorted() -> None:
    # At the handler, so it holds whichever item source (stored or generated) serves the page.
    async def list_execution_items(self: handlers.Handlers, *args: Any, **kwargs: Any) -> Response:
        response: Response = await original(self, *args, **kwargs)
        body = orjson.loads(response.body)
        body["items"].sort(key=lambda item: item["id"], reverse=True)
        return Response(orjson.dumps(body), status_code=response.status_code, media_type=response.media_type)

    original = replace(handlers.Handlers, "list_execution_items", list_execution_items)


def reader_404_not_403() -> None:
    # The key check calls errors.forbidden() through the module, so the patch reaches it.
    def forbidden() -> errors.JimError:
        return errors.JimError(404, "NOT_FOUND", "Activity not found.")

    replace(errors, "forbidden", forbidden)


def problem_json_errors() -> None:
    # create_app reads errors.error_response when it wires the error handlers, which is after this patch.
    def error_response(request: ConnexionRequest, exc: Exception, **_: object) -> ConnexionResponse:
        error = errors.as_jim_error(request, exc)
        problem = {"type": "about:blank", "title": error.code, "status": error.status_code, "detail": error.message}
        return ConnexionResponse(
            status_code=error.status_code,
            mimetype="application/problem+json",
            content_type="application/problem+json",
            body=orjson.dumps(problem),
            headers=dict(error.headers or {}),
        )

    replace(errors, "error_response", error_response)


def huge_page_500() -> None:
    def effective_page(page: int | None) -> int:
        if page is not None and page > BIG_PAGE:
            raise OverflowError(f"page {page} overflows the row offset")
        result: int = original(page)
        return result

    original = replace(paging, "effective_page", effective_page)


def total_count_zero_past_last_page() -> None:
    # What the real JIM does (the jim profile): past the last page it reports an empty collection.
    def envelope_fields(self: paging.Window) -> dict[str, int | bool]:
        if self.total_count and self.start >= self.total_count:
            return original(paging.Window(self.page, self.page_size, 0))  # type: ignore[no-any-return]
        return original(self)  # type: ignore[no-any-return]

    original = replace(paging.Window, "envelope_fields", envelope_fields)


def first_value_loses() -> None:
    def last_values(query_string: bytes, fold_case: bool = False) -> dict[str, str]:
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        return {key.lower() if fold_case else key: value for key, value in pairs}

    replace(params, "first_values", last_values)


def depth_ceiling_off_by_one() -> None:
    def depth_error(page: int, page_size: int) -> str | None:
        if (page - 1) * page_size == paging.MAX_DEPTH:  # `>=` where the contract says `>`
            message: str | None = original(page + 1, page_size)
            return message and message.replace(f"Page {page + 1:,}", f"Page {page:,}", 1)
        return original(page, page_size)  # type: ignore[no-any-return]

    original = replace(paging, "depth_error", depth_error)


def only_first_validation_error() -> None:
    def validation_error(
        problems: Mapping[str, Sequence[str]], message: str = errors.GENERIC_VALIDATION_MESSAGE
    ) -> errors.JimError:
        first = next(iter(problems))
        return original({first: problems[first]}, message)  # type: ignore[no-any-return]

    original = replace(errors, "validation_error", validation_error)


def health_rate_limited() -> None:
    # The rate-limit layer asks this name in its own module, at call time.
    replace(rate_limit, "is_health", lambda path: False)


def live_reports_healthy() -> None:
    async def get_health_live(self: handlers.Handlers, scope: Any) -> Response:
        response: Response = await self.get_health(scope)
        return response

    replace(handlers.Handlers, "get_health_live", get_health_live)


def path_echoed_whole() -> None:
    def path_not_found(path: str) -> errors.JimError:
        return errors.JimError(404, "NOT_FOUND", f"No resource exists at {path}.")

    replace(errors, "path_not_found", path_not_found)


def jim_profile(**changes: Any) -> None:
    """The jim profile with some of its rules swapped for the documented ones (create_app reads app.PROFILES)."""
    profiles = dict(mockserver.app.PROFILES)
    profiles["jim"] = dataclasses.replace(profiles["jim"], **changes)
    replace(mockserver.app, "PROFILES", profiles)


def jim_true_total_past_last_page() -> None:
    jim_profile(empty_past_last_page=False)


def jim_documented_vocabulary() -> None:
    jim_profile(change_names={})


def jim_retry_after_counts_down() -> None:
    jim_profile(retry_after=None)


def jim_camel_case_keys() -> None:
    class CamelCaseWording(JimWording):
        def field(self, name: str) -> str:
            return name

    jim_profile(wording=CamelCaseWording())


def jim_filters_ignored() -> None:
    # The handler reads the module's list_filter when it answers, after this patch.
    def list_filter(given: params.Params) -> ListFilter:
        return NO_FILTER

    replace(handlers, "list_filter", list_filter)


def jim_detail_counters() -> None:
    jim = mockserver.app.PROFILES["jim"]
    detail = (*jim.shape.detail, *TOTALS, "childActivityCount")
    jim_profile(shape=dataclasses.replace(jim.shape, detail=detail))


def progress_frozen() -> None:
    # A run in progress stays where it stood at the world's start, whatever the clock says.
    def moment(self: live.LiveActivity, elapsed: float, duration: float, start: Any) -> live.Moment:
        return original(self, 0.0, duration, start)  # type: ignore[no-any-return]

    original = replace(live.LiveActivity, "moment", moment)


def stale_item_pages() -> None:
    # The rendered-page cache forgets that a run in progress gains items: its first page is kept as first seen.
    def page_key(self: handlers.Handlers, activity_id: str, count: int, given: params.Params) -> Any:
        return (activity_id, given.page, given.page_size)

    replace(handlers.Handlers, "page_key", page_key)


def routes_kept_by_path_alone() -> None:
    # The routing memo forgets the method: any method to a path routed before reaches that GET operation.
    class PathAlone:
        def __init__(self, memo: Any) -> None:
            self.memo = memo

        def get(self, key: tuple[str, str]) -> Any:
            return self.memo.get(key[1])

        def put(self, key: tuple[str, str], value: Any) -> Any:
            return self.memo.put(key[1], value)

    def __init__(self: compat.RememberedRouting, app: Any, memo: Any) -> None:
        original(self, app, PathAlone(memo))

    original = replace(compat.RememberedRouting, "__init__", __init__)


def parameters_kept_without_the_path() -> None:
    # The parameter memo forgets the path: a query parsed for one activity answers for another with the same query.
    def __call__(self: params.OperationRules, scope: Any) -> None:
        query_string: bytes = scope.get("query_string", b"")
        path = tuple(scope.get("path_params", {}).items())
        headers = tuple(params.header_values(scope, raw_name) for _, raw_name, _ in self.header_checks)
        key = (self, query_string, (), headers)
        parsed = self.memo.get(key)
        if parsed is None:
            parsed = self.memo.put(key, self.parse(query_string, path, headers))
        params.set_params(scope, parsed)

    replace(params.OperationRules, "__call__", __call__)


def unknown_system_has_no_run_profiles() -> None:
    # As JIM's controller would answer without its existence check: an unknown system's run profiles are [].
    original = replace(ConnectedSystems, "run_profiles", lambda self, system_id: original(self, system_id) or b"[]")


def jim_system_id_as_documented() -> None:
    # JIM's {id:int} route takes what int.TryParse takes ("+1", " 1"); this takes only an optional '-' and digits.
    replace(webui, "dotnet_int", paging.parse_int32)


def cancel_forgotten() -> None:
    # The cancel answers 202 and records nothing: the run goes on to its fixture's ending.
    replace(started.MemoryRunStore, "cancel", lambda self, task_id, at: self.by_task(task_id))


def started_runs_unlisted() -> None:
    # A started run is found by its id but never joins the list (as if kept apart from the history).
    original = replace(store.Store, "moment", lambda self, client=None: original(self))


def jim_repeated_key_taken() -> None:
    # A key header sent twice is taken as the one key both name, where JIM reads "key,key" and finds no key.
    original = replace(auth, "credential", lambda scope, name, joined=False: original(scope, name, False))


def jim_paths_as_written() -> None:
    # API paths matched only as the spec spells them: /API/V1/… and /api/v1.0/… are 404s, where ASP.NET routes them.
    replace(canonical_path, "aspnet_path", lambda path: path)


def jim_file_name_to_web_ui() -> None:
    # An id like report.json gets the web UI's page, where JIM's fallback route (nonfile) does not match: a 404.
    replace(webui, "file_name", lambda path: False)


def estimate_before_any_object() -> None:
    # The run's rate, and the seconds left at it, from the first poll, before the count has moved.
    original = replace(
        run_progress, "progress", lambda activity, now: early_estimate(original(activity, now), activity)
    )


def early_estimate(body: dict[str, Any], activity: Any) -> dict[str, Any]:
    if body["status"] == "InProgress" and body["objectsProcessed"] == 0 and activity.rate:
        body["objectsPerSecond"] = activity.rate
        body["estimatedSecondsRemaining"] = body["objectsToProcess"] / activity.rate
    return body


def scheduled_steps_run_at_once() -> None:
    # Every step of a schedule execution executes the moment it is queued, none waiting for the step before it.
    original = replace(
        run_activity.RunActivities,
        "course",
        lambda self, run, lookup=None: original(self, dataclasses.replace(run, schedule=None), lookup),
    )


def failed_step_does_not_stop_the_schedule() -> None:
    # A step that fails is passed over: the steps after it run as if it continued on failure.
    def course(self: run_activity.RunActivities, run: started.StartedRun, lookup: Any = None) -> run_activity.Course:
        step = run.schedule
        return original(self, dataclasses.replace(run, schedule=step and dataclasses.replace(step, halt=False)), lookup)

    original = replace(run_activity.RunActivities, "course", course)


def schedules_fire_a_poll_late() -> None:
    # The scheduler fires 30 seconds after each occurrence (as if every firing waited for JIM's next poll).
    original = replace(
        scheduler.Scheduler, "_fire", lambda self, schedule, track, at: original(self, schedule, track, at + 30)
    )


def schedule_sort_ignores_descending() -> None:
    # sortDescending=true lists the schedules in the ascending order.
    original = replace(schedule_list, "order", lambda rows, sort_by, descending: original(rows, sort_by, False))


MUTANTS: dict[str, tuple[str, Callable[[], None]]] = {
    "page_size_not_capped": ("pageSize above 100 is not capped (cap 1000)", page_size_not_capped),
    "has_next_page_off_by_one": ("hasNextPage is page <= totalPages", has_next_page_off_by_one),
    "items_unsorted": ("the items of a page come in descending id order", items_unsorted),
    "reader_404_not_403": ("a valid key without the Administrator role gets 404 NOT_FOUND", reader_404_not_403),
    "problem_json_errors": ("errors are application/problem+json, not the JIM envelope", problem_json_errors),
    "huge_page_500": ("a page number above 1,000,000 is a 500", huge_page_500),
    "total_count_zero_past_last_page": ("pages past the last report totalCount 0", total_count_zero_past_last_page),
    "first_value_loses": ("a repeated query parameter takes its last value", first_value_loses),
    "depth_ceiling_off_by_one": ("skipping exactly 1,000,000 rows is rejected", depth_ceiling_off_by_one),
    "only_first_validation_error": ("validationErrors names only the first bad parameter", only_first_validation_error),
    "health_rate_limited": ("health routes count against the per-IP rate limit", health_rate_limited),
    "live_reports_healthy": ("/health/live answers health's body (status healthy)", live_reports_healthy),
    "path_echoed_whole": ("a 404 echoes the whole unknown path", path_echoed_whole),
    "jim_true_total_past_last_page": ("jim: past the last page reports the true total", jim_true_total_past_last_page),
    "jim_documented_vocabulary": ("jim: items carry Add/Update/Delete", jim_documented_vocabulary),
    "jim_camel_case_keys": ("jim: validation problems are keyed page, not Page", jim_camel_case_keys),
    "jim_retry_after_counts_down": ("jim: Retry-After counts the window down, not 60", jim_retry_after_counts_down),
    "jim_filters_ignored": ("jim: the list ignores its filters (status=… lists all)", jim_filters_ignored),
    "jim_detail_counters": ("jim: the detail carries the counters and childActivityCount", jim_detail_counters),
    "progress_frozen": ("a run in progress never moves: its progress stays where it started", progress_frozen),
    "stale_item_pages": ("a run in progress keeps serving the item page first rendered for it", stale_item_pages),
    "routes_kept_by_path_alone": (
        "any method to a path routed before reaches its GET operation",
        routes_kept_by_path_alone,
    ),
    "unknown_system_has_no_run_profiles": (
        "an unknown connected system's run profiles are [] rather than 404",
        unknown_system_has_no_run_profiles,
    ),
    "jim_system_id_as_documented": (
        "jim: a connectedSystemId with a sign or white space is the web UI's, not the system's",
        jim_system_id_as_documented,
    ),
    "parameters_kept_without_the_path": (
        "a query parsed for one activity answers for another with the same query",
        parameters_kept_without_the_path,
    ),
    "cancel_forgotten": ("cancelling a worker task answers 202 and the run goes on", cancel_forgotten),
    "started_runs_unlisted": ("a started run is found by id but never listed", started_runs_unlisted),
    "scheduled_steps_run_at_once": (
        "a schedule's steps all execute when it is run, none waiting for the one before",
        scheduled_steps_run_at_once,
    ),
    "failed_step_does_not_stop_the_schedule": (
        "the steps after a failed step run, as if it continued on failure",
        failed_step_does_not_stop_the_schedule,
    ),
    "jim_repeated_key_taken": ("jim: a key header sent twice is the key, not 401", jim_repeated_key_taken),
    "jim_paths_as_written": ("jim: /API/V1/… and /api/v1.0/… are 404s, not the operation", jim_paths_as_written),
    "jim_file_name_to_web_ui": ("jim: an id like report.json gets the web UI, not 404", jim_file_name_to_web_ui),
    "estimate_before_any_object": (
        "a run's progress estimates the seconds left before any object is processed",
        estimate_before_any_object,
    ),
    "schedules_fire_a_poll_late": ("schedules fire 30 s after each occurrence", schedules_fire_a_poll_late),
    "schedule_sort_ignores_descending": (
        "the schedule list ignores sortDescending=true",
        schedule_sort_ignores_descending,
    ),
}


def journal_not_partitioned() -> None:
    # Every request, a private sandbox's or not, lands in (and is read and cleared from) the one shared journal.
    replace(journal.MemoryJournal, "_partition", lambda self, sandbox: self._entries)
    replace(journal.RedisJournal, "partition", lambda self, sandbox: self.key)


def replicas_never_read_the_log() -> None:
    # A replica answers from what it wrote itself: the writes other replicas appended are never read.
    async def read(self: client_log.RedisLog, state: client_state.ClientState) -> None:
        return None

    replace(client_log.RedisLog, "read", read)


def events_applied_again() -> None:
    # Every event an answer brings is applied, even one another request's answer applied first.
    def apply(state: client_state.ClientState, start: int, events: Sequence[bytes]) -> None:
        for raw in events:
            state.apply(orjson.loads(raw))

    replace(client_log, "apply", apply)


def ended_runs_never_revisited() -> None:
    # A run listed as ended stays as it was listed, whatever cancel the log brings for it later.
    def take_in(self: listed.StartedListing) -> None:
        for run in self.client.own.started_since(self.started_seen):
            self.moving[run.activity_id] = None
            self.started_seen += 1

    replace(listed.StartedListing, "take_in", take_in)


def sandboxes_share_runs() -> None:
    # Every key's runs are the shared world's: a private sandbox's runs are everyone's.
    original = replace(client_state.ClientStates, "get", lambda self, sandbox=None: original(self, None))


SERVER_MUTANTS: dict[str, tuple[str, Callable[[], None]]] = {
    "journal_not_partitioned": (
        "private sandboxes and the shared journal read and write one journal",
        journal_not_partitioned,
    ),
    "replicas_never_read_the_log": (
        "a replica never reads the writes other replicas appended",
        replicas_never_read_the_log,
    ),
    "events_applied_again": ("an event brought twice is applied twice", events_applied_again),
    "ended_runs_never_revisited": ("a run listed as ended ignores a later cancel", ended_runs_never_revisited),
    "sandboxes_share_runs": ("every sandbox's runs are the shared world's", sandboxes_share_runs),
}
"""Bugs outside JIM's contract (the admin routes, CONTRACT.md), so the contract suite of `make teeth` cannot see
them: the server's own tests must catch each, which tests/controls/test_server_teeth.py proves."""


def profile_of(mutant: str) -> str:
    """The profile whose suite must catch the mutant: jim's mutants break only that profile."""
    return "jim" if mutant.startswith("jim_") else "documented"


def selected() -> str | None:
    return os.environ.get(ENV) or None


def pytest_configure(config: pytest.Config) -> None:
    name = selected()
    if name is None:
        return
    every = MUTANTS | SERVER_MUTANTS
    if name not in every:
        raise pytest.UsageError(f"{ENV}={name!r} is not a mutant; valid names: {', '.join(every)}")
    if config.getoption("base_url", default=None):
        raise pytest.UsageError(f"{ENV} patches the in-process app, so it cannot apply with --base-url")
    try:
        every[name][1]()
    except StaleMutant as exc:
        raise pytest.UsageError(f"mutant {name} no longer applies to mockserver: {exc}") from None


def pytest_report_header(config: pytest.Config) -> str | None:
    name = selected()
    every = MUTANTS | SERVER_MUTANTS
    return f"mutant: {name} ({every[name][0]})" if name in every else None
