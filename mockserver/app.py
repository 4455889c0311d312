"""create_app(settings): wiring only. Connexion routes, authenticates and validates; our modules do the rest."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from functools import partial
from typing import Any

from connexion import AsyncApp
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.resolver import Resolver

from mockserver import errors, http
from mockserver.api.auth import IdentifyCaller, Resolve, SandboxUnavailable, require_administrator
from mockserver.api.docs import Docs
from mockserver.api.handlers import RENDERED_PAGES, Handlers, PageKey
from mockserver.api.params import PARSED_REQUESTS, HeaderCheck, OperationRules, ParsedKey, first_values
from mockserver.api.webui import WebUiFallback
from mockserver.compat import KeySecurity, ParameterValidation, RememberedRouting, Route, SandboxApp
from mockserver.controls import shared_state
from mockserver.controls.access_log import AccessLog
from mockserver.controls.admin_guard import AdminGuard
from mockserver.controls.canonical_path import CanonicalPath
from mockserver.controls.client_log import RedisLog
from mockserver.controls.cors import Cors
from mockserver.controls.date_header import DateHeader
from mockserver.controls.faults import Chaos, FaultMiddleware
from mockserver.controls.head import HeadWithoutBody
from mockserver.controls.journal import SANDBOX_JOURNAL_SIZE, Journal, JournalMiddleware, MemoryJournal, RedisJournal
from mockserver.controls.journal_routes import JournalRoutes
from mockserver.controls.rate_limit import Limiter, RateLimitMiddleware
from mockserver.controls.sandbox_routes import SandboxRoutes
from mockserver.controls.sandboxes import MemoryRegistry, RedisRegistry, Registry
from mockserver.controls.security_headers import SecurityHeaders
from mockserver.controls.shared_state import RedisUnavailable, SharedRedis
from mockserver.error_stage import RenderErrors
from mockserver.memo import Memo, Memos
from mockserver.preference import parse_prefer
from mockserver.profiles import PROFILES
from mockserver.profiles.spec import load_spec
from mockserver.scope import Params
from mockserver.serving import freeze_startup_objects, is_loopback, stop_with_master
from mockserver.settings import Settings
from mockserver.world.runs.client_state import REPLAYABLE_KEPT, ClientLog, LocalLog
from mockserver.world.runs.clock import Clock, ManualClock, RunningClock
from mockserver.world.store import Store, load_store

REMEMBERED_ROUTES = 4096
"""Routes kept (the memo `routes`): one per method and path, so one per activity and sub-resource asked for."""

logger = logging.getLogger("mockserver")


def history_ends(epoch: str, origin: float) -> datetime | None:
    """When the fixture history ends (`--epoch`), the world's time at start-up: None at the fixtures' own dates."""
    if epoch == "fixtures":
        return None
    return datetime.fromtimestamp(origin, UTC) if epoch == "now" else datetime.fromisoformat(epoch)


def fires_schedules(settings: Settings) -> bool:
    """`--scheduler` / `--no-scheduler` as given; else on, but off with a hand-turned clock, where nothing happens
    that the test did not ask for."""
    return settings.scheduler if settings.scheduler is not None else not settings.hand_turned_clock


def world_settings(settings: Settings) -> dict[str, Any]:
    """What replicas sharing one Redis must agree on, for a run to read alike on each: the world's time and ids, and
    whether schedules fire."""
    return {
        "seed": settings.seed,
        "clock_rate": settings.clock_rate,
        "epoch": settings.epoch,
        "scheduler": fires_schedules(settings),
    }


def sandbox_resolver(registry: Registry) -> Resolve:
    """The identify stage's view of the registry: a key to (sandbox id, key digest), or None."""

    async def resolve(secret: str) -> tuple[str, str] | None:
        try:
            found = await registry.resolve(secret)
        except RedisUnavailable as exc:
            raise SandboxUnavailable(str(exc)) from None
        return (found.id, found.key_sha256) if found is not None else None

    return resolve


async def sandbox_ended(store: Store, log: ClientLog, sandbox_id: str) -> None:
    """A deleted sandbox's runs go with it: this process's copy, and its log in Redis."""
    store.forget(sandbox_id)
    if isinstance(log, RedisLog):
        await log.forget(sandbox_id)


