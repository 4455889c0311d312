"""Every framework internal the sandbox relies on, in one place: Connexion's, Starlette's and uvicorn's.

Each entry here reaches past a framework's public API (a private attribute, a module constant,
a method meant to be overridden only by the framework itself, the text of a response). An
upgrade that moves one breaks it here, and tests/test_compat.py names which. Everything else
in the project uses public API or this module.
"""

from __future__ import annotations

import asyncio
import functools
import logging
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
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from mockserver import errors
from mockserver.settings import ConnectionLimits

# --- Connexion: operations that take the scope ------------------------------------------------

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


# --- Connexion: what routing matched ----------------------------------------------------------


def routed_operation_id(scope: Scope) -> str | None:
    """The operationId Connexion's routing matched, or None (docs, admin, unknown paths)."""
    # Internal: Connexion's routing leaves its match under this extensions key.
    routing: dict[str, Any] = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})
    return routing.get("operation_id")


# --- Connexion: request validation at its own position, with our validator --------------------

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


class ParameterValidation(RequestValidationMiddleware):  # type: ignore[misc]
    """Connexion's request-validation position in the stack, with one validator per operation built at start-up.

    Connexion builds a URI parser and a parameter validator for every request."""

    api_cls = _ValidationApi

    def __init__(self, app: ASGIApp, make_validator: ValidatorFactory) -> None:
        super().__init__(app)
        self.make_validator = make_validator

    def add_api(self, specification: Any, **kwargs: Any) -> Any:
        return super().add_api(specification, make_validator=self.make_validator, **kwargs)


# --- Connexion: API-key security --------------------------------------------------------------

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


# --- Starlette: the CORS middleware's refusal -------------------------------------------------

CORS_REFUSAL_PREFIX = "Disallowed CORS "


def cors_refusals(response: Response) -> list[str] | None:
    """What Starlette's refused preflight names ("origin", "method", "headers", …), or None if it was not refused."""
    if response.status_code != 400:
        return None
    # Internal: Starlette says what it refused only in a plain-text body.
    return bytes(response.body).decode().removeprefix(CORS_REFUSAL_PREFIX).split(", ")


class RefusingCors(CORSMiddleware):
    """Starlette's CORS middleware, but a refused preflight is answered by the subclass's `refusal`."""

    def refusal(self, refused: Sequence[str], headers: Mapping[str, str]) -> Response:
        """The answer to a refused preflight: `refused` as cors_refusals names it, with Starlette's CORS headers."""
        raise NotImplementedError

    # Internal: preflight_response is CORSMiddleware's own method, not a documented hook.
    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        refused = cors_refusals(response)
        if refused is None:
            return response
        headers = {k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")}
        return self.refusal(refused, headers)


# --- uvicorn: a deadline and size limits on reading a request; refusals in the envelope ---------


def protocol_factory(limits: ConnectionLimits) -> Callable[..., asyncio.Protocol]:
    """For uvicorn's `http` option: picklable, so each worker process of `--workers N` builds the same protocol."""
    return functools.partial(EnvelopeHttpToolsProtocol, limits=limits)


class EnvelopeHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with the deadlines and size limits it lacks, its refusals in the envelope.

    uvicorn times a connection out only after a response, and httptools buffers a head of any size, so
    a client sending nothing, half a head or a huge one, or not reading its answer, holds a connection and
    its memory. Here a request must arrive within `read_timeout` (408 once begun), its target fit
    `max_url_bytes` (414) and its head `max_header_bytes` (431), checked per chunk so at most one chunk
    more is buffered; and an answer whose writing stalls is abandoned after `read_timeout`."""

    # Internal: each method overrides HttpToolsProtocol's own, and reads its url, cycle, loop, transport.

    def __init__(self, *args: Any, limits: ConnectionLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self.deadline: asyncio.TimerHandle | None = None
        self.stalled: asyncio.TimerHandle | None = None
        self.reading_head, self.head_begun, self.refused = True, False, False
        self.head_bytes = 0  # received while reading a head (from the chunk that began it, or the next)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self.arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        if self.reading_head:
            self.head_bytes += len(data)
        super().data_received(data)
        if self.reading_head and not self.refused and not self.transport.is_closing():
            url = len(getattr(self, "url", b""))
            error = self.oversized(url, max(self.head_bytes, url))
            if error is not None:
                self.refuse(error)

    def on_message_begin(self) -> None:
        if self.refused:
            return
        super().on_message_begin()
        self.reading_head = self.head_begun = True
        if self.deadline is None:
            self.arm()

    def on_headers_complete(self) -> None:
        if self.refused:
            return
        self.reading_head, self.head_bytes = False, 0
        head = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)  # ": ", CRLF
        error = self.oversized(len(self.url), head)
        if error is not None:
            self.refuse(error)  # before uvicorn starts the app on it
            return
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        if not self.refused:
            super().on_body(body)

    def on_message_complete(self) -> None:
        if not self.refused:
            self.disarm()
            self.reading_head = True  # what comes next on this connection begins the next head
            super().on_message_complete()

    def pause_writing(self) -> None:
        super().pause_writing()
        self.stalled = self.loop.call_later(self.limits.read_timeout, self.transport.abort)

    def resume_writing(self) -> None:
        if self.stalled is not None:
            self.stalled.cancel()
        super().resume_writing()

    def send_400_response(self, msg: str) -> None:
        # Internal: the only hook uvicorn has for requests that never reach the app.
        if not self.refused:
            self.refuse(errors.validation_error({"request": [f"Not a valid HTTP request: {msg}"]}))

    def oversized(self, url_bytes: int, head_bytes: int) -> errors.JimError | None:
        if url_bytes > self.limits.max_url_bytes:
            return errors.uri_too_long(self.limits.max_url_bytes)
        too_big = head_bytes > self.limits.max_header_bytes
        return errors.headers_too_large(self.limits.max_header_bytes) if too_big else None

    def arm(self) -> None:
        self.disarm()
        self.deadline = self.loop.call_later(self.limits.read_timeout, self.expired)

    def disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def expired(self) -> None:
        self.deadline = None
        if self.reading_head and self.head_begun and not self.transport.is_closing():
            self.refuse(errors.request_timeout(self.limits.read_timeout))
        else:  # nothing sent at all, or a body still trickling in after its head: nothing to answer
            self.refused = True
            self.transport.close()

    def refuse(self, error: errors.JimError) -> None:
        """Answer `error` in the envelope and close; a request already in the app's hands loses the connection."""
        self.refused = True  # the deadline, if still set, finds the transport closing: it is disarmed when lost
        logging.getLogger("mockserver.connections").warning(
            "%s from %s: %s", error.status_code, self.client[0] if self.client else "-", error.message
        )
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(errors.wire_bytes(error, self.server_state.default_headers))
        self.transport.close()
