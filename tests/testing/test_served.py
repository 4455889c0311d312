"""The sandbox served from a test process, and the spec it serves naming the server that served it."""

from __future__ import annotations

import socket
from urllib.parse import urljoin

import httpx
import orjson
import pytest
from click.testing import CliRunner

from mockserver.cli import main
from mockserver.http import SPEC_PATH
from mockserver.testing.served import BadSandboxSettings, sandbox_settings, serve_sandbox
from tests.conftest import SEED_ACTIVITY


@pytest.mark.parametrize("profile", ["documented", "jim"])
def test_the_served_specs_server_is_the_server_that_served_it_on_any_port(profile: str) -> None:
    with serve_sandbox(sandbox_settings(profile=profile, access_log=False)) as sandbox:
        spec_url = sandbox.base_url + SPEC_PATH
        spec = httpx.get(spec_url, timeout=10).json()
    assert urljoin(spec_url, spec["servers"][0]["url"]) == sandbox.base_url + "/"


@pytest.mark.parametrize("profile", ["documented", "jim"])
def test_mockserver_spec_prints_the_servers_it_serves(profile: str) -> None:
    printed = CliRunner().invoke(main, ["spec", "--profile", profile, "--format", "json"])
    assert printed.exit_code == 0, printed.output
    with serve_sandbox(sandbox_settings(profile=profile, access_log=False)) as sandbox:
        served = httpx.get(sandbox.base_url + SPEC_PATH, timeout=10).json()
    assert orjson.loads(printed.output)["servers"] == served["servers"]


def test_a_served_sandbox_answers_on_its_base_url_and_lets_the_port_go_after() -> None:
    with serve_sandbox(sandbox_settings(access_log=False)) as sandbox:
        assert sandbox.base_url.startswith("http://127.0.0.1:") and not sandbox.base_url.endswith("/")
        url = f"{sandbox.base_url}/api/v1/activities/{SEED_ACTIVITY}/items"
        response = httpx.get(url, headers={"X-Api-Key": sandbox.admin_key}, params={"pageSize": 50}, timeout=10)
        assert (response.status_code, response.json()["totalCount"]) == (200, 248)
        port = int(sandbox.base_url.rpartition(":")[2])
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass


@pytest.mark.parametrize(
    ("given", "named"),
    [({"rate_limit_per_key": 0}, "rate_limit_per_key"), ({"profile": "prism"}, "profile"), ({"workers": 2}, "workers")],
)
def test_settings_a_served_sandbox_cannot_start_with_are_refused_naming_the_field(
    given: dict[str, object], named: str
) -> None:
    with pytest.raises(BadSandboxSettings) as refused:
        sandbox_settings(**given)
    assert refused.value.line().startswith(f"mockserver: bad settings: {named}")
