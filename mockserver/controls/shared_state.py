"""Where rate-limit counters and the journal live: this process's memory, or one Redis all workers and replicas use."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Mapping
from contextlib import asynccontextmanager
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import orjson
import redis
import redis.asyncio
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.errors import StorageError
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from mockserver.startup import StartupError
from mockserver.text import printable

KEY_PREFIX = "mockserver"
"""Every Redis key the sandbox writes starts with this, so a shared Redis can be inspected or flushed by prefix."""

WORLD_KEY = f"{KEY_PREFIX}:world"
"""The world's start (a Unix time) and the settings it was started with, written by the first replica to start."""
READY_KEY, READY_MS = f"{KEY_PREFIX}:ready", 60_000
"""What the readiness check writes (a byte, expiring a minute later), to learn that Redis takes writes."""
FAILURES = (redis.RedisError, OSError, TimeoutError, StorageError)
"""What a Redis that is gone, stalled or refusing raises, through redis-py, limits or the deadline."""


class SharedStateError(StartupError):
    """The configured Redis cannot be used; raised before the server listens."""


class RedisUnavailable(Exception):
    """Redis did not answer within its deadline, or refused; the message says which, without internals."""


def redacted(url: str) -> str:
    """The URL for messages, with no form of a secret: its user information and every query value (redis-py reads
    `?password=` too) shown as ***, the rest as given."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(the URL given, not shown: it cannot be parsed)"
    netloc = f"***@{parts.netloc.rpartition('@')[2]}" if "@" in parts.netloc else parts.netloc
    query = "&".join(f"{printable(name)}=***" for name, _ in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


class SharedRedis:
    """One Redis pool per app, shared by the limiter, the journal and the readiness check, every use under a deadline.

    redis-py waits for ever by default: connect and socket timeouts bound each connection and command,
    no retries (a retry would double the wait), and `deadline()` bounds a whole use, pipelines and
    limits' scripts included. A failure is RedisUnavailable; recovery needs nothing, since every use
    starts afresh with a connection from the pool.
    """

    def __init__(self, url: str, timeout_ms: int) -> None:
        self.url = url
        self.timeout = timeout_ms / 1000
        try:
            self.pool = redis.asyncio.ConnectionPool.from_url(
                url, socket_connect_timeout=self.timeout, socket_timeout=self.timeout, retry=Retry(NoBackoff(), 0)
            )
        except ValueError as exc:  # redis-py's own words name the part, never its value
            raise SharedStateError(f"redis_url: {exc} ({redacted(url)})") from None
        self.client = redis.asyncio.Redis(connection_pool=self.pool)

    def check_reachable(self) -> None:
        """Fail at start-up, naming the URL, rather than answer the first requests with 503s."""
        client = redis.Redis.from_url(self.url, socket_connect_timeout=self.timeout, socket_timeout=self.timeout)
        try:
            client.ping()
        except (redis.RedisError, OSError) as exc:
            raise SharedStateError(f"cannot reach Redis at {redacted(self.url)}: {exc}") from None
        finally:
            client.close()

    def world_origin(self, proposed: float, settings: Mapping[str, Any]) -> float:
        """The world's start that every replica sharing this Redis uses: the first one's (`proposed`, if this is the
        first); refused, naming the setting, when a replica with other settings started it."""
        client = redis.Redis.from_url(self.url, socket_connect_timeout=self.timeout, socket_timeout=self.timeout)
        given = orjson.dumps({"origin": proposed, **settings})
        try:
            client.set(WORLD_KEY, given, nx=True)
            found = orjson.loads(cast("bytes", client.get(WORLD_KEY)) or given)
        except (redis.RedisError, OSError, orjson.JSONDecodeError) as exc:
            raise SharedStateError(f"cannot read the world's start from Redis at {redacted(self.url)}: {exc}") from None
        finally:
            client.close()
        for name, value in settings.items():
            if found.get(name) != value:
                raise SharedStateError(
                    f"{name}: {value!r}, but the replicas already sharing Redis at {redacted(self.url)} run with"
                    f" {found.get(name)!r}; give every replica the same {name}, or use another Redis database"
                    f" (or delete its {KEY_PREFIX}:* keys to start the world afresh)"
                )
        return float(found["origin"])

    @asynccontextmanager
    async def deadline(self) -> AsyncIterator[None]:
        """Bound one use of Redis (which may take a connect and a command) by twice the timeout; any failure is
        RedisUnavailable."""
        try:
            async with asyncio.timeout(2 * self.timeout):
                yield
        except FAILURES as exc:
            raise RedisUnavailable(self.describe(exc)) from None

    def describe(self, exc: BaseException) -> str:
        if isinstance(exc, TimeoutError | redis.TimeoutError):
            return f"Redis did not answer within {self.timeout * 1000:g} ms"
        if isinstance(exc, redis.exceptions.OutOfMemoryError):
            return "Redis refuses writes: it is out of memory (maxmemory)"
        if isinstance(exc, redis.exceptions.ReadOnlyError):
            return "Redis refuses writes: it is a read-only replica"
        if isinstance(exc, redis.ResponseError):
            return "Redis refuses writes"
        return "Redis cannot be reached"

    async def problem(self) -> str | None:
        """None when Redis takes a write within its deadline, else what is wrong (for /api/v1/health/ready).

        A write, not a PING: a Redis out of memory or a read-only replica answers PING while refusing
        every count and entry the sandbox writes."""
        try:
            async with self.deadline():
                await cast("Awaitable[bool]", self.client.set(READY_KEY, b"1", px=READY_MS))
        except RedisUnavailable as exc:
            return str(exc)
        return None

    async def aclose(self) -> None:
        await self.client.aclose()
        await self.pool.aclose()


def limits_storage(shared: SharedRedis | None) -> Storage:
    """limits' storage: in memory for one worker, in Redis (atomic Lua scripts) when workers share counters."""
    if shared is None:
        return MemoryStorage()
    # limits only reads the URI's scheme to pick its Redis bridge; the pool carries the real address.
    options: dict[str, Any] = {"connection_pool": shared.pool}
    return RedisStorage("async+redis://", implementation="redispy", key_prefix=f"{KEY_PREFIX}:limits", **options)
