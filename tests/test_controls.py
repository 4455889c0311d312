"""Every sandbox control is off by default and then costs nothing; settings come from flags or MOCKSERVER_* alike."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from click.testing import CliRunner
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.routing import RoutingMiddleware
from connexion.middleware.security import SecurityMiddleware
from connexion.middleware.server_error import ServerErrorMiddleware
from pydantic import ValidationError
from starlette.testclient import TestClient

from mockserver.api.auth import IdentifyCaller
from mockserver.api.repeats import RepeatedRequests
from mockserver.app import create_app
from mockserver.cli import build_settings, main
from mockserver.compat import ParameterValidation
from mockserver.controls.access_log import AccessLog
from mockserver.controls.canonical_path import CanonicalPath
from mockserver.controls.cors import Cors
from mockserver.controls.faults import FaultMiddleware
from mockserver.controls.head import HeadWithoutBody
from mockserver.controls.journal import JournalMiddleware
from mockserver.controls.rate_limit import RateLimitMiddleware
from mockserver.controls.security_headers import SecurityHeaders
from mockserver.settings import Settings
from tests.conftest import ADMIN, SEED_ACTIVITY, free_port

DEFAULT_STACK = [
    IdentifyCaller,
    AccessLog,
    CanonicalPath,
    HeadWithoutBody,
    RepeatedRequests,  # a request seen before straight to its handler, authenticated again
    ServerErrorMiddleware,
    ExceptionMiddleware,
    RoutingMiddleware,
    SecurityMiddleware,
    ParameterValidation,
    LifespanMiddleware,
]
CONTROLS: dict[str, tuple[dict[str, Any], set[type]]] = {
    "rate limit": ({"rate_limit": True}, {RateLimitMiddleware}),
    "prefer": ({"prefer": True}, {FaultMiddleware}),
    "fault rate": ({"fault_rate": 0.1}, {FaultMiddleware}),
    "latency": ({"latency_ms": "5"}, {FaultMiddleware}),
    "journal": ({"journal_size": 10}, {JournalMiddleware}),
    "cors": ({"cors_origins": ("http://localhost:3000",)}, {Cors}),
    "security headers": ({"security_headers": True}, {SecurityHeaders}),
}


def layers(settings: Settings) -> list[type]:
    stack = create_app(settings).middleware.middlewares
    return [m.func if isinstance(m, partial) else m for m in stack]


def test_the_default_server_has_exactly_the_layers_it_had_before_the_controls() -> None:
    assert layers(Settings()) == DEFAULT_STACK


@pytest.mark.parametrize("control", list(CONTROLS))
def test_each_control_adds_only_its_own_layer(control: str) -> None:
    settings, added = CONTROLS[control]
    assert set(layers(Settings(**settings))) - set(DEFAULT_STACK) == added


def test_default_answers_carry_only_the_contract_headers(client: TestClient) -> None:
    for response in (
        client.get(
            f"/api/v1/activities/{SEED_ACTIVITY}/items", headers={**ADMIN, "Origin": "http://x", "Prefer": "code=503"}
        ),
        client.get(f"/api/v1/activities/{SEED_ACTIVITY}/items"),
        client.get("/api/v1/health"),
    ):
        assert set(response.headers) == {"content-type", "content-length"}, response.headers


def test_controls_leave_200_bodies_byte_identical(make_client: Callable[..., TestClient]) -> None:
    url = f"/api/v1/activities/{SEED_ACTIVITY}/items?page=2&pageSize=30"
    plain = make_client(access_log=False).get(url, headers=ADMIN).content
    everything = make_client(
        access_log=False,
        rate_limit=True,
        prefer=True,
        latency_ms="1",
        journal_size=5,
        cors_origins=("http://localhost:3000",),
        security_headers=True,
    )
    assert everything.get(url, headers=ADMIN).content == plain


def test_settings_survive_the_trip_through_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(
        rate_limit=True,
        rate_limit_per_key=7,
        rate_limit_per_ip=3,
        prefer=True,
        fault_rate=0.05,
        latency_ms="50:200",
        journal_size=20,
        cors_origins=("http://localhost:3000", "https://app.example:8443"),
        security_headers=True,
    )
    for name, value in settings.as_environment().items():
        monkeypatch.setenv(name, value)
    assert Settings() == settings


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"latency_ms": "100"}, {"latency_range": (100, 100)}),
        ({"latency_ms": "50:200"}, {"latency_range": (50, 200)}),
        ({"latency_ms": "0"}, {"latency_range": None}),
        ({"cors_origins": ()}, {"cors_origins": ()}),
        ({"journal_size": 100}, {"journal_size": 100}),
    ],
)
def test_flags_map_onto_settings(flags: dict[str, Any], expected: dict[str, Any]) -> None:
    settings = build_settings(**flags)
    for name, value in expected.items():
        assert getattr(settings, name) == value


@pytest.mark.parametrize(
    "bad",
    [
        {"latency_ms": "fast"},
        {"latency_ms": "200:50"},
        {"latency_ms": "20000"},
        {"fault_rate": 1.5},
        {"cors_origins": ("localhost:3000",)},
        {"cors_origins": ("http://localhost:3000/",)},
        {"redis_url": "http://x"},
        {"rate_limit_per_key": 0},
        {"workers": 2, "rate_limit": True},
        {"workers": 2, "journal_size": 5},
    ],
)
def test_bad_control_settings_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Settings(**bad)


def test_several_workers_may_share_state_through_redis() -> None:
    settings = Settings(workers=2, rate_limit=True, journal_size=5, redis_url="redis://127.0.0.1:6379/0")
    assert settings.shares_state


def test_journal_flag_alone_keeps_100_requests() -> None:
    captured: dict[str, Any] = {}

    def fake_build(**flags: Any) -> Settings:
        captured.update(flags)
        raise SystemExit(0)

    runner = CliRunner()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("mockserver.cli.build_settings", fake_build)
        runner.invoke(main, ["serve", "--journal", "--prefer"])
        assert captured["journal_size"] == 100 and captured["prefer"] is True
        runner.invoke(main, ["serve", "--journal", "7", "--cors-origin", "http://a:1", "--cors-origin", "http://b:2"])
        assert captured["journal_size"] == 7 and captured["cors_origins"] == ("http://a:1", "http://b:2")


def test_help_lists_every_control() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--help"], capture_output=True, text=True, timeout=60
    )
    for flag in (
        "--rate-limit",
        "--rate-limit-per-key",
        "--rate-limit-per-ip",
        "--prefer",
        "--fault-rate",
        "--latency-ms",
        "--journal",
        "--cors-origin",
        "--security-headers",
        "--redis-url",
    ):
        assert flag in result.stdout, flag


def test_an_unreachable_redis_stops_the_server_before_it_listens() -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--rate-limit", "--redis-url", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "cannot reach Redis" in result.stderr and url in result.stderr
    assert "Uvicorn running" not in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:{port}/0?password=s3cret-in-query",
        "redis://default:s3cret-in-userinfo@127.0.0.1:{port}/0",
        "redis://s3cret-as-user@127.0.0.1:{port}/0",
        "redis://127.0.0.1:{port}/0?password=s3cret-bad&socket_timeout=nonsense",
    ],
    ids=["query", "userinfo", "lone-user", "bad-option"],
)
def test_no_form_of_a_redis_password_is_ever_printed(url: str) -> None:
    url = url.format(port=free_port())
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--journal", "--redis-url", url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "s3cret" not in result.stdout + result.stderr, result.stderr
    assert "redis" in result.stderr.lower() and "Traceback" not in result.stderr, result.stderr


@pytest.mark.parametrize(("host", "warned"), [("192.0.2.1", True), ("127.0.0.1", False)])
def test_a_journal_bound_beyond_loopback_is_warned_of_at_start_up(host: str, warned: bool) -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface here: the warning comes before the bind, which then fails,
    # so nothing listens beyond loopback. 127.0.0.1 is served and stopped.
    command = [sys.executable, "-m", "mockserver", "serve", "--host", host, "--port", "0", "--journal"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert server.stdout is not None
    output = ""
    for line in server.stdout:
        output += line
        if "Uvicorn running" in line or "error while attempting to bind" in line:
            break
    server.terminate()
    output += server.communicate(timeout=30)[0]
    assert ("request journal (/__admin/requests) is open to anyone" in output) is warned, output
