"""Each framework internal mockserver/compat/ relies on, pinned: an upgrade that moves one fails here, naming it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from connexion.middleware.abstract import ROUTING_CONTEXT
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.config import Config
from uvicorn.server import ServerState

from mockserver import compat
from mockserver.app import create_app
from mockserver.controls.date_header import DateHeader
from mockserver.settings import ConnectionLimits, Settings
from tests.conftest import ADMIN, SEED_ACTIVITY

ITEMS = f"/api/v1/activities/{SEED_ACTIVITY}/items"
READER = {"X-Api-Key": "jim_ak_sandbox_reader"}


def test_connexion_async_app_builds_its_apis_from_its_middleware_apps_api_cls() -> None:
    app = create_app(Settings(access_log=False))
    internal = "connexion AsyncApp._middleware_app, ConnexionMiddleware.app, api_cls (compat.SandboxApp)"
    assert app._middleware_app.api_cls is compat.ScopeApi, internal
    assert app.middleware.app is app._middleware_app, internal
    with app.test_client() as client:
        response = client.get(ITEMS, headers=ADMIN)
    # A handler that takes the scope would be called with keyword arguments by Connexion's own AsyncApi.
    assert response.status_code == 200, f"{internal}: {response.text}"


def recording_after_routing(app: Any, seen: list[dict[str, Any]]) -> None:
    """Put a layer just after the routing stage that keeps what routing handed on."""

    class Record:
        def __init__(self, app: ASGIApp) -> None:
            self.app = app

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http":
                seen.append(
                    {
                        "operation": compat.routed_operation_id(scope),
                        "path_params": dict(scope.get("path_params", {})),
                        "routing": dict(scope["extensions"][ROUTING_CONTEXT]),
                    }
                )
            await self.app(scope, receive, send)

    stack = app.middleware.middlewares
    routing = next(i for i, m in enumerate(stack) if getattr(m, "func", m) is compat.RememberedRouting)
    stack.insert(routing + 1, Record)


def test_connexion_routing_leaves_the_operation_id_where_compat_reads_it() -> None:
    seen: list[dict[str, Any]] = []
    app = create_app(Settings(access_log=False))
    recording_after_routing(app, seen)
    with app.test_client() as client:
        client.get(ITEMS, headers=ADMIN)
    internal = "connexion.middleware.abstract.ROUTING_CONTEXT['operation_id'] moved"
    assert [s["operation"] for s in seen] == ["listExecutionItems"], internal


def test_a_route_remembered_is_handed_on_exactly_as_connexion_routing_hands_it_on() -> None:
    seen: list[dict[str, Any]] = []
    app = create_app(Settings(access_log=False))
    recording_after_routing(app, seen)
    with app.test_client() as client:
        first = client.get(ITEMS, headers=ADMIN)
        again = client.get(ITEMS, params={"page": 2}, headers=ADMIN)
    routes = app.memos.by_name["routes"].figures()
    internal = "connexion RoutingMiddleware(app): RoutingOperation hands the routed scope to `app`"
    assert (routes.misses, routes.hits, routes.entries) == (1, 1, 1), internal
    assert seen[0] == seen[1], internal
    assert seen[0]["path_params"] == {"id": SEED_ACTIVITY}, internal
    assert first.status_code == again.status_code == 200


@pytest.mark.parametrize("segment", ["abc", "+1", "2147483648"])
def test_an_integer_path_parameter_is_routed_as_a_whole_segment(segment: str) -> None:
    seen: list[dict[str, Any]] = []
    app = create_app(Settings(access_log=False))
    recording_after_routing(app, seen)
    with app.test_client() as client:
        client.get(f"/api/v1/synchronisation/connected-systems/{segment}", headers=ADMIN)
    internal = "connexion RoutingAPI._framework_path_and_name / RoutingMiddleware.add_api (compat._SegmentRoutingAPI)"
    assert [s["operation"] for s in seen] == ["getConnectedSystem"], internal
    assert seen[0]["path_params"] == {"connectedSystemId": segment}, internal


def test_a_method_not_routed_before_is_routed_again() -> None:
    with create_app(Settings(access_log=False)).test_client() as client:
        client.get(ITEMS, headers=ADMIN)
        refused = client.delete(ITEMS, headers=ADMIN)
    assert refused.status_code == 405


def test_the_built_stack_is_where_compat_reads_it() -> None:
    app = create_app(Settings(access_log=False))
    with pytest.raises(RuntimeError, match="not been called"):
        compat.built_stack(app)
    with app.test_client() as client:
        client.get("/api/v1/health")
    stack = compat.built_stack(app)
    internal = "connexion ConnexionMiddleware.middleware_stack (the layers it built, outermost first)"
    assert type(stack[0]) is DateHeader, internal
    assert type(stack[-1]) is type(app._middleware_app), internal


def test_connexion_request_validation_runs_the_validator_compat_installs() -> None:
    with create_app(Settings(access_log=False)).test_client() as client:
        response = client.get(ITEMS, params={"page": "x"}, headers=ADMIN)
    internal = "connexion RequestValidationMiddleware.api_cls / RequestValidationAPI.make_operation"
    assert response.status_code == 400, internal
    assert response.headers["content-type"] == "application/json", internal
    assert "valid integer for page" in response.json()["validationErrors"]["page"][0], internal


@pytest.mark.parametrize(("headers", "status"), [({}, 401), (READER, 403)])
def test_connexion_security_runs_the_check_compat_installs(headers: dict[str, str], status: int) -> None:
    with create_app(Settings(access_log=False)).test_client() as client:
        response = client.get(ITEMS, headers=headers)
    internal = "connexion SecurityMiddleware.api_cls / SecurityAPI.make_operation"
    assert response.status_code == status, internal


def test_an_operation_asking_for_no_key_passes_the_security_position() -> None:
    with create_app(Settings(access_log=False)).test_client() as client:
        response = client.get("/api/v1/health")
    assert response.status_code == 200


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
    """A socket's transport as a protocol sees it: closed, it tells the protocol the connection is lost."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop | None = None, lost: Callable[[Exception | None], None] | None = None
    ) -> None:
        super().__init__()
        self.written = b""
        self.closed = self.aborted = False
        self.loop, self.lost = loop, lost

    def write(self, data: Any) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        if not self.closed and self.loop is not None and self.lost is not None:
            self.loop.call_soon(self.lost, None)
        self.closed = True

    def abort(self) -> None:
        self.close()
        self.aborted = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 1) if name in ("peername", "sockname") else default

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


