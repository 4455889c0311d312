"""create_app(settings): wiring only. Connexion routes, authenticates and validates; our modules do the rest."""

from __future__ import annotations

import gc
from functools import partial
from pathlib import Path
from typing import Any

import yaml
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

from mockserver import docs, errors
from mockserver.auth import security_handler
from mockserver.handlers import Handlers
from mockserver.middleware import AccessLog, CanonicalPath, HeadWithoutBody
from mockserver.operations import SandboxApp
from mockserver.params import ContractValidationMiddleware
from mockserver.settings import Settings
from mockserver.store import Store, load_store


def load_spec(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        spec = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(spec, dict):
        raise ValueError(f"{path}: not an OpenAPI document")
    return spec


def create_app(settings: Settings, store: Store | None = None) -> AsyncApp:
    """Build the sandbox. Fixture errors raise store.FixtureError here, before anything listens."""
    spec = load_spec(settings.spec_path)
    store = store or load_store(settings.fixtures_dir, spec, settings.seed)
    handlers = Handlers(store)

    # Connexion's default stack, less its Swagger UI (served under a trailing-slash path, with a
    # redirect) and with our outer layers; errors anywhere render as the JIM envelope.
    # Handlers take the scope, so Connexion's ContextMiddleware has nothing to provide; response
    # validation is a layer only when asked for (it costs up to 10x throughput).
    middlewares: list[Any] = [
        *([AccessLog] if settings.access_log else []),
        CanonicalPath,
        HeadWithoutBody,
        partial(ServerErrorMiddleware, handler=errors.render),
        ExceptionMiddleware,
        RoutingMiddleware,
        SecurityMiddleware,
        ContractValidationMiddleware,
        *([ResponseValidationMiddleware] if settings.validate_responses else []),
        LifespanMiddleware,
    ]

    app = SandboxApp(
        __name__,
        middlewares=middlewares,
        security_map={"apiKey": security_handler(store.keys)},
        validate_responses=settings.validate_responses,
        resolver=Resolver(function_resolver=handlers.resolve),
    )
    app.add_api(spec)

    # Starlette looks handlers up by status code before exception class, so register both.
    for exc_class in (errors.JimError, ProblemException, HTTPException, Exception):
        app.add_error_handler(exc_class, errors.render)
    for status in errors.HANDLED_STATUSES:
        app.add_error_handler(status, errors.render)

    reference = docs.Docs(spec)
    # Every method reaches the docs handlers, which answer all but GET and HEAD with our 405.
    every = docs.EVERY_METHOD
    app.add_url_rule(docs.SPEC_PATH, "openapi", reference.spec, methods=every)
    app.add_url_rule(docs.REFERENCE_PATH, "reference", reference.page, methods=every)
    app.add_url_rule(docs.REFERENCE_PATH + "/{name}", "reference-asset", reference.asset, methods=every)
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
