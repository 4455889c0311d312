"""Checks an answer against what openapi.yaml declares for its operation: the status, the body's schema, the headers."""

from __future__ import annotations

from typing import Any

import httpx
import yaml
from openapi_schema_validator import OAS30Validator

from mockserver.settings import PROJECT_ROOT

SPEC: dict[str, Any] = yaml.safe_load((PROJECT_ROOT / "openapi.yaml").read_text())


def resolved(node: Any, spec: dict[str, Any] = SPEC) -> Any:
    """The node with every local $ref replaced by what it points at."""
    if isinstance(node, dict):
        if "$ref" in node:
            target: Any = spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return resolved(target, spec)
        return {key: resolved(value, spec) for key, value in node.items()}
    if isinstance(node, list):
        return [resolved(value, spec) for value in node]
    return node


def assert_declared(response: httpx.Response, path: str, method: str = "get") -> None:
    """The status is declared for the operation, the JSON body fits its schema, every declared header is sent."""
    declared = resolved(SPEC["paths"][path][method]["responses"])
    status = str(response.status_code)
    assert status in declared, f"{path} {method.upper()} does not declare {status}"
    spec = declared[status]
    schema = spec["content"]["application/json"]["schema"]
    errors = list(OAS30Validator(schema).iter_errors(response.json()))
    assert not errors, errors[0].message
    for name, header in spec.get("headers", {}).items():
        assert name.lower() in response.headers, f"{status} declares {name}"
        if header["schema"]["type"] == "integer":
            assert response.headers[name].isdigit(), (name, response.headers[name])
