"""Browser clients: CORS only for the origins asked for, and JIM's security headers when turned on."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient

from contract_tests.envelope import assert_error, assert_validation_error
from tests.conftest import ADMIN, SEED_ACTIVITY

ITEMS = f"/api/v1/activities/{SEED_ACTIVITY}/items?pageSize=1"
FRONT_END = "http://localhost:3000"
SECURITY = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


def preflight(client: TestClient, origin: str, method: str = "GET", headers: str = "x-api-key, prefer") -> object:
    return client.options(
        ITEMS,
        headers={"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers},
    )


def cors_headers(headers: object) -> set[str]:
    return {name for name in headers if name.startswith("access-control-")}  # type: ignore[attr-defined]


def test_no_cors_headers_unless_asked_for(client: TestClient) -> None:
    response = client.get(ITEMS, headers={**ADMIN, "Origin": FRONT_END})
    assert response.status_code == 200 and not cors_headers(response.headers)
    assert_error(
        client.options(ITEMS, headers={"Origin": FRONT_END, "Access-Control-Request-Method": "GET"}),
        405,
        "METHOD_NOT_ALLOWED",
    )


def test_a_preflight_from_an_allowed_origin_is_answered(make_client: Callable[..., TestClient]) -> None:
    client = make_client(cors_origins=(FRONT_END, "http://127.0.0.1:5173"), access_log=False)
    for origin in (FRONT_END, "http://127.0.0.1:5173"):
        response = preflight(client, origin)
        assert response.status_code == 200  # type: ignore[attr-defined]
        headers = response.headers  # type: ignore[attr-defined]
        assert headers["access-control-allow-origin"] == origin
        allowed = {h.strip().lower() for h in headers["access-control-allow-headers"].split(",")}
        assert {"x-api-key", "prefer"} <= allowed
        assert {"GET", "HEAD"} <= {m.strip() for m in headers["access-control-allow-methods"].split(",")}


@pytest.mark.parametrize(
    ("origin", "method", "headers", "named"),
    [
        ("http://evil.example", "GET", "x-api-key", "Origin"),
        (FRONT_END, "DELETE", "x-api-key", "Access-Control-Request-Method"),
        (FRONT_END, "GET", "x-api-key, x-other", "Access-Control-Request-Headers"),
    ],
)
def test_a_refused_preflight_is_a_jim_envelope_naming_what_was_refused(
    make_client: Callable[..., TestClient], origin: str, method: str, headers: str, named: str
) -> None:
    client = make_client(cors_origins=(FRONT_END,), access_log=False)
    response = preflight(client, origin, method, headers)
    assert_validation_error(response, named)  # type: ignore[arg-type]
    assert "access-control-allow-origin" not in response.headers or origin == FRONT_END  # type: ignore[attr-defined]


def test_answers_to_an_allowed_origin_carry_cors_headers_errors_included(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(cors_origins=(FRONT_END,), rate_limit=True, rate_limit_per_key=1, access_log=False)
    ok = client.get(ITEMS, headers={**ADMIN, "Origin": FRONT_END})
    refused = client.get(ITEMS, headers={**ADMIN, "Origin": FRONT_END})
    unauthorised = client.get(ITEMS, headers={"Origin": FRONT_END})
    for response in (ok, refused, unauthorised):
        assert response.headers["access-control-allow-origin"] == FRONT_END
        assert "Origin" in response.headers["vary"]
    # A browser script can read Retry-After only if it is exposed.
    assert refused.status_code == 429
    assert "retry-after" in refused.headers["access-control-expose-headers"].lower()


def test_other_origins_get_no_allow_origin(make_client: Callable[..., TestClient]) -> None:
    client = make_client(cors_origins=(FRONT_END,), access_log=False)
    response = client.get(ITEMS, headers={**ADMIN, "Origin": "http://evil.example"})
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers


def test_security_headers_are_off_by_default(client: TestClient) -> None:
    response = client.get(ITEMS, headers=ADMIN)
    assert not set(SECURITY) & set(response.headers)
    assert "content-security-policy" not in response.headers


@pytest.mark.parametrize(
    "path", [ITEMS, "/api/v1/health", "/api/v1/nothing", "/api/openapi/v1.json", "/api/v1/activities/x/items"]
)
def test_security_headers_are_on_every_answer_when_turned_on(make_client: Callable[..., TestClient], path: str) -> None:
    client = make_client(security_headers=True, access_log=False)
    response = client.get(path, headers=ADMIN)
    for name, value in SECURITY.items():
        assert response.headers[name] == value, name
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, csp
    assert len(response.headers.get_list("x-frame-options")) == 1


def test_the_docs_page_works_under_its_content_security_policy(make_client: Callable[..., TestClient]) -> None:
    client = make_client(security_headers=True, access_log=False)
    page = client.get("/api/reference")
    assert page.status_code == 200
    csp = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert csp["script-src"] == "'self'" and csp["style-src"] == "'self'", csp
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert "unsafe-eval" not in page.headers["content-security-policy"]
    assert "'self'" in csp["connect-src"], "Swagger UI fetches the spec"
    assert "data:" in csp["img-src"], "swagger-ui.css draws its icons from data: URIs"
    # Every script is a same-origin file (no inline code) and every stylesheet is same-origin.
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts and all('src="/' in attrs and not body.strip() for attrs, body in scripts), scripts
    assert "style=" not in page.text and "<style" not in page.text
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert asset.startswith("/"), asset
        response = client.get(asset)
        assert response.status_code == 200, asset
        assert response.headers["content-security-policy"] == page.headers["content-security-policy"]
    # Swagger UI's online-validator badge would be an image from another origin.
    assert "validatorUrl: null" in client.get("/api/reference/init.js").text
