"""Private sandboxes: a registry of sandbox ids and their keys' digests, in this process's memory or in Redis.

A sandbox is an API key of its own (JIM's Administrator role) whose journal, rate-limit window and started runs
are its own, over the shared fixture history. Its key is `jim_sbx_` + its id + `_` + a secret, so the identify
stage tells a sandbox key from a fixture key by its prefix, and only a sandbox key costs a registry lookup. The key
is shown once, when the sandbox is made; the registry keeps only its SHA-256 digest, as api-keys.json does.

The key is drawn from `secrets`, not from the seed: this is the one value an answer carries that no seed
reproduces, on purpose. A key predictable from the seed would let any client of a shared deployment use, read and
delete another's sandbox.

A sandbox no request has used for `idle_seconds` ends: in memory by the registry's own clock (injectable, for
tests), in Redis by the key's own expiry (PEXPIRE), so every replica agrees. At most `bound` exist at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, cast

from mockserver.controls.shared_state import KEY_PREFIX, SharedRedis
from mockserver.http import SANDBOX_KEY_PREFIX

ID_LENGTH = 16
"""Hex digits of a sandbox id: 64 random bits."""
SECRET_BYTES = 32
"""Random bytes of a key's secret part: 256 bits."""
REGISTRY_KEY = f"{KEY_PREFIX}:sandboxes"
"""The Redis sorted set of live sandbox ids, scored by when each was last used (Redis's milliseconds)."""

Wall = Callable[[], float]
"""Seconds, monotonic: how the memory registry measures idleness (time.monotonic unless a test gives another)."""


@dataclass(frozen=True, slots=True)
class Sandbox:
    id: str
    key_sha256: str
    created: float
    """Unix time the sandbox was made (the wall's: a credential, not history)."""


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogateescape")).hexdigest()


