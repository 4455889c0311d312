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

from mockserver.api.handlers import OPERATIONS
from mockserver.settings import PROJECT_ROOT
from tests.conftest import ADMIN, SEED_ACTIVITY

SPEC = yaml.safe_load((PROJECT_ROOT / "openapi.yaml").read_text())
SCHEMA_IMPORT = "d4e5f6a7-b8c9-0123-def0-123456789abc"


def test_spec_is_valid_openapi_3_0_3() -> None:
    assert SPEC["openapi"] == "3.0.3"
    validate(SPEC)


def test_page_and_page_size_declare_no_bounds() -> None:
    for name in ("Page", "PageSize"):
        schema = SPEC["components"]["parameters"][name]["schema"]
        assert not {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"} & set(schema), schema


CONNECTION = {"408", "414", "431"}
"""Answered by the connection before any route: too slow (408), a target or a head too big (414, 431)."""
BY_ID = {"200", "400", "401", "403", "404", "405", "429", "500", "503", *CONNECTION}
HEALTH = {"200", "400", "405", "429", "500", "503", *CONNECTION}
DECLARED_STATUSES = {
    # operation: every status the server can send for it
    "/api/v1/activities": {"200", "400", "401", "403", "405", "429", "500", "503", *CONNECTION},
    "/api/v1/activities/{id}": BY_ID,
    "/api/v1/activities/{id}/stats": BY_ID,
    "/api/v1/activities/{id}/progress": BY_ID,
    "/api/v1/activities/{id}/children": BY_ID,
    "/api/v1/activities/{id}/items": BY_ID,
    "/api/v1/synchronisation/connected-systems": {"200", "400", "401", "403", "405", "429", "500", "503", *CONNECTION},
    "/api/v1/synchronisation/connected-systems/{connectedSystemId}": BY_ID,
    "/api/v1/synchronisation/connected-systems/{connectedSystemId}/run-profiles": BY_ID,
    "/api/v1/worker-tasks": {"200", "400", "401", "403", "405", "429", "500", "503", *CONNECTION},
    "/api/v1/worker-tasks/{id}": BY_ID,
    "/api/v1/schedules": {"200", "400", "401", "403", "405", "429", "500", "503", *CONNECTION},
    "/api/v1/schedules/{id}": BY_ID,
    "/api/v1/schedule-executions": {"200", "400", "401", "403", "405", "429", "500", "503", *CONNECTION},
    "/api/v1/schedule-executions/active": {"200", "400", "401", "403", "405", "429", "500", "503", *CONNECTION},
    "/api/v1/schedule-executions/{id}": BY_ID,
    # 400 for a Prefer header the sandbox does not understand or a query of over 100 parameters; 429, 500
    # and 503 from the controls (ready's 503 is also its own not_ready).
    "/api/v1/health": HEALTH,
    "/api/v1/health/ready": HEALTH,
    "/api/v1/health/live": HEALTH,
    "/api/v1/health/version": HEALTH,
}


ACCEPTED = (BY_ID - {"200"}) | {"202"}
DECLARED_POSTS = {
    # a POST the server answers 202 (JIM's Accepted), with everything a route by id can answer but the 200
    "/api/v1/synchronisation/connected-systems/{connectedSystemId}/run-profiles/{runProfileId}/execute": ACCEPTED,
    "/api/v1/worker-tasks/{id}/cancel": ACCEPTED,
    "/api/v1/schedules/{id}/run": ACCEPTED,
    # JIM's Ok(execution): 200, not 202.
    "/api/v1/schedule-executions/{id}/cancel": BY_ID,
}


@pytest.mark.parametrize("path", list(DECLARED_STATUSES))
def test_every_operation_declares_every_status_the_server_sends(path: str) -> None:
    assert set(SPEC["paths"][path]["get"]["responses"]) == DECLARED_STATUSES[path]


@pytest.mark.parametrize("path", list(DECLARED_POSTS))
def test_every_post_declares_every_status_the_server_sends(path: str) -> None:
    assert set(SPEC["paths"][path]) == {"post"}
    assert set(SPEC["paths"][path]["post"]["responses"]) == DECLARED_POSTS[path]


def test_the_spec_has_no_other_paths() -> None:
    assert set(SPEC["paths"]) == set(DECLARED_STATUSES) | set(DECLARED_POSTS)


def test_every_operation_is_implemented() -> None:
    operations = {op["operationId"] for item in SPEC["paths"].values() for op in item.values()}
    assert operations == set(OPERATIONS)


@pytest.mark.parametrize(
    ("url", "example"),
    [
        (f"/api/v1/activities/{SEED_ACTIVITY}", ("/api/v1/activities/{id}", "seedActivity")),
        (f"/api/v1/activities/{SEED_ACTIVITY}/stats", ("/api/v1/activities/{id}/stats", "seedActivity")),
        (
            "/api/v1/activities?search=automation&sortBy=executed&pageSize=1",
            ("/api/v1/activities", "automationKeyRuns"),
        ),
        (
            f"/api/v1/activities/{SCHEMA_IMPORT}/children?pageSize=1",
            ("/api/v1/activities/{id}/children", "syncRuleUpdates"),
        ),
        (f"/api/v1/activities/{SEED_ACTIVITY}/children", ("/api/v1/activities/{id}/children", "noChildren")),
        (
            "/api/v1/synchronisation/connected-systems?pageSize=1",
            ("/api/v1/synchronisation/connected-systems", "firstOfThree"),
        ),
        (
            "/api/v1/synchronisation/connected-systems/2/run-profiles",
            ("/api/v1/synchronisation/connected-systems/{connectedSystemId}/run-profiles", "hrDatabase"),
        ),
    ],
)
def test_spec_examples_are_what_the_sandbox_answers(client: TestClient, url: str, example: tuple[str, str]) -> None:
    path, name = example
    declared = SPEC["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["examples"][name]
    if "$ref" in declared:
        declared = SPEC["components"]["examples"][declared["$ref"].split("/")[-1]]
    assert client.get(url, headers=ADMIN).json() == declared["value"]


def test_version_example_is_what_the_sandbox_answers(client: TestClient) -> None:
    declared = SPEC["paths"]["/api/v1/health/version"]["get"]["responses"]["200"]["content"]["application/json"]
    assert client.get("/api/v1/health/version").json() == declared["example"]


@pytest.mark.parametrize("profile", ["documented", "jim"])
def test_the_docs_page_fills_in_no_prefer_header(make_client: Callable[..., TestClient], profile: str) -> None:
    # Swagger UI's "Try it out" prefills a parameter's example (or its schema's example or default) into the request.
    served = make_client(profile=profile, access_log=False).get("/api/openapi/v1.json").json()
    prefer = served["components"]["parameters"]["Prefer"]
    assert prefer["in"] == "header" and prefer["name"] == "Prefer"
    filled = {"example", "examples", "default"}
    assert not filled & set(prefer) and not filled & set(prefer["schema"]), prefer


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


@pytest.mark.parametrize("path", ["/api/openapi/v1.json", "/api/reference", "/api/reference/swagger-ui.css"])
def test_docs_routes_answer_other_methods_with_405(client: TestClient, path: str) -> None:
    response = client.post(path)
    assert response.status_code == 405
    assert response.json()["code"] == "METHOD_NOT_ALLOWED"
    assert response.headers["allow"] == "GET, HEAD"


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
        [sys.executable, "-m", "mockserver", "serve"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"MOCKSERVER_PORT": "not-a-port", "PATH": ""},
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "mockserver serve: bad configuration: MOCKSERVER_PORT: Input should be a valid integer, unable to parse string"
        " as an integer"
    ]


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


def test_access_log_escapes_control_characters_and_hides_short_keys(
    make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(access_log=True)
    with caplog.at_level(logging.INFO, logger="mockserver.access"):
        client.get("/api/v1/nothing%0AFORGED%20LINE", headers={"X-Api-Key": "hunter2pass"})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "mockserver.access"]
    assert "\n" not in line and "\\x0aFORGED LINE" in line
    assert "hunter2pass" not in line


def test_conflicting_keys_are_no_key(client: TestClient) -> None:
    headers = [("X-Api-Key", "jim_ak_sandbox_reader"), ("X-Api-Key", "jim_ak_sandbox_admin")]
    response = client.get(f"/api/v1/activities/{SEED_ACTIVITY}/items", headers=headers)
    assert response.status_code == 401


def test_access_log_lines_stay_short_whatever_the_path(
    make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(access_log=True)
    with caplog.at_level(logging.INFO, logger="mockserver.access"):
        client.get("/api/v1/" + "p" * 5000, params={"q": "x" * 5000})
    (line,) = [r.getMessage() for r in caplog.records if r.name == "mockserver.access"]
    assert len(line) < 600 and " 404 " in line, line
