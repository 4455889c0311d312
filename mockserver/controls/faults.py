"""Faults and latency on demand: the Prefer header per request (parsed in mockserver/preference.py), seeded chaos."""

from __future__ import annotations

import asyncio
import random

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import errors
from mockserver.compat import routed_operation_id
from mockserver.http import is_health
from mockserver.scope import params

DEFAULT_RETRY_AFTER = {429: 60, 503: errors.SERVICE_RETRY_AFTER}
"""What JIM sends: Retry-After 60 with its 429s, 5 with the 503s of a database outage."""


def forced_error(code: int, retry_after: int | None = None) -> errors.JimError:
    if code == 429:
        return errors.too_many_requests(DEFAULT_RETRY_AFTER[429] if retry_after is None else retry_after)
    if code == 503:
        return errors.service_unavailable(DEFAULT_RETRY_AFTER[503] if retry_after is None else retry_after)
    return errors.internal_error()


class Chaos:
    """Server-wide faults and latency from the app's own seeded generator: same seed and request order, same run."""

    def __init__(self, seed: int, fault_rate: float, latency: tuple[int, int] | None) -> None:
        self.random = random.Random(seed)
        self.fault_rate = fault_rate
        self.latency = latency

    def draw(self) -> tuple[float, int | None]:
        """(seconds of added latency, a fault status or None) for the next request."""
        delay = self.random.uniform(*self.latency) / 1000 if self.latency else 0.0
        code = None
        if self.fault_rate and self.random.random() < self.fault_rate:
            code = 503 if self.random.random() < 0.5 else 500
        return delay, code


class FaultMiddleware:
    """After authentication and validation, before the handler: delays, then answers a forced or drawn fault instead.

    A fault replaces the whole answer with an error envelope; it never touches a 200 body.
    """

    def __init__(self, app: ASGIApp, chaos: Chaos | None = None) -> None:
        self.app = app
        self.chaos = chaos

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Health is exempt, as from the rate limit: an orchestrator's probe must not restart the sandbox under test.
        if scope["type"] == "http" and routed_operation_id(scope) is not None and not is_health(scope["path"]):
            delay, code = self.chaos.draw() if self.chaos else (0.0, None)
            retry = None
            preference = params(scope).prefer
            if preference is not None:
                delay += preference.delay_ms / 1000
                if preference.code is not None:
                    code, retry = preference.code, preference.retry_after
            if delay:
                await asyncio.sleep(delay)
            if code is not None:
                raise forced_error(code, retry)
        await self.app(scope, receive, send)