def new_key() -> tuple[str, str]:
    """(id, key): unguessable, from `secrets`; never derived from the seed (see the module's docstring)."""
    sandbox_id = secrets.token_hex(ID_LENGTH // 2)
    return sandbox_id, f"{SANDBOX_KEY_PREFIX}{sandbox_id}_{secrets.token_urlsafe(SECRET_BYTES)}"


def sandbox_id_of(secret: str) -> str | None:
    """The sandbox id a key names, when it has a sandbox key's form; None for any other key (no lookup needed)."""
    if not secret.startswith(SANDBOX_KEY_PREFIX):
        return None
    sandbox_id, separator, rest = secret[len(SANDBOX_KEY_PREFIX) :].partition("_")
    if separator != "_" or not rest or not is_sandbox_id(sandbox_id):
        return None
    return sandbox_id


def is_sandbox_id(text: str) -> bool:
    return len(text) == ID_LENGTH and all(c in "0123456789abcdef" for c in text)


class SandboxesFull(Exception):
    """The bound of sandboxes at once is reached."""

    def __init__(self, bound: int) -> None:
        super().__init__(f"at most {bound} sandboxes at once")
        self.bound = bound


class Registry(Protocol):
    bound: int
    idle_seconds: float

    async def create(self) -> tuple[Sandbox, str]:
        """A new sandbox and its key (the only time the key is known); SandboxesFull past the bound."""
        ...

    async def resolve(self, secret: str) -> Sandbox | None:
        """The live sandbox this key belongs to, its idle time started afresh; None for any other key."""
        ...

    async def get(self, sandbox_id: str) -> Sandbox | None: ...

    async def delete(self, sandbox_id: str) -> bool: ...

    def take_ended(self) -> list[str]:
        """The sandboxes found ended idle since last asked, whose other state nothing has removed yet."""
        ...


def matches(sandbox: Sandbox | None, secret: str) -> Sandbox | None:
    """The sandbox, when the key's digest is its own (compared in constant time), else None."""
    if sandbox is None or not hmac.compare_digest(sandbox.key_sha256, digest(secret)):
        return None
    return sandbox


class MemoryRegistry:
    """This process's sandboxes: a dict, each with when it was last used; `ended` hears of each one that ends."""

    def __init__(self, bound: int, idle_seconds: float, wall: Wall = time.monotonic) -> None:
        self.bound = bound
        self.idle_seconds = idle_seconds
        self.wall = wall
        self.ended: list[Callable[[str], None]] = []
        self._live: dict[str, tuple[Sandbox, float]] = {}

    def take_ended(self) -> list[str]:
        return []  # `ended` hears of each as it ends

    def alive(self, sandbox_id: str) -> bool:
        """Whether the sandbox is still registered (it may be idle past its time until something looks)."""
        return sandbox_id in self._live

    def _sweep(self) -> None:
        oldest = self.wall() - self.idle_seconds
        for sandbox_id in [i for i, (_, used) in self._live.items() if used <= oldest]:
            self._end(sandbox_id)

    def _end(self, sandbox_id: str) -> None:
        del self._live[sandbox_id]
        for hear in self.ended:
            hear(sandbox_id)

    def _current(self, sandbox_id: str) -> Sandbox | None:
        """The sandbox, unless it has none or has been idle past its time (then it ends now)."""
        found = self._live.get(sandbox_id)
        if found is None:
            return None
        if found[1] <= self.wall() - self.idle_seconds:
            self._end(sandbox_id)
            return None
        return found[0]

    async def create(self) -> tuple[Sandbox, str]:
        self._sweep()
        if len(self._live) >= self.bound:
            raise SandboxesFull(self.bound)
        sandbox_id, key = new_key()
        sandbox = Sandbox(sandbox_id, digest(key), time.time())
        self._live[sandbox_id] = (sandbox, self.wall())
        return sandbox, key

    async def resolve(self, secret: str) -> Sandbox | None:
        sandbox_id = sandbox_id_of(secret)
        sandbox = matches(self._current(sandbox_id), secret) if sandbox_id else None
        if sandbox is not None:
            self._live[sandbox.id] = (sandbox, self.wall())
        return sandbox

    async def get(self, sandbox_id: str) -> Sandbox | None:
        return self._current(sandbox_id)

    async def delete(self, sandbox_id: str) -> bool:
        if self._current(sandbox_id) is None:
            return False
        self._end(sandbox_id)
        return True


# Atomic in Redis, whichever replica runs them; the time is Redis's own, so replicas agree on idleness.
CREATE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ended = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return {0, ended} end
redis.call('HSET', KEYS[2], 'sha256', ARGV[2], 'created', ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('ZADD', KEYS[1], now, ARGV[1])
return {1, ended}
"""
TOUCH = """
local found = redis.call('HMGET', KEYS[2], 'sha256', 'created')
if not found[1] then return false end
local t = redis.call('TIME')
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
return found
"""


def sandbox_key(sandbox_id: str) -> str:
    return f"{REGISTRY_KEY}:{sandbox_id}"


class RedisRegistry:
    """Every replica's sandboxes: a hash per sandbox expiring after `idle_seconds` unused, and a sorted set of ids
    by last use, for the bound. Every use under the pool's deadline (RedisUnavailable past it)."""

    def __init__(self, shared: SharedRedis, bound: int, idle_seconds: float) -> None:
        self.shared = shared
        self.bound = bound
        self.idle_seconds = idle_seconds
        self.idle_ms = round(idle_seconds * 1000)
        self._create = shared.client.register_script(CREATE)
        self._touch = shared.client.register_script(TOUCH)
        self._ended: list[str] = []
        """Ids that a create found ended idle: their hash and journal expired, the runs they started did not."""

    async def create(self) -> tuple[Sandbox, str]:
        sandbox_id, key = new_key()
        sandbox = Sandbox(sandbox_id, digest(key), time.time())
        keys = [REGISTRY_KEY, sandbox_key(sandbox_id)]
        args: list[str | int] = [sandbox_id, sandbox.key_sha256, self.idle_ms, self.bound, repr(sandbox.created)]
        async with self.shared.deadline():
            made, ended = await self._create(keys=keys, args=args)
        self._ended += [found.decode("ascii") for found in ended]
        if not made:
            raise SandboxesFull(self.bound)
        return sandbox, key

    def take_ended(self) -> list[str]:
        ended, self._ended = self._ended, []
        return ended

    async def resolve(self, secret: str) -> Sandbox | None:
        sandbox_id = sandbox_id_of(secret)
        if sandbox_id is None:
            return None
        async with self.shared.deadline():
            found = await self._touch(keys=[REGISTRY_KEY, sandbox_key(sandbox_id)], args=[sandbox_id, self.idle_ms])
        return matches(self._sandbox(sandbox_id, found), secret)

    async def get(self, sandbox_id: str) -> Sandbox | None:
        async with self.shared.deadline():
            found = await cast(
                "Awaitable[list[bytes | None]]",
                self.shared.client.hmget(sandbox_key(sandbox_id), ["sha256", "created"]),
            )
        return self._sandbox(sandbox_id, found)

    async def delete(self, sandbox_id: str) -> bool:
        async with self.shared.deadline(), self.shared.client.pipeline(transaction=True) as pipe:
            pipe.delete(sandbox_key(sandbox_id))
            pipe.zrem(REGISTRY_KEY, sandbox_id)
            deleted, _ = await pipe.execute()
        return bool(deleted)

    @staticmethod
    def _sandbox(sandbox_id: str, found: list[bytes | None] | None) -> Sandbox | None:
        if not found or found[0] is None:
            return None
        return Sandbox(sandbox_id, found[0].decode("ascii"), float(found[1] or 0))
