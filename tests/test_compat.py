"""Each framework internal mockserver/compat.py relies on, pinned: an upgrade that moves one fails here, naming it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from connexion.middleware.routing import RoutingMiddleware
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.server import ServerState

from mockserver import compat
from mockserver.app import create_app
from mockserver.settings import Settings
from tests.conftest import ADMIN, SEED_ACTIVITY

ITEMS = f"/api/v1/activities/{SEED_ACTIVITY}/items"
READER = {"X-Api-Key": "jim_ak_sandbox_reader"}


def test_connexion_async_app_builds_its_apis_from_its_middleware_apps_api_cls() -> None:
    app = create_app(Settings(access_log=False))
    internal = "connexion AsyncApp._middleware_app.api_cls (compat.SandboxApp)"
    assert app._middleware_app.api_cls is compat.ScopeApi, internal
    with app.test_client() as client:
        response = client.get(ITEMS, headers=ADMIN)
    # A handler that takes the scope would be called with keyword arguments by Connexion's own AsyncApi.
    assert response.status_code == 200, f"{internal}: {response.text}"


def test_connexion_routing_leaves_the_operation_id_where_compat_reads_it() -> None:
    seen: list[str | None] = []

    class Record:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                seen.append(compat.routed_operation_id(scope))
            await self.app(scope, receive, send)

    app = create_app(Settings(access_log=False))
    stack = app.middleware.middlewares
    stack.insert(stack.index(RoutingMiddleware) + 1, Record)
    with app.test_client() as client:
        client.get(ITEMS, headers=ADMIN)
    assert seen == ["listExecutionItems"], "connexion.middleware.abstract.ROUTING_CONTEXT['operation_id'] moved"


def test_connexion_request_validation_runs_the_validator_compat_installs() -> None:
    with create_app(Settings(access_log=False)).test_client() as client:
        response = client.get(ITEMS, params={"page": "x"}, headers=ADMIN)
    internal = "connexion RequestValidationMiddleware.api_cls / RequestValidationAPI.make_operation"
    assert response.status_code == 400, internal
    assert response.headers["content-type"] == "application/json", internal
    assert "valid integer for page" in response.json()["validationErrors"]["page"][0], internal


@pytest.mark.parametrize(("headers", "status"), [({}, 401), (READER, 403)])
def test_connexion_security_runs_the_check_compat_binds(headers: dict[str, str], status: int) -> None:
    with create_app(Settings(access_log=False)).test_client() as client:
        response = client.get(ITEMS, headers=headers)
    assert response.status_code == status, "connexion ApiKeySecurityHandler.get_fn is no longer called"


def test_starlette_cors_refusal_names_what_it_refused_as_compat_parses() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse("unused")(scope, receive, send)

    cors = CORSMiddleware(app, allow_origins=["http://allowed.test"], allow_methods=["GET"])
    refused = cors.preflight_response(
        Headers({"origin": "http://other.test", "access-control-request-method": "DELETE"})
    )
    assert compat.cors_refusals(refused) == ["origin", "method"], "starlette's 'Disallowed CORS …' body changed"
    allowed = cors.preflight_response(
        Headers({"origin": "http://allowed.test", "access-control-request-method": "GET"})
    )
    assert compat.cors_refusals(allowed) is None


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closed = False

    def write(self, data: Any) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1) if name in ("peername", "sockname") else default


def test_uvicorn_answers_an_unparseable_request_through_send_400_response() -> None:
    loop = asyncio.new_event_loop()
    try:
        config = Config(app=PlainTextResponse("unused"), http=compat.PROTOCOL, log_level="critical")
        config.load()
        protocol = config.http_protocol_class(config=config, server_state=ServerState(), app_state={}, _loop=loop)
        assert isinstance(protocol, compat.EnvelopeHttpToolsProtocol), "uvicorn's `http` option no longer loads it"
        transport = Transport()
        protocol.connection_made(transport)
        protocol.data_received(b"get / HTTP/1.1\r\nHost: x\r\n\r\n")
    finally:
        loop.close()
    internal = "uvicorn HttpToolsProtocol.send_400_response / STATUS_LINE / server_state.default_headers"
    assert transport.written.startswith(b"HTTP/1.1 400 "), internal
    assert b"content-type: application/json" in transport.written, internal
    assert b'"code":"VALIDATION_ERROR"' in transport.written, internal
    assert transport.closed, internal
