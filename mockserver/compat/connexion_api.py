"""Connexion's internals: handlers that take the scope, what routing matched, our validation, key security."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from connexion import AsyncApp
from connexion.apps.asynchronous import AsyncApi
from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.operations import AbstractOperation
from connexion.security import ApiKeySecurityHandler
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

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

    def __init__(self, import_name: str, **kwargs: Any) -> None:
        super().__init__(import_name, **kwargs)
        # Internal: AsyncApp has no option for its operation class; its inner app reads api_cls at add_api time.
        self._middleware_app.api_cls = ScopeApi


# --- what routing matched ----------------------------------------------------------


def routed_operation_id(scope: Scope) -> str | None:
    """The operationId Connexion's routing matched, or None (docs, admin, unknown paths)."""
    # Internal: Connexion's routing leaves its match under this extensions key.
    routing: dict[str, Any] = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})
    return routing.get("operation_id")


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
    def __init__(
        self, *args: Any, make_validator: ValidatorFactory, validators: dict[str, ScopeValidator], **kwargs: Any
    ) -> None:
        self.make_validator = make_validator  # set before the base class builds the operations
        self.validators = validators
        super().__init__(*args, **kwargs)

    def make_operation(self, operation: AbstractOperation) -> _ValidatingOperation | RequestValidationOperation:
        if operation.request_body:
            # Operations with a body keep Connexion's full validation (this API has none today).
            return super().make_operation(operation)
        validate = self.validators[operation.operation_id] = self.make_validator(operation.parameters)
        return _ValidatingOperation(self.next_app, validate)


class ParameterValidation(RequestValidationMiddleware):  # type: ignore[misc]
    """Connexion's request-validation position in the stack, with one validator per operation built at start-up.

    Connexion builds a URI parser and a parameter validator for every request."""

    api_cls = _ValidationApi

    def __init__(
        self, app: ASGIApp, make_validator: ValidatorFactory, validators: dict[str, ScopeValidator] | None = None
    ) -> None:
        """`validators`: filled with each operation's validator by operationId, for whoever needs them too."""
        super().__init__(app)
        self.make_validator = make_validator
        self.validators = {} if validators is None else validators

    def add_api(self, specification: Any, **kwargs: Any) -> Any:
        return super().add_api(specification, make_validator=self.make_validator, validators=self.validators, **kwargs)


# --- API-key security --------------------------------------------------------------

Verify = Callable[[Scope], None]
"""Checks the request's caller; raises a catalogue error (401, 403) when it may not proceed."""


def api_key_security(verify: Verify) -> type[ApiKeySecurityHandler]:
    """A security handler class for Connexion's security_map that runs `verify` for apiKey schemes.

    Connexion instantiates the class with no arguments, so `verify` is bound in a closure."""

    class ScopeKeyHandler(ApiKeySecurityHandler):  # type: ignore[misc]
        # Internal: get_fn is the security handler's own extension point, not a documented hook.
        def get_fn(self, security_scheme: dict[str, Any], required_scopes: Any) -> Callable[..., Any]:
            async def check(request: Any) -> dict[str, Any]:
                verify(request.scope)
                return {"sub": "api-key"}  # Connexion stores this as the request's token_info

            return check

    return ScopeKeyHandler
