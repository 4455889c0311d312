"""In-process apps for the server's own tests: one shared, plus a factory for variants."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from mockserver.app import create_app
from mockserver.settings import Settings

ADMIN = {"X-Api-Key": "jim_ak_sandbox_admin"}
SEED_ACTIVITY = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
LARGE_ACTIVITY = "f6a7b8c9-d0e1-2345-f012-3456789abcde"
SYNC_ACTIVITY = "0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f"


@pytest.fixture(scope="session")
def client() -> Iterator[TestClient]:
    with create_app(Settings(validate_responses=True, access_log=False)).test_client() as c:
        yield c


@pytest.fixture
def make_client() -> Iterator[Callable[..., TestClient]]:
    opened: list[TestClient] = []

    def make(**settings: Any) -> TestClient:
        c = create_app(Settings(**settings)).test_client()
        c.__enter__()
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)
