"""What surrounds the endpoint: the spec (valid, served), offline docs, the CLI, the access log."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import Callable

import pytest
import yaml
from openapi_spec_validator import validate
from starlette.testclient import TestClient

from mockserver.settings import PROJECT_ROOT
from tests.conftest import ADMIN, SEED_ACTIVITY

SPEC = yaml.safe_load((PROJECT_ROOT / "openapi.yaml").read_text())


def test_spec_is_valid_openapi_3_0_3() -> None:
    assert SPEC["openapi"] == "3.0.3"
    validate(SPEC)


def test_page_and_page_size_declare_no_bounds() -> None:
    for name in ("Page", "PageSize"):
        schema = SPEC["components"]["parameters"][name]["schema"]
        assert not {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"} & set(schema), schema


def test_items_operation_declares_every_status_the_server_sends() -> None:
    responses = SPEC["paths"]["/api/v1/activities/{id}/items"]["get"]["responses"]
    assert set(responses) == {"200", "400", "401", "403", "404", "405", "429", "500", "503"}


def test_health_declares_every_status_the_server_sends() -> None:
    # 400 for a Prefer header the sandbox does not understand; 429, 500 and 503 from the controls.
    responses = SPEC["paths"]["/api/v1/health"]["get"]["responses"]
    assert set(responses) == {"200", "400", "405", "429", "500", "503"}


def test_spec_is_served_as_json(client: TestClient) -> None:
    response = client.get("/api/openapi/v1.json")
    assert response.status_code == 200
    assert response.json() == SPEC


@pytest.mark.parametrize("path", ["/api/reference", "/api/reference/"])
def test_reference_docs_work_offline(client: TestClient, path: str) -> None:
    page = client.get(path, follow_redirects=False)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert assets and not [a for a in assets if a.startswith(("http:", "https:", "//"))], assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset


def test_help_describes_every_option() -> None:
    def help_of(*command: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "mockserver", *command, "--help"], capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    serve, top = help_of("serve"), help_of()
    for option in ("--host", "--port", "--fixtures", "--seed", "127.0.0.1", "8080", "curl"):
        assert option in serve, option
    assert "MOCKSERVER_" in top and "serve" in top and "check" in top


def test_bad_configuration_is_a_usage_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve"], capture_output=True, text=True, timeout=60,
        env={"MOCKSERVER_PORT": "not-a-port", "PATH": ""},
    )
    assert result.returncode == 2
    assert "port" in result.stderr


def test_access_log_has_one_line_per_request_and_no_full_key(
    make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(access_log=True)
    with caplog.at_level(logging.INFO, logger="mockserver.access"):
        client.get(f"/api/v1/activities/{SEED_ACTIVITY}/items?pageSize=2", headers=ADMIN)
        client.get("/api/v1/activities/x/items", headers={"X-Api-Key": "jim_ak_sandbox_reader"})
    lines = [r.getMessage() for r in caplog.records if r.name == "mockserver.access"]
    assert len(lines) == 2
    expected = rf"GET /api/v1/activities/{SEED_ACTIVITY}/items\?pageSize=2 200 \d+\.\dms key=jim_ak_sandb…"
    assert re.fullmatch(expected, lines[0])
    assert " 403 " in lines[1]
    assert not [line for line in lines if "jim_ak_sandbox_" in line]
