"""create_app(settings): wiring only. Connexion routes, authenticates and validates; our modules do the rest."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
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

from mockserver import docs, errors, faults, shared_state
from mockserver.auth import security_handler
from mockserver.browser import Cors, SecurityHeaders
from mockserver.handlers import Handlers
from mockserver.journal import REQUESTS_PATH, Journal, JournalMiddleware, JournalRoutes, MemoryJournal, RedisJournal
from mockserver.middleware import AccessLog, CanonicalPath, HeadWithoutBody
from mockserver.operations import SandboxApp
from mockserver.overlay import overlaid_spec
from mockserver.params import ContractValidationMiddleware, HeaderCheck
from mockserver.profiles import DOCUMENTED, PROFILES, Profile
from mockserver.ratelimit import Limiter, RateLimitMiddleware
from mockserver.settings import Settings
from mockserver.store import Store, load_store
from mockserver.webui import WebUiFallback


def load_spec(path: Path, profile: Profile = DOCUMENTED) -> dict[str, Any]:
    """The spec a profile serves and keeps: the main spec with the profile's overlay applied."""
    return overlaid_spec(path, profile.overlay)


def create_app(settings: Settings, store: Store | None = None) -> AsyncApp:
    """Build the sandbox. Fixture errors raise store.FixtureError here, before anything listens; an
    unreachable Redis raises shared_state.SharedStateError."""
    profile = PROFILES[settings.profile]
    spec = load_spec(settings.spec_path, profile)
    store = store or load_store(settings.fixtures_dir, spec, settings.seed, profile.change_names)
    handlers = Handlers(store, empty_past_last_page=profile.empty_past_last_page)
    render = partial(errors.render, style=profile.error_style)
    key_header: str = spec["components"]["securitySchemes"]["ApiKey"]["name"]

    # Shared state (counters, journal) lives in one Redis pool when asked for, else in this process.
    pool = None
    if settings.redis_url is not None and settings.shares_state:
        shared_state.check_reachable(settings.redis_url)
        pool = shared_state.connection_pool(settings.redis_url)
    journal: Journal | None = None
    if settings.journal_size:
        journal = RedisJournal(pool, settings.journal_size) if pool else MemoryJournal(settings.journal_size)
    limiter = None
    if settings.rate_limit:
        storage = shared_state.limits_storage(pool)
        limiter = Limiter(
            store.keys,
            key_header,
            settings.rate_limit_per_key,
            settings.rate_limit_per_ip,
            storage,
            fixed_retry_after=profile.retry_after,
        )
    chaos = None
    if settings.fault_rate or settings.latency_range:
        chaos = faults.Chaos(settings.seed, settings.fault_rate, settings.latency_range)
    header_checks: dict[str, HeaderCheck] = {faults.PREFER: faults.parse_prefer} if settings.prefer else {}
    validation = partial(
        ContractValidationMiddleware,
        header_checks=header_checks,
        wording=profile.wording,
        fold_query_case=profile.fold_query_case,
    )
    security_headers = None
    if profile.security_headers is not None or settings.security_headers:
        security_headers = partial(SecurityHeaders, docs_prefix=docs.REFERENCE_PATH, headers=profile.security_headers)
    cors = partial(Cors, origins=settings.cors_origins, request_headers=(key_header, faults.PREFER))

    # Connexion's default stack, less its Swagger UI (served under a trailing-slash path, with a
    # redirect) and with our outer layers; errors anywhere render as the JIM envelope.
    # Handlers take the scope, so Connexion's ContextMiddleware has nothing to provide; response
    # validation is a layer only when asked for (it costs up to 10x throughput). Every sandbox
    # control is a layer only when it is on, so the default server does no work for any of them.
    middlewares: list[Any] = [
        *([partial(JournalMiddleware, journal=journal, key_header=key_header)] if journal else []),
        *([AccessLog] if settings.access_log else []),
        *([security_headers] if security_headers else []),
        *([cors] if settings.cors_origins else []),
        CanonicalPath,
        HeadWithoutBody,
        partial(ServerErrorMiddleware, handler=render),
        ExceptionMiddleware,
        RoutingMiddleware,
        # JIM decides 429 before authentication: between routing (to know it is an operation) and security.
        *([partial(RateLimitMiddleware, limiter=limiter)] if limiter else []),
        # JIM routes ids as {id:guid}: in the jim profile anything else falls through to its web UI.
        *([partial(WebUiFallback, keys=store.keys, key_header=key_header)] if profile.non_guid_id_to_web_ui else []),
        SecurityMiddleware,
        validation,
        # Forced and drawn faults come after authentication and validation, as a failing database would.
        *([partial(faults.FaultMiddleware, chaos=chaos)] if settings.prefer or chaos else []),
        *([ResponseValidationMiddleware] if settings.validate_responses else []),
        LifespanMiddleware,
    ]

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        yield
        if pool is not None:
            await pool.aclose()

    app = SandboxApp(
        __name__,
        middlewares=middlewares,
        security_map={"apiKey": security_handler(store.keys)},
        validate_responses=settings.validate_responses,
        resolver=Resolver(function_resolver=handlers.resolve),
        lifespan=lifespan if pool is not None else None,
    )
    app.add_api(spec)

    # Starlette looks handlers up by status code before exception class, so register both.
    for exc_class in (errors.JimError, ProblemException, HTTPException, Exception):
        app.add_error_handler(exc_class, render)
    for status in errors.HANDLED_STATUSES:
        app.add_error_handler(status, render)

    reference = docs.Docs(spec)
    # Every method reaches the docs and journal handlers, which answer those they do not serve with
    # our 405 (these routes sit behind the API's catch-all mount, so Starlette's check would 404).
    every = docs.EVERY_METHOD
    app.add_url_rule(docs.SPEC_PATH, "openapi", reference.spec, methods=every)
    app.add_url_rule(docs.REFERENCE_PATH, "reference", reference.page, methods=every)
    app.add_url_rule(docs.REFERENCE_PATH + "/{name}", "reference-asset", reference.asset, methods=every)
    if journal is not None:
        # Outside /api/v1 and outside the contract: see admin-openapi.yaml.
        routes = JournalRoutes(journal)
        app.add_url_rule(REQUESTS_PATH, "journal", routes.dispatch, methods=every)
    return app


def freeze_startup_objects() -> None:
    """Exempt everything built at start-up (spec, fixtures, fragment pools) from garbage collection.

    Serving allocates many short-lived objects; without this, each full collection re-scans the
    long-lived ones and shows up as p99 latency.
    """
    gc.collect()
    gc.freeze()


def create_app_from_environment() -> AsyncApp:
    """The factory each worker process calls: settings come from the MOCKSERVER_* variables the CLI exported."""
    app = create_app(Settings())
    freeze_startup_objects()
    return app
