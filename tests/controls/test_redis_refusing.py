"""A Redis that answers but refuses writes (out of memory, a read-only replica); a Redis journal at its full size."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from starlette.testclient import TestClient

from contract_tests.envelope import assert_error
from mockserver.api.params import first_values
from mockserver.controls.journal import RedisJournal
from mockserver.controls.journal_routes import JournalRoutes
from mockserver.controls.shared_state import SharedRedis
from tests.conftest import ADMIN, SEED_ACTIVITY, free_port

ITEMS = f"/api/v1/activities/{SEED_ACTIVITY}/items?pageSize=1"
READY = "/api/v1/health/ready"


@pytest.fixture(params=["out-of-memory", "read-only-replica"])
def refusing(request: pytest.FixtureRequest, redis_url: str) -> Iterator[tuple[redis.Redis, str]]:
    """(a client, what Redis says) turning the private Redis into one that refuses writes, until the test ends."""
    admin = redis.Redis.from_url(redis_url)
    yield admin, request.param
    admin.config_set("maxmemory", 0)
    admin.execute_command("REPLICAOF", "NO", "ONE")
    admin.close()


def refuse(admin: redis.Redis, how: str) -> None:
    if how == "out-of-memory":
        admin.config_set("maxmemory", 1)  # under the default noeviction policy, every write is refused
    else:
        admin.execute_command("REPLICAOF", "127.0.0.1", str(free_port()))  # a master that is not there


def test_ready_says_not_ready_while_redis_refuses_writes(
    make_client: Callable[..., TestClient], redis_url: str, refusing: tuple[redis.Redis, str]
) -> None:
    admin, how = refusing
    client = make_client(rate_limit=True, journal_size=10, redis_url=redis_url, access_log=False)
    assert client.get(READY).status_code == 200
    refuse(admin, how)
    assert_error(client.get(ITEMS, headers=ADMIN), 503, "SERVICE_UNAVAILABLE")
    ready = client.get(READY)
    assert ready.status_code == 503 and ready.json()["status"] == "not_ready"
    assert "refuses writes" in ready.json()["error"], ready.json()
    admin.config_set("maxmemory", 0)
    admin.execute_command("REPLICAOF", "NO", "ONE")
    assert client.get(READY).status_code == 200
    assert client.get(ITEMS, headers=ADMIN).status_code == 200


class CountingRange:
    """Wraps a Redis client's pipeline to record how many entries each LRANGE asks for."""

    def __init__(self, shared: SharedRedis) -> None:
        self.spans: list[int] = []
        real = shared.client.pipeline

        def pipeline(*args: Any, **kwargs: Any) -> Any:
            pipe = real(*args, **kwargs)
            lrange = pipe.lrange

            def counted(key: str, start: int, end: int) -> Any:
                self.spans.append(end - start + 1)
                return lrange(key, start, end)

            pipe.lrange = counted
            return pipe

        shared.client.pipeline = pipeline  # type: ignore[method-assign]


def test_a_filtered_read_of_a_full_redis_journal_fetches_it_a_bounded_chunk_at_a_time(redis_url: str) -> None:
    capacity = 5000
    shared = SharedRedis(redis_url, 2000)
    journal = RedisJournal(shared, capacity)
    counting = CountingRange(shared)
    entry = b'{"time":1.0,"method":"GET","path":"/api/v1/x","query":"","status":%d,"durationMs":0.1,'
    entry += b'"keyPrefix":null,"prefer":null,"clientIp":null}'
    with redis.Redis.from_url(redis_url) as admin:
        admin.lpush(journal.key, *(entry % (429 if n % 10 == 0 else 200) for n in range(capacity)))

    async def read() -> Any:
        try:
            routes = JournalRoutes(journal, read_query=first_values)
            return await routes.filtered(path=None, status=429, start=0, stop=100)
        finally:
            await shared.aclose()

    count, window = asyncio.run(read())
    assert count == capacity // 10 and len(window) == 100
    assert counting.spans and max(counting.spans) <= 1000, counting.spans
