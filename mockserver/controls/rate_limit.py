"""JIM's rate limits, decided before authentication: per key over a sliding minute, per client IP over a fixed one.

JIM partitions by caller: a request with a valid key counts against that key (300 a minute,
a sliding window of six 10-second segments); any other request, whatever its key header holds,
counts against the client's IP (30 a minute, a fixed window); the infrastructure key is exempt.
The windows come from `limits`. For keys we use its moving window, the exact limit of JIM's
segmented window as segments shrink: the (N+1)th request inside any 60 seconds is refused and
Retry-After says when the oldest of the N frees its slot, where JIM frees a whole segment at a
10-second boundary.
"""

from __future__ import annotations

import logging
import math
import time
from contextlib import AbstractAsyncContextManager, nullcontext

from limits import RateLimitItemPerMinute
from limits.aio.storage import Storage
from limits.aio.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter, RateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import errors
from mockserver.compat import routed_operation_id
from mockserver.controls.shared_state import RedisUnavailable, SharedRedis
from mockserver.http import is_health
from mockserver.scope import caller, mark_shared_state_failed
from mockserver.text import request_line

logger = logging.getLogger("mockserver.rate_limit")


def retry_after(reset_at: float, now: float) -> int:
    """Whole seconds until a slot frees, rounded up so a client that waits that long is let in; at least 1."""
    return max(1, math.ceil(reset_at - now))


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class Limiter:
    """The app's limiter: which window a request counts against, and whether it still fits."""

    def __init__(
        self,
        per_key: int,
        per_ip: int,
        storage: Storage,
        fixed_retry_after: int | None = None,
        shared: SharedRedis | None = None,
    ) -> None:
        """`fixed_retry_after`: always send this Retry-After (as the real JIM does: 60), not the time to a free slot.
        `shared`: the Redis the storage lives in, whose deadline bounds every count."""
        self.fixed_retry_after = fixed_retry_after
        self.shared = shared
        self.per_key = RateLimitItemPerMinute(per_key, namespace="key")
        self.per_ip = RateLimitItemPerMinute(per_ip, namespace="ip")
        self.sliding: RateLimiter = MovingWindowRateLimiter(storage)
        self.fixed: RateLimiter = FixedWindowRateLimiter(storage)

    def deadline(self) -> AbstractAsyncContextManager[None]:
        return self.shared.deadline() if self.shared is not None else nullcontext()

    async def check(self, scope: Scope) -> None:
        """Count the request, or raise 429 with Retry-After; 503 with Retry-After when Redis fails to answer in
        time (one log line, no traceback). An unknown, disabled or expired key is simply not authenticated
        here, and answers nothing about itself."""
        try:
            async with self.deadline():
                await self.count(scope)
        except RedisUnavailable as exc:
            mark_shared_state_failed(scope)
            logger.warning("%s: answered 503, %s", request_line(scope), exc)
            raise errors.service_unavailable() from None

    async def count(self, scope: Scope) -> None:
        key = caller(scope).key
        if key is not None and key.rate_limit_exempt:
            return
        if key is not None:
            strategy, item, who = self.sliding, self.per_key, key.sha256
        else:
            strategy, item, who = self.fixed, self.per_ip, client_ip(scope)
        if await strategy.hit(item, who):
            return
        if self.fixed_retry_after is not None:
            raise errors.too_many_requests(self.fixed_retry_after)
        stats = await strategy.get_window_stats(item, who)
        raise errors.too_many_requests(retry_after(stats.reset_time, time.time()))


class RateLimitMiddleware:
    """Sits between Connexion's routing and security middleware, so a refused request never reaches authentication."""

    def __init__(self, app: ASGIApp, limiter: Limiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Health is never limited (JIM's rule): probes of a load balancer or an orchestrator must get through.
        if scope["type"] == "http" and routed_operation_id(scope) is not None and not is_health(scope["path"]):
            await self.limiter.check(scope)
        await self.app(scope, receive, send)
