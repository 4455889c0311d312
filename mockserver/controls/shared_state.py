"""Where rate-limit counters and the journal live: this process's memory, or one Redis all workers and replicas use."""

from __future__ import annotations

import re
from typing import Any

import redis
import redis.asyncio
from limits.aio.storage import MemoryStorage, RedisStorage, Storage

from mockserver.startup import StartupError

KEY_PREFIX = "mockserver"
"""Every Redis key the sandbox writes starts with this, so a shared Redis can be inspected or flushed by prefix."""


class SharedStateError(StartupError):
    """The configured Redis cannot be used; raised before the server listens."""


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"//[^@/]*@", "//***@", url)


def check_reachable(url: str) -> None:
    """Fail at start-up, naming the URL, rather than answer the first request with a 500."""
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        raise SharedStateError(f"cannot reach Redis at {redacted(url)}: {exc}") from None
    finally:
        client.close()


def connection_pool(url: str) -> redis.asyncio.ConnectionPool:
    """One pool per app, shared by the limiter and the journal; connections open lazily in the serving loop."""
    return redis.asyncio.ConnectionPool.from_url(url)


def limits_storage(pool: redis.asyncio.ConnectionPool | None) -> Storage:
    """limits' storage: in memory for one worker, in Redis (atomic Lua scripts) when workers share counters."""
    if pool is None:
        return MemoryStorage()
    # limits only reads the URI's scheme to pick its Redis bridge; the pool carries the real address.
    options: dict[str, Any] = {"connection_pool": pool}
    return RedisStorage("async+redis://", implementation="redispy", key_prefix=f"{KEY_PREFIX}:limits", **options)