def create_app(
    settings: Settings, store: Store | None = None, clock: Clock | None = None, registry: Registry | None = None
) -> AsyncApp:
    """Build the sandbox. A bad fixture, overlay or an unreachable Redis raises a StartupError here,
    before anything listens. `clock`: the world's (the wall clock since start-up at `clock_rate`, or a hand-turned
    one with `hand_turned_clock`, unless given; a test's ManualClock turns by hand). `registry`: the private
    sandboxes' (by default in memory, or in Redis with `redis_url`), when `sandboxes` is on."""
    profile = PROFILES[settings.profile]
    spec = load_spec(settings.spec_path, profile)
    # The world starts on a whole second of the wall (the one `serve` gave every worker, or now), so that with
    # `--epoch now` its history ends in the start-up second and its clock reads as the wall's from there.
    origin = float(math.floor(settings.clock_origin if settings.clock_origin is not None else time.time()))
    # What clients change (runs, executions, counters, journal) lives in one Redis pool when asked for, else in this
    # process; every use of Redis has a deadline, and readiness reports whether it answers. Replicas sharing a Redis
    # share the world's start too, the first one's, so that a run started on one moves alike on every other.
    shared = None
    if settings.redis_url is not None:
        shared = SharedRedis(settings.redis_url, settings.redis_timeout_ms)
        shared.check_reachable()
        if not settings.hand_turned_clock:
            origin = shared.world_origin(origin, world_settings(settings))
    if clock is None:
        clock = ManualClock() if settings.hand_turned_clock else RunningClock(origin, rate=settings.clock_rate)
    store = store or load_store(
        settings.fixtures_dir,
        spec,
        settings.seed,
        profile.change_names,
        shape=profile.shape,
        clock=clock,
        live_seconds=settings.live_run_seconds,
        ends_at=history_ends(settings.epoch, origin),
        scheduler=fires_schedules(settings),
    )
    # The world's clock: every time the server writes (error and health timestamps, the journal's times, the Date
    # header) is read from it, as the activities' times and /progress's retrievedAt are.
    now = store.now
    error_response = partial(errors.error_response, style=profile.error_style, now=now)
    # Each stage that does the same work for the same request keeps its result here, bounded.
    memos = Memos()
    routes: Memo[tuple[str, str], Route] = memos.new("routes", REMEMBERED_ROUTES)
    parameters: Memo[ParsedKey, Params] = memos.new("parameters", PARSED_REQUESTS)
    pages: Memo[PageKey, bytes] = memos.new("item pages", RENDERED_PAGES)
    key_header: str = spec["components"]["securitySchemes"]["ApiKey"]["name"]

    log = RedisLog(shared) if shared else LocalLog()
    if shared is not None and store.clients is not None:
        # Sandboxes deleted or ended through other replicas are never heard of here: keep the most recently used.
        store.clients.kept = REPLAYABLE_KEPT
    handlers = Handlers(
        store,
        empty_past_last_page=profile.empty_past_last_page,
        sort_keys=profile.sort_keys,
        media_type=profile.json_media_type,
        headers=profile.api_headers,
        readiness=shared.problem if shared else None,
        pages=pages,
        log=log,
    )
    if settings.sandboxes and registry is None:
        idle = settings.sandbox_idle_seconds
        registry = (
            RedisRegistry(shared, settings.sandboxes, idle) if shared else MemoryRegistry(settings.sandboxes, idle)
        )
    if isinstance(registry, MemoryRegistry):
        registry.ended.append(store.forget)  # idle past its time: its runs go with it
    journal: Journal | None = None
    if settings.journal_size or registry is not None:
        # Each private sandbox has a journal of its own (of --journal N entries, else SANDBOX_JOURNAL_SIZE).
        capacity = settings.journal_size or SANDBOX_JOURNAL_SIZE
        idle_ms = settings.sandbox_idle_seconds * 1000
        journal = RedisJournal(shared, capacity, idle_ms) if shared else MemoryJournal(capacity)
    limiter = None
    if settings.rate_limit:
        limiter = Limiter(
            settings.rate_limit_per_key,
            settings.rate_limit_per_ip,
            shared_state.limits_storage(shared),
            fixed_retry_after=profile.retry_after,
            shared=shared,
        )
    chaos = None
    if settings.fault_rate or settings.latency_range:
        chaos = Chaos(settings.seed, settings.fault_rate, settings.latency_range)
    # The Prefer header is a declared parameter: parsed with the others, read by the faults layer.
    header_checks: dict[str, HeaderCheck] = {http.PREFER_HEADER: parse_prefer} if settings.prefer else {}
    rules = partial(
        OperationRules,
        header_checks=header_checks,
        wording=profile.wording,
        fold_query_case=profile.fold_query_case,
        memo=parameters,
    )
    security_headers = None
    if profile.security_headers is not None or settings.security_headers:
        security_headers = partial(SecurityHeaders, docs_prefix=http.REFERENCE_PATH, headers=profile.security_headers)
    cors = partial(Cors, origins=settings.cors_origins, request_headers=(key_header, http.PREFER_HEADER), now=now)
    # One stack, outermost first, the same whatever is switched on: date, identify, controls, errors, route,
    # rate limit, authenticate, validate, faults, handler (ARCHITECTURE.md's table). A control that is off
    # is absent; nothing is skipped because another control is on or off. Connexion's default stack
    # less its Swagger UI (served under a trailing-slash path, with a redirect) and its
    # ContextMiddleware (handlers take the scope, so it has nothing to provide).
    middlewares: list[Any] = [
        # date: every answer's Date header from the world's clock (uvicorn's, the wall's, is off).
        partial(DateHeader, now=now),
        # identify: who is calling, resolved once for every layer below (the key is hashed at most once).
        partial(
            IdentifyCaller,
            keys=store.keys,
            key_header=key_header,
            sandboxes=sandbox_resolver(registry) if registry is not None else None,
            joined=profile.repeated_key_joined,
        ),
        # controls that see every request and its answer.
        *([partial(JournalMiddleware, journal=journal, now=now, shared=settings.journal_size > 0)] if journal else []),
        *([AccessLog] if settings.access_log else []),
        *([security_headers] if security_headers else []),
        *([cors] if settings.cors_origins else []),
        partial(CanonicalPath, aspnet=profile.aspnet_paths),
        HeadWithoutBody,
        # errors: anything raised below renders as the profile's error body.
        partial(RenderErrors, render=error_response),
        # route: the operation for the method and path, each match kept.
        partial(RememberedRouting, memo=routes),
        # rate limit: JIM decides 429 before authentication.
        *([partial(RateLimitMiddleware, limiter=limiter)] if limiter else []),
        # JIM routes ids as {id:guid}: in the jim profile anything else falls through to its web UI.
        *([WebUiFallback] if profile.non_guid_id_to_web_ui else []),
        # authenticate: 401 without a usable key, 403 without the Administrator role.
        partial(KeySecurity, verify=require_administrator),
        # validate: every declared parameter, each request's result kept.
        partial(ParameterValidation, make_validator=rules),
        # faults: forced and drawn, after authentication and validation, as a failing database would.
        *([partial(FaultMiddleware, chaos=chaos)] if settings.prefer or chaos else []),
        # Response validation when asked for (it costs up to 10x throughput).
        *([ResponseValidationMiddleware] if settings.validate_responses else []),
        LifespanMiddleware,
    ]

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        for figures in memos:
            logger.info("%s", figures.line())
        if shared is not None:
            await shared.aclose()

    app = SandboxApp(
        __name__,
        middlewares=middlewares,
        validate_responses=settings.validate_responses,
        resolver=Resolver(function_resolver=handlers.resolve),
        lifespan=lifespan,
        memos=memos,
        now=now,
    )
    app.add_api(spec)

    reference = Docs(spec)
    # Every method reaches the docs and journal handlers, which answer those they do not serve with
    # our 405 (these routes sit behind the API's catch-all mount, so Starlette's check would 404).
    every = list(http.METHODS)
    app.add_url_rule(http.SPEC_PATH, "openapi", reference.spec, methods=every)
    app.add_url_rule(http.REFERENCE_PATH, "reference", reference.page, methods=every)
    app.add_url_rule(http.REFERENCE_PATH + "/{name}", "reference-asset", reference.asset, methods=every)
    # Outside /api/v1 and outside the contract: see admin-openapi.yaml.
    token = settings.admin_token.get_secret_value() if settings.admin_token else None
    admin = AdminGuard(token, open_without_token=is_loopback(settings.host))
    if journal is not None and settings.journal_size:
        journal_routes = JournalRoutes(journal, read_query=first_values)
        app.add_url_rule(http.REQUESTS_PATH, "journal", admin.guard(journal_routes.dispatch), methods=every)
    if journal is not None and registry is not None:
        sandbox_routes = SandboxRoutes(
            registry, journal, read_query=first_values, ended=partial(sandbox_ended, store, log)
        )
        one = http.SANDBOXES_PATH + "/{id}"
        app.add_url_rule(http.SANDBOXES_PATH, "sandboxes", admin.guard(sandbox_routes.collection), methods=every)
        app.add_url_rule(one, "sandbox", admin.guard(sandbox_routes.member), methods=every)
        app.add_url_rule(one + "/requests", "sandbox-journal", admin.guard(sandbox_routes.requests), methods=every)
    return app


def create_app_from_environment() -> AsyncApp:
    """The factory each worker process calls: settings come from the MOCKSERVER_* variables the CLI exported."""
    app = create_app(Settings())
    freeze_startup_objects()
    stop_with_master()
    return app
