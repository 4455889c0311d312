"""create_app(settings): wiring only. Connexion routes, authenticates and validates; our modules do the rest."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from connexion import AsyncApp
from connexion.exceptions import ProblemException
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.resolver import Resolver
from starlette.exceptions import HTTPException

from mockserver import errors, http
from mockserver.api import repeats as repeated
from mockserver.api.auth import IdentifyCaller, require_administrator
from mockserver.api.docs import Docs
from mockserver.api.handlers import OPERATIONS, Handlers
from mockserver.api.params import HeaderCheck, OperationRules
from mockserver.api.repeats import RepeatedRequests, open_operations
from mockserver.api.webui import WebUiFallback
from mockserver.compat import (
    ParameterValidation,
    SandboxApp,
    ScopeValidator,
    api_key_security,
)
from mockserver.controls import shared_state
from mockserver.controls.access_log import AccessLog
from mockserver.controls.canonical_path import CanonicalPath
from mockserver.controls.cors import Cors
from mockserver.controls.faults import Chaos, FaultMiddleware, parse_prefer
from mockserver.controls.head import HeadWithoutBody
from mockserver.controls.journal import Journal, JournalMiddleware, MemoryJournal, RedisJournal
from mockserver.controls.journal_routes import JournalRoutes
from mockserver.controls.rate_limit import Limiter, RateLimitMiddleware
from mockserver.controls.security_headers import SecurityHeaders
from mockserver.controls.shared_state import SharedRedis
from mockserver.profiles import PROFILES
from mockserver.profiles.spec import load_spec
from mockserver.serving import freeze_startup_objects, stop_with_master
from mockserver.settings import Settings
from mockserver.world.clock import Clock, RunningClock
from mockserver.world.store import Store, load_store


def create_app(settings: Settings, store: Store | None = None, clock: Clock | None = None) -> AsyncApp:
    """Build the sandbox. A bad fixture, overlay or an unreachable Redis raises a StartupError here,
    before anything listens. `clock`: the world's (the wall clock since start-up unless given; a test's
    ManualClock turns by hand)."""
    profile = PROFILES[settings.profile]
    spec = load_spec(settings.spec_path, profile)
    store = store or load_store(
        settings.fixtures_dir,
        spec,
        settings.seed,
        profile.change_names,
        shape=profile.shape,
        clock=clock or RunningClock(settings.clock_origin),
        live_seconds=settings.live_run_seconds,
    )
    error_response = partial(errors.error_response, style=profile.error_style)
    key_header: str = spec["components"]["securitySchemes"]["ApiKey"]["name"]

    # Shared state (counters, journal) lives in one Redis pool when asked for, else in this process;
    # every use of Redis has a deadline, and readiness reports whether it answers.
    shared = None
    if settings.redis_url is not None and settings.shares_state:
        shared = SharedRedis(settings.redis_url, settings.redis_timeout_ms)
        shared.check_reachable()
    handlers = Handlers(
        store,
        empty_past_last_page=profile.empty_past_last_page,
        sort_keys=profile.sort_keys,
        media_type=profile.json_media_type,
        headers=profile.api_headers,
        readiness=shared.problem if shared else None,
    )
    journal: Journal | None = None
    if settings.journal_size:
        journal = RedisJournal(shared, settings.journal_size) if shared else MemoryJournal(settings.journal_size)
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
    header_checks: dict[str, HeaderCheck] = {http.PREFER_HEADER: parse_prefer} if settings.prefer else {}
    rules = partial(
        OperationRules, header_checks=header_checks, wording=profile.wording, fold_query_case=profile.fold_query_case
    )
    security_headers = None
    if profile.security_headers is not None or settings.security_headers:
        security_headers = partial(SecurityHeaders, docs_prefix=http.REFERENCE_PATH, headers=profile.security_headers)
    cors = partial(Cors, origins=settings.cors_origins, request_headers=(key_header, http.PREFER_HEADER))
    # Paths seen before skip routing, unless a control inside the stack must see each request.
    validators: dict[str, ScopeValidator] = {}
    repeats = None
    if limiter is None and not (settings.prefer or chaos or settings.validate_responses):
        repeats = partial(
            RepeatedRequests,
            handlers={operation: handlers.resolve(operation) for operation in OPERATIONS},
            validators=validators,
            open_operations=open_operations(spec),
        )

    # Connexion's default stack, less its Swagger UI (served under a trailing-slash path, with a
    # redirect) and with our outer layers; errors anywhere render as the JIM envelope.
    # Handlers take the scope, so Connexion's ContextMiddleware has nothing to provide; response
    # validation is a layer only when asked for (it costs up to 10x throughput). Every sandbox
    # control is a layer only when it is on, so the default server does no work for any of them.
    middlewares: list[Any] = [
        # Who is calling, resolved once for every layer below (the key is hashed at most once).
        partial(IdentifyCaller, keys=store.keys, key_header=key_header),
        *([partial(JournalMiddleware, journal=journal)] if journal else []),
        *([AccessLog] if settings.access_log else []),
        *([security_headers] if security_headers else []),
        *([cors] if settings.cors_origins else []),
        CanonicalPath,
        HeadWithoutBody,
        *([repeats] if repeats else []),
        partial(ServerErrorMiddleware, handler=error_response),
        ExceptionMiddleware,
        RoutingMiddleware,
        # JIM decides 429 before authentication: between routing (to know it is an operation) and security.
        *([partial(RateLimitMiddleware, limiter=limiter)] if limiter else []),
        # JIM routes ids as {id:guid}: in the jim profile anything else falls through to its web UI.
        *([WebUiFallback] if profile.non_guid_id_to_web_ui else []),
        SecurityMiddleware,
        partial(ParameterValidation, make_validator=rules, validators=validators),
        # Forced and drawn faults come after authentication and validation, as a failing database would.
        *([partial(FaultMiddleware, chaos=chaos)] if settings.prefer or chaos else []),
        *([ResponseValidationMiddleware] if settings.validate_responses else []),
        LifespanMiddleware,
    ]

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        if shared is not None:
            await shared.aclose()

    app = SandboxApp(
        __name__,
        middlewares=middlewares,
        security_map={"apiKey": api_key_security(require_administrator)},
        validate_responses=settings.validate_responses,
        resolver=Resolver(function_resolver=repeated.resolver(handlers.resolve)),
        lifespan=lifespan if shared is not None else None,
    )
    app.add_api(spec)

    # Starlette looks handlers up by status code before exception class, so register both.
    for exc_class in (errors.JimError, ProblemException, HTTPException, Exception):
        app.add_error_handler(exc_class, error_response)
    for status in errors.HANDLED_STATUSES:
        app.add_error_handler(status, error_response)

    reference = Docs(spec)
    # Every method reaches the docs and journal handlers, which answer those they do not serve with
    # our 405 (these routes sit behind the API's catch-all mount, so Starlette's check would 404).
    every = list(http.METHODS)
    app.add_url_rule(http.SPEC_PATH, "openapi", reference.spec, methods=every)
    app.add_url_rule(http.REFERENCE_PATH, "reference", reference.page, methods=every)
    app.add_url_rule(http.REFERENCE_PATH + "/{name}", "reference-asset", reference.asset, methods=every)
    if journal is not None:
        # Outside /api/v1 and outside the contract: see admin-openapi.yaml.
        routes = JournalRoutes(journal)
        app.add_url_rule(http.REQUESTS_PATH, "journal", routes.dispatch, methods=every)
    return app


def create_app_from_environment() -> AsyncApp:
    """The factory each worker process calls: settings come from the MOCKSERVER_* variables the CLI exported."""
    app = create_app(Settings())
    freeze_startup_objects()
    stop_with_master()
    return app
