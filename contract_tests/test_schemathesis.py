"""Schemathesis over the profile's spec: every operation, every default check, positive and negative data."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from schemathesis import Case
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.schemas import OpenApiSchema

from contract_tests.target import Target

CONFIG = Path(__file__).resolve().parent / "schemathesis.toml"
"""Loaded by path, not discovered from the working directory, so the seed and the depth-ceiling
note hold wherever pytest runs from, in a checkout or installed."""


WRITES = ["POST", "PUT", "PATCH", "DELETE"]


@pytest.fixture(scope="session")
def contract_schema(target: Target, request: pytest.FixtureRequest) -> OpenApiSchema:
    # The profile's own spec: openapi.yaml as written, or with the jim profile's overlay applied.
    schema = schemathesis.openapi.from_dict(target.profile.spec, config=SchemathesisConfig.from_path(CONFIG))
    if target.app is not None:
        schema.app = target.app
    elif not request.config.getoption("allow_writes"):
        # A live server is only read unless --allow-writes: a real JIM would really run what a POST starts.
        schema = schema.exclude(method=WRITES)
    return schema


lazy_schema = schemathesis.pytest.from_fixture("contract_schema")


@lazy_schema.parametrize()
def test_every_operation_keeps_the_contract(case: Case, target: Target) -> None:
    case.call_and_validate(base_url=target.base_url, headers={"X-Api-Key": target.api_key})
