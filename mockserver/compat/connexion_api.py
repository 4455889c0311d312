"""Connexion's internals: handlers that take the scope, routing remembered, our validation and key check, the stack."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from connexion import AsyncApp
from connexion.apps.asynchronous import AsyncApi, AsyncASGIApp
from connexion.frameworks import starlette as starlette_utils
from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.middleware.routing import RoutingAPI, RoutingMiddleware
from connexion.middleware.security import SecurityAPI, SecurityMiddleware
from connexion.operations import AbstractOperation
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.memo import Memo, Memos
from mockserver.startup import StartupError

# --- operations that take the scope ---------------------------------------------------------

Handler = Callable[[Scope], Awaitable[Response]]
"""An operation's handler: `async def handler(scope) -> Response`."""


class ScopeOperation:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.handler(scope)
        await response(scope, receive, send)


class ScopeApi(AsyncApi):  # type: ignore[misc]
    def make_operation(self, operation: AbstractOperation) -> ScopeOperation:
        return ScopeOperation(operation.function)


class SandboxApp(AsyncApp):  # type: ignore[misc]
    """An AsyncApp whose operations are `async def handler(scope) -> Response`.

    Connexion's AsyncApp wraps every handler call in a freshly built decorator chain that inspects
    the handler's signature and re-parses parameters; the sandbox's validation has already parsed
    them, so the handler needs nothing else.
    """

    def __init__(
        self, import_name: str, memos: Memos | None = None, now: Callable[[], datetime] | None = None, **kwargs: Any
    ) -> None:
        """`memos`: the app's bounded memos, kept here so a benchmark or a test can read their figures; `now`: the
        world's clock, kept here for the connection (uvicorn_protocol), which answers some requests before the app."""
        super().__init__(import_name, **kwargs)
        self.memos = memos or Memos()
        self.now = now
        # Internal: AsyncApp has no option for its inner app's class, which AbstractApp handed to its
        # ConnexionMiddleware; swapped before the first call, when the middleware builds its stack from it.
        operations = ScopeOperations()
        operations.api_cls = ScopeApi
        self._middleware_app = self.middleware.app = operations


# --- what routing matched ----------------------------------------------------------


def routed_operation_id(scope: Scope) -> str | None:
    """The operationId Connexion's routing matched, or None (docs, admin, unknown paths)."""
    # Internal: Connexion's routing leaves its match under this extensions key.
    routing: dict[str, Any] = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})
    return routing.get("operation_id")


Route = tuple[str, str, tuple[tuple[str, Any], ...]]
"""What routing found for a method and path: (operationId, the API's base path, the path parameters)."""


class _SegmentRoutingAPI(RoutingAPI):  # type: ignore[misc]
    """Connexion's routing API with every path parameter matched as a whole segment, whatever its type.

    Connexion routes an integer parameter with Starlette's `int` convertor (`[+-]?[0-9]+`), so a segment that
    is not one matches no route (a bare 404) and never reaches validation or the jim profile's web UI fallback;
    the sandbox's validation parses the text instead."""

    @staticmethod
    def _framework_path_and_name(operation: AbstractOperation, path: str) -> tuple[str, str]:
        # Internal: RoutingAPI's hook that turns the spec's path into Starlette's, here given no parameter types.
        starlette_path: str = starlette_utils.starlettify_path(path, {})
        return starlette_path, starlette_path


class RememberedRouting(RoutingMiddleware):  # type: ignore[misc]
    """Connexion's routing, its match for each method and path kept in `memo`.

    A method and path always route to the same operation with the same path parameters, so a
    request routed before is handed on exactly as Connexion's routing hands it on (a copy of the
    scope with the path parameters and the routing context), without matching it again. Only
    matches of an operation are kept: anything else (docs, admin routes, 404, 405) is routed every time.
    """

    def __init__(self, app: ASGIApp, memo: Memo[tuple[str, str], Route]) -> None:
        # Internal: Connexion's RoutingOperation hands the routed scope to the app the middleware was
        # built with (matched or not), so routing is learnt by standing between the two.
        super().__init__(self._learn)
        self.next_app = app
        self.memo = memo

    def add_api(self, specification: Any, base_path: str | None = None, **kwargs: Any) -> None:
        # Internal: RoutingMiddleware.add_api, with the routing API above (one API: nothing to chain).
        api = _SegmentRoutingAPI(specification, base_path=base_path, next_app=self.app, **kwargs)
        self.router.mount(api.base_path, app=api.router)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.next_app(scope, receive, send)
            return
        known = self.memo.get((scope["method"], scope["path"]))
        if known is None:
            await super().__call__(scope, receive, send)
            return
        operation_id, api_base_path, path_params = known
        # As connexion.middleware.routing.RoutingOperation builds it.
        routed = dict(scope)
        routed.setdefault("path_params", {}).update(path_params)
        routing = routed.setdefault("extensions", {}).setdefault(ROUTING_CONTEXT, {})
        routing.update({"api_base_path": api_base_path, "operation_id": operation_id})
        await self.next_app(routed, receive, send)

    async def _learn(self, scope: Scope, receive: Receive, send: Send) -> None:
        routing: dict[str, Any] = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})
        operation_id = routing.get("operation_id")
        if operation_id is not None:
            route = (operation_id, routing.get("api_base_path", ""), tuple(scope.get("path_params", {}).items()))
            self.memo.put((scope["method"], scope["path"]), route)
        await self.next_app(scope, receive, send)


