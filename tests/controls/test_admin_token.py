"""The admin token: /__admin/ routes need it when one is set and always beyond loopback; compared in constant time,
never logged nor echoed; a missing or wrong one is a declared 401 or 403 in the error envelope."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from contract_tests.envelope import assert_error
from mockserver import serving
from mockserver.controls import admin_guard
from mockserver.settings import PROJECT_ROOT, Settings
from mockserver.testing.served import sandbox_settings, serve_sandbox
from tests.conftest import ADMIN, SEED_ACTIVITY
from tests.test_serve_command import one_line

TOKEN = "s3cret-admin-token-0123456789abcdef"
JOURNAL = "/__admin/requests"
ITEMS = f"/api/v1/activities/{SEED_ACTIVITY}/items"
BEYOND = "0.0.0.0"  # never bound here: create_app only reads it, to decide whether the routes open without a token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_on_loopback_without_a_token_the_journal_is_open_as_before(make_client: Callable[..., TestClient]) -> None:
    client = make_client(journal_size=10, access_log=False)
    assert client.get(JOURNAL).status_code == 200
    assert client.delete(JOURNAL).status_code == 204


@pytest.mark.parametrize("method", ["GET", "DELETE", "POST"])
def test_beyond_loopback_without_a_token_the_admin_routes_are_closed(
    make_client: Callable[..., TestClient], method: str
) -> None:
    client = make_client(journal_size=10, access_log=False, host=BEYOND)
    body = assert_error(client.request(method, JOURNAL, headers=bearer(TOKEN)), 403, "FORBIDDEN")
    assert "MOCKSERVER_ADMIN_TOKEN" in body["message"]
    assert client.get(ITEMS, headers=ADMIN).status_code == 200  # the API is not the admin routes' concern


@pytest.mark.parametrize("host", ["127.0.0.1", BEYOND])
@pytest.mark.parametrize("profile", ["documented", "jim"])
def test_with_a_token_it_is_required_wherever_bound_and_refusals_are_the_envelope(
    make_client: Callable[..., TestClient], host: str, profile: str
) -> None:
    client = make_client(journal_size=10, access_log=False, host=host, admin_token=TOKEN, profile=profile)
    client.get(ITEMS, headers=ADMIN)
    for sent in ({}, {"Authorization": TOKEN}, {"Authorization": f"Basic {TOKEN}"}, bearer("")):
        refused = client.get(JOURNAL, headers=sent)
        assert_error(refused, 401, "UNAUTHORISED")
        assert refused.headers["www-authenticate"] == "Bearer"
    for wrong in (TOKEN[:-1], TOKEN + "x", TOKEN.upper(), "x" * 16):
        refused = client.delete(JOURNAL, headers=bearer(wrong))
        assert_error(refused, 403, "FORBIDDEN")
        assert wrong not in refused.text and TOKEN not in refused.text
    assert client.get(JOURNAL, headers=bearer(TOKEN)).json()["count"] == 1
    assert client.get(JOURNAL, headers={"authorization": f"bearer  {TOKEN} "}).status_code == 200
    assert client.delete(JOURNAL, headers=bearer(TOKEN)).status_code == 204
    # The token is asked for before the method is: a stranger learns nothing of what the route serves.
    assert client.put(JOURNAL).status_code == 401
    assert client.put(JOURNAL, headers=bearer(TOKEN)).status_code == 405


def test_tokens_are_compared_in_constant_time_as_digests(monkeypatch: pytest.MonkeyPatch) -> None:
    compared: list[tuple[Any, Any]] = []
    real = admin_guard.hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(admin_guard.hmac, "compare_digest", spy)
    guard = admin_guard.AdminGuard(TOKEN, open_without_token=True)
    guard.check(f"Bearer {TOKEN}")
    with pytest.raises(Exception, match="not this server's"):
        guard.check("Bearer short")
    # Equal lengths whatever was sent: the time taken says nothing of the token's length either.
    assert [(len(a), len(b)) for a, b in compared] == [(32, 32), (32, 32)]


def test_the_token_is_never_logged(make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = make_client(journal_size=10, host=BEYOND, admin_token=TOKEN)
    client.get(JOURNAL, headers=bearer(TOKEN))
    client.get(JOURNAL, headers=bearer(TOKEN + "-wrong"))
    client.get(ITEMS, headers={**ADMIN, **bearer(TOKEN)})
    assert TOKEN not in caplog.text
    settings = Settings(admin_token=TOKEN)
    assert TOKEN not in repr(settings) and TOKEN not in str(settings.model_dump())
    # Workers rebuild their settings from the environment: they get the token itself, not its mask.
    assert settings.as_environment()["MOCKSERVER_ADMIN_TOKEN"] == TOKEN


@pytest.mark.parametrize("token", ["short", "sixteen chars ok", "é" * 16, "x" * 257, ""])
def test_an_unusable_token_is_refused_in_one_line_never_echoing_it(token: str) -> None:
    said = one_line("serve", MOCKSERVER_ADMIN_TOKEN=token)
    assert said.startswith("mockserver serve: bad configuration: MOCKSERVER_ADMIN_TOKEN: use 16 to 256 visible ASCII")
    assert token not in said or token == ""
    said = one_line("serve", "--admin-token", token)
    assert "--admin-token: use 16 to 256" in said and (token not in said or token == "")


@pytest.mark.parametrize(
    ("host", "token", "journal", "warned"),
    [
        ("0.0.0.0", None, 10, True),
        ("::", None, 10, True),
        ("jim-sandbox.example", None, 10, True),
        ("0.0.0.0", TOKEN, 10, False),
        ("0.0.0.0", None, 0, False),
        ("127.0.0.1", None, 10, False),
        ("localhost", None, 10, False),
        ("::1", None, 10, False),
    ],
)
def test_start_up_warns_exactly_when_the_admin_routes_are_closed_for_want_of_a_token(
    host: str, token: str | None, journal: int, warned: bool
) -> None:
    said = serving.exposure_warnings(Settings(host=host, admin_token=token, journal_size=journal))
    assert bool(said) is warned
    if said:
        assert "MOCKSERVER_ADMIN_TOKEN" in said[0] and "closed" in said[0]


def test_the_jim_sandbox_helpers_send_the_token_it_was_given() -> None:
    with serve_sandbox(sandbox_settings(access_log=False, journal_size=10, admin_token=TOKEN)) as sandbox:
        sandbox.clear_journal()
        assert sandbox.journal() == []


def test_admin_openapi_declares_the_refusals_and_the_scheme() -> None:
    spec = yaml.safe_load((PROJECT_ROOT / "admin-openapi.yaml").read_text(encoding="utf-8"))
    assert spec["components"]["securitySchemes"]["AdminToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["AdminToken"]["description"],
    }
    for operation in spec["paths"][JOURNAL].values():
        assert {"401", "403"} <= set(operation["responses"]), operation["operationId"]
        assert operation.get("security", spec.get("security")) == [{"AdminToken": []}, {}]
