"""The private sandboxes' registry, in memory and in a real Redis: keys, the bound, idle expiry, deletion."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterator

import pytest
import redis

from mockserver.controls.sandboxes import (
    MemoryRegistry,
    RedisRegistry,
    Registry,
    SandboxesFull,
    digest,
    sandbox_id_of,
)
from mockserver.controls.shared_state import SharedRedis

KEY = re.compile(r"jim_sbx_([0-9a-f]{16})_[A-Za-z0-9_-]{43}")


class Wall:
    """A hand-turned monotonic clock for the memory registry's idleness."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


def run(scenario: Callable[[], Awaitable[object]], *registries: Registry) -> object:
    """The scenario's result, in a loop of its own; the registries' Redis pools closed in that loop."""

    async def closing() -> object:
        try:
            return await scenario()
        finally:
            for registry in registries:
                if isinstance(registry, RedisRegistry):
                    await registry.shared.aclose()

    return asyncio.run(closing())


@pytest.fixture(params=["memory", "redis"])
def make_registry(request: pytest.FixtureRequest) -> Iterator[object]:
    """make(bound, idle_seconds) -> a registry of the parameter's kind (Redis: a real redis-server, emptied)."""
    if request.param == "memory":
        yield lambda bound=3, idle=60.0: MemoryRegistry(bound, idle)
        return
    url = request.getfixturevalue("redis_url")
    yield lambda bound=3, idle=60.0: RedisRegistry(SharedRedis(url, 500), bound, idle)


def test_a_key_is_random_names_its_sandbox_and_is_kept_only_as_its_digest(make_registry: object) -> None:
    registry: Registry = make_registry()  # type: ignore[operator]

    async def scenario() -> None:
        (one, key), (other, other_key) = await registry.create(), await registry.create()
        match = KEY.fullmatch(key)
        assert match and match[1] == one.id and sandbox_id_of(key) == one.id
        assert one.id != other.id and key != other_key
        assert one.key_sha256 == digest(key) and key not in repr(one)
        assert await registry.resolve(key) == one
        assert await registry.resolve(other_key) == other
        assert await registry.get(one.id) == one

    run(scenario, registry)


@pytest.mark.parametrize(
    "sent",
    [
        "jim_ak_sandbox_admin",
        "jim_sbx_",
        "jim_sbx_0123456789abcdef",
        "jim_sbx_0123456789abcdef_",
        "jim_sbx_0123456789ABCDEF_secret",
        "jim_sbx_../../x_secret",
    ],
)
def test_keys_of_no_sandbox_resolve_to_none(make_registry: object, sent: str) -> None:
    registry: Registry = make_registry()  # type: ignore[operator]
    assert run(lambda: registry.resolve(sent), registry) is None


def test_another_secret_for_a_live_sandbox_id_is_refused(make_registry: object) -> None:
    registry: Registry = make_registry()  # type: ignore[operator]

    async def scenario() -> None:
        sandbox, key = await registry.create()
        assert await registry.resolve(key[:-1] + ("A" if key[-1] != "A" else "B")) is None
        assert await registry.resolve(f"jim_sbx_{sandbox.id}_guess") is None
        assert await registry.resolve(key) == sandbox

    run(scenario, registry)


def test_a_deleted_sandbox_is_gone_and_its_key_resolves_to_none(make_registry: object) -> None:
    registry: Registry = make_registry()  # type: ignore[operator]

    async def scenario() -> None:
        sandbox, key = await registry.create()
        assert await registry.delete(sandbox.id) is True
        assert await registry.resolve(key) is None and await registry.get(sandbox.id) is None
        assert await registry.delete(sandbox.id) is False

    run(scenario, registry)


def test_past_the_bound_a_create_is_refused_until_one_ends(make_registry: object) -> None:
    registry: Registry = make_registry(bound=2)  # type: ignore[operator]

    async def scenario() -> None:
        first, _ = await registry.create()
        await registry.create()
        with pytest.raises(SandboxesFull) as refused:
            await registry.create()
        assert refused.value.bound == 2
        await registry.delete(first.id)
        await registry.create()

    run(scenario, registry)


def test_memory_sandboxes_end_when_idle_and_each_use_keeps_them_alive() -> None:
    wall = Wall()
    registry = MemoryRegistry(bound=1, idle_seconds=60, wall=wall)
    ended: list[str] = []
    registry.ended.append(ended.append)

    async def scenario() -> None:
        sandbox, key = await registry.create()
        wall.seconds += 59
        assert await registry.resolve(key) == sandbox  # used: idle from now
        wall.seconds += 59
        assert await registry.get(sandbox.id) == sandbox  # looking does not keep it alive
        wall.seconds += 1
        assert await registry.resolve(key) is None and await registry.get(sandbox.id) is None
        assert ended == [sandbox.id]
        await registry.create()  # the ended one no longer counts against the bound

    run(scenario, registry)


def test_an_idle_sandbox_that_ended_frees_its_place_under_the_bound_in_memory() -> None:
    wall = Wall()
    registry = MemoryRegistry(bound=1, idle_seconds=10, wall=wall)

    async def scenario() -> None:
        await registry.create()
        with pytest.raises(SandboxesFull):
            await registry.create()
        wall.seconds += 10
        await registry.create()

    run(scenario, registry)


def test_redis_sandboxes_expire_by_redis_own_clock_and_each_use_refreshes_it(redis_url: str) -> None:
    registry = RedisRegistry(SharedRedis(redis_url, 500), bound=1, idle_seconds=0.3)
    plain = redis.Redis.from_url(redis_url)

    async def scenario() -> None:
        sandbox, key = await registry.create()
        ttl = plain.pttl(f"mockserver:sandboxes:{sandbox.id}")
        assert 0 < ttl <= 300
        await asyncio.sleep(0.2)
        assert await registry.resolve(key) == sandbox
        assert plain.pttl(f"mockserver:sandboxes:{sandbox.id}") > 200  # refreshed by the use
        await asyncio.sleep(0.2)
        assert await registry.resolve(key) == sandbox  # 0.4 s after creation, alive: it was used
        await asyncio.sleep(0.35)
        assert await registry.resolve(key) is None and await registry.get(sandbox.id) is None
        assert registry.take_ended() == []
        await registry.create()  # its place under the bound is free again, and it is named as ended, once
        assert registry.take_ended() == [sandbox.id]
        assert registry.take_ended() == []

    try:
        run(scenario, registry)
    finally:
        plain.close()


def test_two_registries_on_one_redis_agree_on_every_sandbox(redis_url: str) -> None:
    one, other = (RedisRegistry(SharedRedis(redis_url, 500), bound=2, idle_seconds=60) for _ in range(2))

    async def scenario() -> None:
        sandbox, key = await one.create()
        assert await other.resolve(key) == sandbox
        await other.create()
        with pytest.raises(SandboxesFull):
            await one.create()
        assert await other.delete(sandbox.id)
        assert await one.resolve(key) is None

    run(scenario, one, other)


def test_a_redis_that_cannot_be_reached_is_redis_unavailable() -> None:
    from mockserver.controls.shared_state import RedisUnavailable
    from tests.conftest import free_port

    registry = RedisRegistry(SharedRedis(f"redis://127.0.0.1:{free_port()}/0", 100), bound=2, idle_seconds=60)

    async def scenario() -> None:
        for attempt in (registry.create(), registry.resolve("jim_sbx_0123456789abcdef_x"), registry.get("0" * 16)):
            with pytest.raises(RedisUnavailable):
                await attempt

    run(scenario, registry)
