"""The caller's sandbox state for the handlers: read from its log before it is used, written through it.

A handler that shows or changes what clients started asks here; one that answers for the fixture history does not,
so the history never waits on (nor fails with) where client state lives. When that store fails to answer in time,
the request answers 503 with Retry-After, as a dependency that stalls does (one log line, no traceback).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from starlette.types import Scope

from mockserver import errors
from mockserver.scope import caller, mark_shared_state_failed
from mockserver.text import request_line
from mockserver.world.runs.client_state import ClientLog, ClientState, ClientStateUnavailable, Event, Refused, Result
from mockserver.world.store import Store

logger = logging.getLogger("mockserver.clients")


class Clients:
    def __init__(self, store: Store, log: ClientLog, refuse: Callable[[errors.JimError], errors.JimError]) -> None:
        self.store = store
        self.log = log
        self.refuse = refuse

    def unavailable(self, scope: Scope, exc: ClientStateUnavailable) -> errors.JimError:
        mark_shared_state_failed(scope)
        logger.warning("%s: answered 503, %s", request_line(scope), exc)
        return self.refuse(errors.service_unavailable())

    def unread(self, scope: Scope) -> ClientState:
        """The caller's sandbox state as this process last read it: enough to write to (a write brings it up to
        date), not to answer from."""
        found = self.store.client(caller(scope).sandbox)
        assert found is not None
        return found

    async def state(self, scope: Scope) -> ClientState:
        """The caller's sandbox state, up to date with its log."""
        found = self.unread(scope)
        try:
            await self.log.read(found)
        except ClientStateUnavailable as exc:
            raise self.unavailable(scope, exc) from None
        return found

    async def write(self, scope: Scope, state: ClientState, event: Event) -> Result:
        """Record a write in the caller's sandbox: what it changed, or 400 when the sandbox keeps no more."""
        try:
            result = await self.log.write(state, event)
        except ClientStateUnavailable as exc:
            raise self.unavailable(scope, exc) from None
        if isinstance(result, Refused):
            raise self.refuse(errors.runs_full(result.bound, result.what))
        return result
