"""Requests seen before go straight to their handler: routing and parsing are redone only for new ones."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver.api.auth import require_administrator
from mockserver.compat import Handler
from mockserver.scope import Params, notes, params, set_params

REMEMBERED = 4096
"""Requests kept, the oldest out first; only those whose query and checked headers are short."""
MAX_KEY_BYTES = 512

Key = tuple[str, bytes, tuple[str, ...]]


class RepeatedRequests:
    """A GET answered before by an operation's handler is answered by it again, without Connexion's stack.

    What a repeat would redo is skipped: matching the route, parsing and validating its parameters
    (pure functions of the path, the query and the headers the rules read). What may differ between
    repeats is done every time: the caller's authentication (and role), then the handler over the
    world as it stands. A request that fails either goes the whole way, so every refusal is made and
    rendered where it always is. Wired only when no control sits inside the stack (rate limit,
    faults, response validation), since those must see every request.
    """

    def __init__(
        self,
        app: ASGIApp,
        handlers: Mapping[str, Handler],
        open_operations: Iterable[str],
        header_names: Iterable[bytes] = (),
    ) -> None:
        """`handlers`: by operationId; `open_operations`: those the spec asks no key for; `header_names`:
        the request headers parameter rules read (their values are part of what makes a repeat)."""
        self.app = app
        self.handlers = handlers
        self.open = frozenset(open_operations)
        self.header_names = tuple(header_names)
        self.known: dict[Key, tuple[str, Params]] = {}

    def key(self, scope: Scope) -> Key | None:
        headers = tuple(
            ", ".join(value.decode("latin-1") for name, value in scope["headers"] if name == wanted)
            for wanted in self.header_names
        )
        query: bytes = scope.get("query_string", b"")
        if len(query) + sum(map(len, headers)) > MAX_KEY_BYTES:
            return None
        return (scope["path"], query, headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        key = self.key(scope)
        known = self.known.get(key) if key is not None else None
        if known is not None:
            operation_id, given = known
            try:
                if operation_id not in self.open:
                    require_administrator(scope)
                set_params(scope, given)
                response = await self.handlers[operation_id](scope)
            except Exception:
                pass
            else:
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
        answered = notes(scope).answered
        if key is not None and answered is not None:
            if len(self.known) >= REMEMBERED:
                del self.known[next(iter(self.known))]
            self.known[key] = answered


def open_operations(spec: Mapping[str, Any]) -> set[str]:
    """The operationIds the spec asks no key for (`security: []`)."""
    return {
        operation["operationId"]
        for path in spec.get("paths", {}).values()
        for operation in path.values()
        if isinstance(operation, dict) and operation.get("security") == [] and "operationId" in operation
    }


def noting(operation_id: str, handler: Handler) -> Handler:
    """`handler`, leaving the operation and its parameters on the request's notes once it has answered."""

    async def answer(scope: Scope) -> Any:
        response = await handler(scope)
        notes(scope).answered = (operation_id, params(scope))
        return response

    return answer


def resolver(resolve: Callable[[str], Handler]) -> Callable[[str], Handler]:
    """A Connexion function resolver whose handlers note what they answered, for RepeatedRequests."""
    return lambda operation_id: noting(operation_id, resolve(operation_id))