# --- one lookup for the operation at each position -------------------------------


class _OperationById:
    """Connexion's RoutedMiddleware dispatch as one dictionary lookup: the operation routing matched, by its id.

    RoutedMiddleware looks it up per API base path, per request; the sandbox serves one API."""

    app: ASGIApp

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.by_id: dict[str, ASGIApp] = {}

    def add_api(self, specification: Any, **kwargs: Any) -> Any:
        api = super().add_api(specification, **kwargs)  # type: ignore[misc]
        self.by_id.update(api.operations)
        return api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            routing = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})  # routed_operation_id, inline
            operation = self.by_id.get(routing.get("operation_id"))
            if operation is not None:
                await operation(scope, receive, send)
                return
        await self.app(scope, receive, send)


class ScopeOperations(_OperationById, AsyncASGIApp):  # type: ignore[misc]
    """The app at the bottom of the stack: each operation's handler, found by one lookup."""


# --- request validation at its own position, with our validator --------------------

ScopeValidator = Callable[[Scope], None]
"""Validates one request's parameters, leaving them on the scope or raising a catalogue error."""
ValidatorFactory = Callable[[Sequence[Mapping[str, Any]]], ScopeValidator]
"""Builds an operation's validator, once, from its declared parameters (refs resolved)."""


class _ValidatingOperation:
    def __init__(self, next_app: ASGIApp, validate: ScopeValidator) -> None:
        self.next_app = next_app
        self.validate = validate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.validate(scope)
        await self.next_app(scope, receive, send)


class _ValidationApi(RequestValidationAPI):  # type: ignore[misc]
    def __init__(self, *args: Any, make_validator: ValidatorFactory, **kwargs: Any) -> None:
        self.make_validator = make_validator  # set before the base class builds the operations
        super().__init__(*args, **kwargs)

    def make_operation(self, operation: AbstractOperation) -> _ValidatingOperation | RequestValidationOperation:
        if operation.request_body:
            # Operations with a body keep Connexion's full validation (this API has none today).
            return super().make_operation(operation)
        return _ValidatingOperation(self.next_app, self.make_validator(operation.parameters))


class ParameterValidation(_OperationById, RequestValidationMiddleware):  # type: ignore[misc]
    """Connexion's request-validation position in the stack, with one validator per operation built at start-up.

    Connexion builds a URI parser and a parameter validator for every request."""

    api_cls = _ValidationApi

    def __init__(self, app: ASGIApp, make_validator: ValidatorFactory) -> None:
        super().__init__(app)
        self.make_validator = make_validator

    def add_api(self, specification: Any, **kwargs: Any) -> Any:
        return super().add_api(specification, make_validator=self.make_validator, **kwargs)


# --- API-key security --------------------------------------------------------------

Verify = Callable[[Scope], None]
"""Checks the request's caller; raises a catalogue error (401, 403) when it may not proceed."""


class _KeyCheck:
    def __init__(self, next_app: ASGIApp, verify: Verify) -> None:
        self.next_app = next_app
        self.verify = verify

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.verify(scope)
        await self.next_app(scope, receive, send)


class _KeySecurityApi(SecurityAPI):  # type: ignore[misc]
    def __init__(self, *args: Any, verify: Verify, **kwargs: Any) -> None:
        self.verify = verify  # set before the base class builds the operations
        super().__init__(*args, **kwargs)

    def make_operation(self, operation: AbstractOperation) -> ASGIApp:
        security: list[dict[str, Any]] = operation.security or []
        next_app: ASGIApp = self.next_app
        if not security:
            return next_app  # `security: []`: the health routes ask for no key
        schemes: dict[str, Any] = operation.security_schemes
        if len(security) == 1 and len(security[0]) == 1:
            (scheme,) = security[0]
            if schemes.get(scheme, {}).get("type") == "apiKey":
                return _KeyCheck(next_app, self.verify)
        raise StartupError(f"operation {operation.operation_id} asks for {security}: the sandbox checks one API key")


class KeySecurity(_OperationById, SecurityMiddleware):  # type: ignore[misc]
    """Connexion's security position, where an operation that asks for the API key runs `verify`.

    Connexion's own handler chain (a request object, its scheme lookups and token bookkeeping)
    would end in the same call; the spec's one scheme is an API key whose caller the outermost
    layer has already identified."""

    api_cls = _KeySecurityApi

    def __init__(self, app: ASGIApp, verify: Verify) -> None:
        super().__init__(app)
        self.verify = verify

    def add_api(self, specification: Any, **kwargs: Any) -> Any:
        return super().add_api(specification, verify=self.verify, **kwargs)


# --- the stack as built ----------------------------------------------------------


def built_stack(app: AsyncApp) -> list[Any]:
    """A started app's layers, outermost first, ending with the app that runs the operations.

    Connexion builds its stack from the middleware list on the app's first call."""
    # Internal: ConnexionMiddleware keeps the layers it built in middleware_stack (None until the first call).
    stack: list[Any] | None = app.middleware.middleware_stack
    if stack is None:
        raise RuntimeError("the app has not been called yet: Connexion builds its stack on the first call")
    return list(stack)