LIMITS = ConnectionLimits(read_timeout=0.05, max_url_bytes=64, max_header_bytes=256)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.run_until_complete(asyncio.sleep(0.01))  # a connection closed at the end is told it is lost
    assert not asyncio.all_tasks(loop), "an answer is still pending: the protocol would hold the connection"
    loop.close()


async def answer_ok(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that answers without reading the request (Starlette's responses also listen for a disconnect)."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def connection(loop: asyncio.AbstractEventLoop) -> tuple[compat.EnvelopeHttpToolsProtocol, Transport]:
    """A protocol built as uvicorn builds it from its `http` option, on a fake transport."""
    config = Config(app=answer_ok, http=compat.protocol_factory(LIMITS), log_level="critical")
    config.load()
    protocol = config.http_protocol_class(config=config, server_state=ServerState(), app_state={}, _loop=loop)
    assert isinstance(protocol, compat.EnvelopeHttpToolsProtocol), "uvicorn's `http` option no longer takes a factory"
    transport = Transport(loop, protocol.connection_lost)
    protocol.connection_made(transport)
    return protocol, transport


class ClockedApp:
    """An app carrying a world's clock, as the sandbox's SandboxApp does."""

    def __init__(self, now: datetime) -> None:
        self.now = lambda: now

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await answer_ok(scope, receive, send)


def test_uvicorn_hands_the_protocol_its_app_so_refusals_carry_the_worlds_time(
    loop: asyncio.AbstractEventLoop,
) -> None:
    world = datetime(2026, 4, 5, 7, 1, 2, 500_000, tzinfo=UTC)
    config = Config(app=ClockedApp(world), http=compat.protocol_factory(LIMITS), log_level="critical")
    config.load()
    protocol = config.http_protocol_class(config=config, server_state=ServerState(), app_state={}, _loop=loop)
    transport = Transport(loop, protocol.connection_lost)
    protocol.connection_made(transport)
    protocol.data_received(b"GET /" + b"a" * 100 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    internal = "uvicorn HttpToolsProtocol.app (Config.loaded_app)"
    assert answer(transport)[1]["timestamp"] == "2026-04-05T07:01:02.500Z", internal
    head = transport.written.partition(b"\r\n\r\n")[0].lower().split(b"\r\n")
    assert [line for line in head if line.startswith(b"date:")] == [b"date: sun, 05 apr 2026 07:01:02 gmt"], internal


def answer(transport: Transport) -> tuple[int, dict[str, Any]]:
    head, _, body = transport.written.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_uvicorn_answers_an_unparseable_request_through_send_400_response(loop: asyncio.AbstractEventLoop) -> None:
    protocol, transport = connection(loop)
    protocol.data_received(b"get / HTTP/1.1\r\nHost: x\r\n\r\n")
    internal = "uvicorn HttpToolsProtocol.send_400_response / server_state.default_headers"
    assert transport.written.startswith(b"HTTP/1.1 400 "), internal
    assert b"content-type: application/json" in transport.written, internal
    assert answer(transport)[1]["code"] == "VALIDATION_ERROR", internal
    assert transport.closed, internal


@pytest.mark.parametrize(
    ("chunks", "status"),
    [
        ([b"GET /" + b"a" * 100 + b" HTTP/1.1\r\nHost: x\r\n\r\n"], 414),
        ([b"GET /" + b"a" * 100], 414),
        ([b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 300 + b"\r\n\r\n"], 431),
        ([b"GET / HTTP/1.1\r\nX-Big: ", b"b" * 150, b"b" * 150], 431),
        ([b"GET / HTTP/1.1\r\n"] + [b"X-A: 1234567890\r\n"] * 20, 431),
    ],
    ids=["whole-url", "partial-url", "whole-head", "partial-head", "many-headers"],
)
def test_uvicorn_parser_callbacks_let_compat_refuse_an_oversized_head(
    loop: asyncio.AbstractEventLoop, chunks: list[bytes], status: int
) -> None:
    protocol, transport = connection(loop)
    for chunk in chunks:
        protocol.data_received(chunk)
    internal = "uvicorn HttpToolsProtocol data_received / on_url (self.url) / on_header / on_headers_complete"
    assert answer(transport)[0] == status, internal
    assert transport.closed and protocol.cycle is None, f"{internal}: the app was started on a refused request"


def test_uvicorn_callbacks_let_compat_time_out_a_head_begun_but_not_finished(loop: asyncio.AbstractEventLoop) -> None:
    protocol, transport = connection(loop)
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: x\r\n")
    loop.run_until_complete(asyncio.sleep(LIMITS.read_timeout * 4))
    internal = "uvicorn HttpToolsProtocol connection_made / on_message_begin and its event loop"
    status, body = answer(transport)
    assert (status, body["code"]) == (408, "REQUEST_TIMEOUT"), internal
    assert transport.closed, internal


def test_uvicorn_callbacks_let_compat_close_a_connection_that_sends_nothing(loop: asyncio.AbstractEventLoop) -> None:
    _, transport = connection(loop)
    loop.run_until_complete(asyncio.sleep(LIMITS.read_timeout * 4))
    assert transport.closed and transport.written == b"", "uvicorn HttpToolsProtocol connection_made"


def test_a_request_that_arrives_in_time_is_handed_to_the_app(loop: asyncio.AbstractEventLoop) -> None:
    protocol, transport = connection(loop)
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    internal = "uvicorn HttpToolsProtocol on_headers_complete / on_message_complete"
    assert protocol.cycle is not None and protocol.deadline is None, internal
    loop.run_until_complete(asyncio.sleep(LIMITS.read_timeout * 4))
    assert transport.written.startswith(b"HTTP/1.1 200 "), internal


@pytest.mark.parametrize("resumed", [False, True])
def test_uvicorn_flow_control_lets_compat_abandon_an_answer_the_client_stops_reading(
    loop: asyncio.AbstractEventLoop, resumed: bool
) -> None:
    # The kernel absorbs answers of a few MB (the sandbox's largest is about 1 MB), so a stalled
    # reader is shown to the protocol as the transport's pause_writing, as asyncio does past its high-water mark.
    protocol, transport = connection(loop)
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    protocol.pause_writing()
    if resumed:
        protocol.resume_writing()
    loop.run_until_complete(asyncio.sleep(LIMITS.read_timeout * 4))
    internal = "uvicorn HttpToolsProtocol.pause_writing / resume_writing (asyncio flow control)"
    assert transport.aborted is not resumed, internal


def test_uvicorn_keep_alive_timer_is_what_compat_replaces_after_a_bare_crlf(loop: asyncio.AbstractEventLoop) -> None:
    protocol, transport = connection(loop)
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    loop.run_until_complete(asyncio.sleep(0.01))
    internal = "uvicorn HttpToolsProtocol.timeout_keep_alive_task / on_response_complete / data_received"
    assert protocol.timeout_keep_alive_task is not None, internal
    protocol.data_received(b"\r\n")
    assert protocol.timeout_keep_alive_task is None and protocol.deadline is not None, internal
    loop.run_until_complete(asyncio.sleep(LIMITS.read_timeout * 4))
    assert transport.closed, internal


def test_uvicorn_connections_set_lets_compat_close_the_longest_idle_at_its_ceiling(
    loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compat.uvicorn_protocol, "connection_ceiling", lambda: 2)
    config = Config(app=answer_ok, http=compat.protocol_factory(LIMITS), log_level="critical")
    config.load()
    state = ServerState()
    opened = []
    for _ in range(3):
        protocol = config.http_protocol_class(config=config, server_state=state, app_state={}, _loop=loop)
        transport = Transport(loop, protocol.connection_lost)
        protocol.connection_made(transport)
        opened.append(transport)
    internal = "uvicorn ServerState.connections (the protocol's self.connections)"
    assert [t.closed for t in opened] == [True, False, False], internal
    loop.run_until_complete(asyncio.sleep(0.01))
    assert len(state.connections) == 2, internal
    for transport in opened:
        transport.close()


def test_uvicorn_pipeline_queue_is_what_compat_bounds(loop: asyncio.AbstractEventLoop) -> None:
    protocol, transport = connection(loop)
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" * (compat.uvicorn_protocol.MAX_PIPELINED + 2))
    internal = "uvicorn HttpToolsProtocol.pipeline (requests queued behind the one in hand)"
    assert len(protocol.pipeline) == 0 and transport.closed, internal
    assert protocol.refused, internal
