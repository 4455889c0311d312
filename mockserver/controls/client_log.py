"""What clients change, kept in Redis, so that every worker and replica answers for every run
(world/runs/client_state.py says why a log of events is enough).

Each sandbox's events are one Redis list, appended to by an atomic script that also returns the events the writer
has not yet seen, its own last: a write is one round trip. A read is one LRANGE from the first event this process
has not applied (usually none). Events are applied in their list order, each once, whichever request's answer
brings it first; a writer whose event another request applied first finds its result kept by position. A replica
started afresh applies the whole list, so a restart loses nothing. Every use has the shared deadline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any, cast

import orjson

from mockserver.controls.shared_state import KEY_PREFIX, RedisUnavailable, SharedRedis
from mockserver.world.runs.client_state import ClientState, ClientStateUnavailable, Event, Refused, Result
from mockserver.world.runs.executions import MAX_EXECUTIONS
from mockserver.world.runs.started import MAX_STARTED_RUNS

MAX_EVENTS = 2 * (MAX_STARTED_RUNS + MAX_EXECUTIONS)
"""Events a sandbox's log keeps: every start and every cancel the bounds allow. Past it a write is refused (400),
and nothing already recorded is dropped."""
APPEND = """
local count = redis.call('LLEN', KEYS[1])
if count >= tonumber(ARGV[3]) then
  return false
end
redis.call('RPUSH', KEYS[1], ARGV[2])
return redis.call('LRANGE', KEYS[1], ARGV[1], -1)
"""
"""KEYS[1]: the log; ARGV: the first position the writer has not applied, the event, the bound. The events from that
position on, the new one last; nil when the log is full."""


def log_key(sandbox: str | None) -> str:
    return f"{KEY_PREFIX}:clients:{sandbox if sandbox is not None else '-'}:log"


class RedisLog:
    def __init__(self, shared: SharedRedis, bound: int = MAX_EVENTS) -> None:
        self.shared = shared
        self.bound = bound
        self.append = shared.client.register_script(APPEND)

    async def read(self, state: ClientState) -> None:
        start = state.applied
        try:
            async with self.shared.deadline():
                events = await cast(
                    "Awaitable[list[bytes]]", self.shared.client.lrange(log_key(state.sandbox), start, -1)
                )
        except RedisUnavailable as exc:
            raise ClientStateUnavailable(str(exc)) from None
        apply(state, start, events)

    async def write(self, state: ClientState, event: Event) -> Result:
        start = state.applied
        try:
            async with self.shared.deadline():
                reply: Any = await self.append(
                    keys=[log_key(state.sandbox)], args=[start, orjson.dumps(event), self.bound]
                )
        except RedisUnavailable as exc:
            raise ClientStateUnavailable(str(exc)) from None
        if reply is None:
            return Refused("client writes", self.bound)
        events = cast("list[bytes]", reply)
        apply(state, start, events)
        mine = start + len(events) - 1
        return state.results.get(mine)

    async def forget(self, sandbox: str) -> None:
        """Delete a sandbox's log (the sandbox is gone)."""
        try:
            async with self.shared.deadline():
                await cast("Awaitable[int]", self.shared.client.delete(log_key(sandbox)))
        except RedisUnavailable as exc:
            raise ClientStateUnavailable(str(exc)) from None


def apply(state: ClientState, start: int, events: Sequence[bytes]) -> None:
    """Apply the events from position `start` on that `state` has not yet applied, in order."""
    for position, raw in enumerate(events, start=start):
        if position >= state.applied:
            state.apply(orjson.loads(raw))
