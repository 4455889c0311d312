"""A path answered before goes straight to its operation: authenticated, validated and answered, without re-routing."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.api.auth import require_administrator
from mockserver.compat import Handler, ScopeValidator
from mockserver.scope import notes

REMEMBERED = 4096
"""Paths kept, the oldest out first."""


class RepeatedRequests:
    """A GET to a path an operation's handler has answered before is answered by that operation directly.

    A path always routes to the same operation with the same path parameters, so what routing and
    Connexion's layers around it did the first time is not redone. Everything that may differ from
    one request to the next is done every time, in the order the stack does it: the caller's
    authentication and role, the operation's parameter validation (query and headers), then the
    handler over the world as it stands. A request that any of them refuses goes the whole way
    instead, so every refusal is made and rendered where it always is. Wired only when no control
    sits inside the stack (rate limit, faults, response validation): those must see every request.
    """

    def __init__(
        self,
        app: ASGIApp,
        handlers: Mapping[str, Handler],
        validators: Mapping[str, ScopeValidator],
        open_operations: Iterable[str],
    ) -> None:
        """`handlers` and `validators` by operationId (validators filled in as Connexion builds its stack);
        `open_operations`: those the spec asks no key for."""
        self.app = app
        self.handlers = handlers
        self.validators = validators
        self.open = frozenset(open_operations)
        self.known: dict[str, tuple[str, dict[str, Any]]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        known = self.known.get(path)
        if known is not None:
            operation_id, path_params = known
            routed = {**scope, "path_params": dict(path_params)}
            try:
                if operation_id not in self.open:
                    require_administrator(routed)
                self.validators[operation_id](routed)
                response = await self.handlers[operation_id](routed)
            except Exception:
                pass  # refused (or broken) this time: the whole stack answers it, as it always has
            else:
                await response(routed, receive, send)
                return
        await self.app(scope, receive, send)
        answered = notes(scope).answered
        if answered is not None and path not in self.known:
            if len(self.known) >= REMEMBERED:
                del self.known[next(iter(self.known))]
            self.known[path] = answered


def open_operations(spec: Mapping[str, Any]) -> set[str]:
    """The operationIds the spec asks no key for (`security: []`)."""
    return {
        operation["operationId"]
        for path in spec.get("paths", {}).values()
        for operation in path.values()
        if isinstance(operation, dict) and operation.get("security") == [] and "operationId" in operation
    }


def noting(operation_id: str, handler: Handler) -> Handler:
    """`handler`, leaving its operation and the path parameters it was routed with on the request's notes."""

    async def answer(scope: Scope) -> Any:
        response = await handler(scope)
        notes(scope).answered = (operation_id, dict(scope.get("path_params", {})))
        return response

    return answer


def resolver(resolve: Callable[[str], Handler]) -> Callable[[str], Handler]:
    """A Connexion function resolver whose handlers note what they answered, for RepeatedRequests."""
    return lambda operation_id: noting(operation_id, resolve(operation_id))
