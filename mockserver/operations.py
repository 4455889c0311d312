"""Connexion operations that hand our handlers the ASGI scope: no per-request decoration or argument binding.

Connexion's AsyncApp wraps every handler call in a freshly built decorator chain that inspects the
handler's signature and re-parses parameters; our parameter validator has already parsed them into
the scope, so the handler needs nothing else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from connexion import AsyncApp
from connexion.apps.asynchronous import AsyncApi
from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.operations import AbstractOperation
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

Handler = Callable[[Scope], Awaitable[Response]]


def routed_operation(scope: Scope) -> str | None:
    """The operationId Connexion's routing matched, or None (docs, admin, unknown paths): controls act on operations."""
    routing: dict[str, Any] = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})
    return routing.get("operation_id")


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
    """An AsyncApp whose operations are `async def handler(scope) -> Response`."""

    def __init__(self, import_name: str, **kwargs: Any) -> None:
        super().__init__(import_name, **kwargs)
        # AsyncApp has no option for its operation class; its inner app reads api_cls at add_api time.
        self._middleware_app.api_cls = ScopeApi
