"""Every sandbox control is off by default and then costs nothing; settings come from flags or MOCKSERVER_* alike."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.response_validation import ResponseValidationMiddleware
from pydantic import ValidationError
from starlette.testclient import TestClient

from mockserver.api.auth import IdentifyCaller
from mockserver.api.webui import WebUiFallback
from mockserver.app import create_app
from mockserver.cli import build_settings, main
from mockserver.compat import KeySecurity, ParameterValidation, RememberedRouting, built_stack
from mockserver.controls.access_log import AccessLog
from mockserver.controls.canonical_path import CanonicalPath
from mockserver.controls.cors import Cors
from mockserver.controls.date_header import DateHeader
from mockserver.controls.faults import FaultMiddleware
from mockserver.controls.head import HeadWithoutBody
from mockserver.controls.journal import JournalMiddleware
from mockserver.controls.rate_limit import RateLimitMiddleware
from mockserver.controls.security_headers import SecurityHeaders
from mockserver.error_stage import RenderErrors
from mockserver.settings import Settings
from tests.conftest import ADMIN, SEED_ACTIVITY, free_port

DEFAULT_STACK = [
    DateHeader,  # date
    IdentifyCaller,  # identify
    AccessLog,  # controls
    CanonicalPath,
    HeadWithoutBody,
    RenderErrors,  # errors
    RememberedRouting,  # route
    KeySecurity,  # authenticate
    ParameterValidation,  # validate
    LifespanMiddleware,
]
"""What `mockserver serve` builds with default settings, outermost first (the handlers' app follows)."""
CONTROLS: dict[str, tuple[dict[str, Any], type, type]] = {
    # control: (settings that switch it on, its layer, the layer it follows)
    "rate limit": ({"rate_limit": True}, RateLimitMiddleware, RememberedRouting),
    "prefer": ({"prefer": True}, FaultMiddleware, ParameterValidation),
    "fault rate": ({"fault_rate": 0.1}, FaultMiddleware, ParameterValidation),
    "latency": ({"latency_ms": "5"}, FaultMiddleware, ParameterValidation),
    "journal": ({"journal_size": 10}, JournalMiddleware, IdentifyCaller),
    "cors": ({"cors_origins": ("http://localhost:3000",)}, Cors, AccessLog),
    "security headers": ({"security_headers": True}, SecurityHeaders, AccessLog),
    "response validation": ({"validate_responses": True}, ResponseValidationMiddleware, ParameterValidation),
}


def layers(settings: Settings) -> list[type]:
    """The layers of the stack the app builds, outermost first, as it runs them (started, so Connexion built it)."""
    app = create_app(settings)
    with app.test_client() as client:
        client.get("/api/v1/health")
        stack = built_stack(app)
    return [type(layer) for layer in stack[:-1]]


def test_the_default_stack_is_identify_controls_route_authenticate_validate() -> None:
    assert layers(Settings()) == DEFAULT_STACK


@pytest.mark.parametrize("control", list(CONTROLS))
def test_a_control_switched_on_adds_exactly_its_layer_in_its_place(control: str) -> None:
    settings, layer, follows = CONTROLS[control]
    expected = list(DEFAULT_STACK)
    expected.insert(expected.index(follows) + 1, layer)
    assert layers(Settings(**settings)) == expected


def test_the_access_log_switched_off_removes_exactly_its_layer() -> None:
    assert layers(Settings(access_log=False)) == [layer for layer in DEFAULT_STACK if layer is not AccessLog]


def test_the_jim_profile_adds_its_web_ui_fallback_after_routing_and_its_security_headers() -> None:
    expected = list(DEFAULT_STACK)
    expected.insert(expected.index(RememberedRouting) + 1, WebUiFallback)
    expected.insert(expected.index(AccessLog) + 1, SecurityHeaders)
    assert layers(Settings(profile="jim")) == expected


def test_every_control_on_keeps_the_stages_in_order() -> None:
    every = {name: value for settings, _, _ in CONTROLS.values() for name, value in settings.items()}
    built = layers(Settings(**every))
    order = [DateHeader, IdentifyCaller, JournalMiddleware, AccessLog, SecurityHeaders, Cors, CanonicalPath]
    order += [HeadWithoutBody]
    order += [RenderErrors, RememberedRouting, RateLimitMiddleware, KeySecurity]
    order += [ParameterValidation, FaultMiddleware, ResponseValidationMiddleware, LifespanMiddleware]
    assert built == order


def test_default_answers_carry_only_the_contract_headers(client: TestClient) -> None:
    for response in (
        client.get(
            f"/api/v1/activities/{SEED_ACTIVITY}/items", headers={**ADMIN, "Origin": "http://x", "Prefer": "code=503"}
        ),
        client.get(f"/api/v1/activities/{SEED_ACTIVITY}/items"),
        client.get("/api/v1/health"),
    ):
        assert set(response.headers) == {"date", "content-type", "content-length"}, response.headers


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
        {"workers": 2},
    ],
)
def test_bad_control_settings_are_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Settings(**bad)


def test_several_workers_may_share_state_through_redis() -> None:
    settings = Settings(workers=2, rate_limit=True, journal_size=5, redis_url="redis://127.0.0.1:6379/0")
    assert (settings.workers, settings.redis_url) == (2, "redis://127.0.0.1:6379/0")


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
    assert "serving on" not in result.stderr and "Started server process" not in result.stderr


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
def test_a_journal_bound_beyond_loopback_without_an_admin_token_is_warned_of_at_start_up(
    host: str, warned: bool, tmp_path: Path
) -> None:
    # 192.0.2.1 (TEST-NET-1) is on no interface here: the warning comes before the bind, which then fails
    # (exit 2), so nothing listens beyond loopback. 127.0.0.1 is served until it says so, then stopped.
    command = [sys.executable, "-m", "mockserver", "serve", "--host", host, "--port", "0", "--journal"]
    log = tmp_path / "serve.log"
    with log.open("w") as stream:
        server = subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while server.poll() is None and "serving on" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(timeout=30)
    output = log.read_text()
    assert ("serving on" in output) is not warned, output
    assert ("the admin routes (/__admin/requests, the request journal) are closed" in output) is warned, output


def test_private_sandboxes_bound_beyond_loopback_without_an_admin_token_are_warned_of() -> None:
    from mockserver import serving
    from mockserver.settings import Settings

    [warning] = serving.exposure_warnings(Settings(host="0.0.0.0", sandboxes=2))
    assert "the admin routes (/__admin/sandboxes, private sandboxes) are closed" in warning
    assert serving.exposure_warnings(Settings(host="0.0.0.0", sandboxes=2, admin_token="t" * 20)) == []
