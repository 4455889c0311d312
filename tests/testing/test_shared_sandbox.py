"""The jim_sandbox fixture against a shared deployment: a private sandbox per test, on a server of its own process."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mockserver.testing.shared import SharedDeploymentError, deployment_url, shared_sandbox
from tests.conftest import served
from tests.testing.test_sandbox_plugin import run_pytest

TOKEN = "shared-admin-token-0123456789abcdef"

SUITE = """
import httpx
import pytest

ITEMS = "/api/v1/activities/a1b2c3d4-e5f6-7890-abcd-ef1234567890/items"
seen = {}


def get(sandbox, **params):
    return httpx.get(sandbox.base_url + ITEMS, headers={"X-Api-Key": sandbox.admin_key}, params=params, timeout=10)


@pytest.mark.parametrize("run", [1, 2])
def test_private(jim_sandbox, run):
    assert jim_sandbox.admin_key.startswith("jim_sbx_") and jim_sandbox.admin_key not in repr(jim_sandbox)
    assert jim_sandbox.id not in seen.values(), "each test has a sandbox of its own"
    seen[run] = jim_sandbox.id
    jim_sandbox.assert_no_requests()
    assert get(jim_sandbox, page=run).status_code == 200
    jim_sandbox.assert_request_made("GET", ITEMS, count=1)
    assert [r.query for r in jim_sandbox.requests()] == [{"page": [str(run)]}]
    assert jim_sandbox.journal(status=200)[0]["keyPrefix"] == jim_sandbox.admin_key[:12]
    jim_sandbox.clear_journal()
    jim_sandbox.assert_no_requests()


def test_limited(jim_sandbox):
    # The deployment limits each key to 3 a minute: this sandbox's window is its own, fresh.
    assert [get(jim_sandbox).status_code for _ in range(4)] == [200, 200, 200, 429]
    jim_sandbox.assert_request_made("GET", ITEMS, count=4)


def test_no_clock(jim_sandbox):
    with pytest.raises(RuntimeError, match="shared deployment's clock runs with its wall"):
        jim_sandbox.advance(1)


def test_no_reader(jim_sandbox):
    with pytest.raises(RuntimeError, match="has one key, its own"):
        jim_sandbox.reader_key


@pytest.mark.jim_sandbox(prefer=True)
def test_marked(jim_sandbox):
    pass
"""


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A deployment with private sandboxes, its admin routes behind a token, in a process of its own."""
    log = tmp_path_factory.mktemp("shared") / "server.log"
    environment = {**os.environ, "MOCKSERVER_ADMIN_TOKEN": TOKEN}
    with served("--sandboxes", "8", "--rate-limit", "--rate-limit-per-key", "3", log=log, env=environment) as url:
        yield url


def test_a_client_suite_gets_a_private_sandbox_per_test_on_a_shared_deployment(deployment: str, tmp_path: Path) -> None:
    (tmp_path / "test_client.py").write_text(SUITE)
    environment = {"JIM_SANDBOX_URL": deployment + "/", "JIM_SANDBOX_ADMIN_TOKEN": TOKEN}
    done = run_pytest(tmp_path, env=environment)
    lines = done.stdout.splitlines()
    passed = sorted(line.split("::")[1] for line in lines if line.startswith("PASSED "))
    assert passed == ["test_limited", "test_no_clock", "test_no_reader", "test_private[1]", "test_private[2]"], (
        done.stdout[-3000:]
    )
    assert [line.split(" - ")[0] for line in lines if line.startswith("ERROR ")] == [
        "ERROR test_client.py::test_marked"
    ]
    assert "settings ['prefer'] need a sandbox served by this test process" in done.stdout
    assert TOKEN not in done.stdout + done.stderr
    # Every sandbox was ended at its test's teardown: the deployment could make its bound of 8 again.
    made = [
        httpx.post(deployment + "/__admin/sandboxes", headers={"Authorization": f"Bearer {TOKEN}"}) for _ in range(8)
    ]
    assert [answer.status_code for answer in made] == [201] * 8
    for answer in made:
        httpx.delete(deployment + answer.headers["location"], headers={"Authorization": f"Bearer {TOKEN}"})


def test_without_the_token_the_fixture_says_what_the_deployment_answered(deployment: str) -> None:
    with (
        pytest.raises(SharedDeploymentError, match=r"answered 401 \(give its admin token in JIM_SANDBOX_ADMIN_TOKEN\)"),
        shared_sandbox(deployment, None),
    ):
        pass


def test_a_deployment_without_sandboxes_is_named_as_such(tmp_path: Path) -> None:
    refused = pytest.raises(SharedDeploymentError, match=r"answered 404 \(is it started with --sandboxes N")
    with served(log=tmp_path / "server.log") as url, refused, shared_sandbox(url, None):
        pass


@pytest.mark.parametrize("url", ["ftp://host", "localhost:8080", "http://", "http://host/?q=1"])
def test_a_url_that_is_not_a_base_url_is_refused(url: str) -> None:
    with pytest.raises(SharedDeploymentError, match="use http"):
        deployment_url(url)
