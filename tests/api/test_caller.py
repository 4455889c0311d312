"""The caller is identified once per request: every layer that asks who is calling reads the same lookup."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from starlette.testclient import TestClient

from mockserver.api.auth import credential
from mockserver.world.fixtures.keys import ApiKey, KeyStore
from tests.conftest import ADMIN, SEED_ACTIVITY

ITEMS = f"/api/v1/activities/{SEED_ACTIVITY}/items"


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = KeyStore.authenticate

    def counted(self: KeyStore, secret: str, now: datetime | None = None) -> ApiKey | None:
        seen.append(secret)
        return original(self, secret, now)

    monkeypatch.setattr(KeyStore, "authenticate", counted)
    return seen


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"rate_limit": True, "journal_size": 10},
        {"profile": "jim", "rate_limit": True, "journal_size": 10},
    ],
    ids=["default", "rate-limited and journalled", "jim, rate-limited and journalled"],
)
def test_the_key_is_looked_up_once_whichever_layers_ask(
    make_client: Callable[..., TestClient], lookups: list[str], settings: dict[str, object]
) -> None:
    client = make_client(access_log=True, **settings)
    response = client.get(ITEMS, headers=ADMIN)
    assert response.status_code == 200
    assert lookups == [ADMIN["X-Api-Key"]]


def test_a_request_without_a_key_looks_nothing_up(make_client: Callable[..., TestClient], lookups: list[str]) -> None:
    response = make_client(rate_limit=True).get(ITEMS)
    assert response.status_code == 401
    assert lookups == []


@pytest.mark.parametrize(
    ("sent", "joined", "read"),
    [
        ([b" \tjim_ak_a \t"], False, "jim_ak_a"),
        ([b" \tjim_ak_a \t"], True, "jim_ak_a"),
        ([b"jim_ak_a", b" jim_ak_a"], False, "jim_ak_a"),
        ([b"jim_ak_a", b" jim_ak_a"], True, "jim_ak_a,jim_ak_a"),
        ([b"jim_ak_a", b"jim_ak_b"], False, None),
        ([], True, None),
    ],
)
def test_the_key_header_is_read_as_the_server_reads_it(sent: list[bytes], joined: bool, read: str | None) -> None:
    # Blanks around a value are the server's to trim (Kestrel's, for JIM); a header sent twice is one key when the
    # copies agree, or, as ASP.NET hands it to JIM's key handler, the values joined by a comma.
    scope = {"headers": [(b"x-api-key", value) for value in sent] + [(b"accept", b"*/*")]}
    assert credential(scope, b"x-api-key", joined) == read
