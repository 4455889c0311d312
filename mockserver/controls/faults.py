"""Faults and latency on demand: the Prefer header per request (as Stoplight Prism does it), seeded chaos for runs."""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import errors
from mockserver.http import is_health
from mockserver.scope import params, routed_operation
from mockserver.settings import MAX_LATENCY_MS
from mockserver.text import quoted

FORCEABLE = (429, 500, 503)
MAX_RETRY_AFTER = 3600
DEFAULT_RETRY_AFTER = {429: 60, 503: errors.SERVICE_RETRY_AFTER}
"""What JIM sends: Retry-After 60 with its 429s, 5 with the 503s of a database outage."""

ACCEPTED = (
    "use code=429, code=500 or code=503; delay=0 to 10000 (milliseconds); "
    "retry-after=0 to 3600 (seconds, with code=429 or code=503); "
    "comma-separated, for example 'code=503, delay=250'"
)
PREFERENCE_ECHO = 60
"""Characters of a preference a message echoes: the message also lists what is accepted, so it echoes less."""
_NUMBER = re.compile(r"[0-9]{1,6}")


@dataclass(frozen=True, slots=True)
class Preference:
    """What a request asked for in its Prefer header."""

    code: int | None = None
    delay_ms: int = 0
    retry_after: int | None = None


def parse_prefer(raw: str) -> tuple[Preference | None, str | None]:
    """(preference, None), or (None, a message saying what is wrong and what is accepted)."""
    values: dict[str, int] = {}
    for part in raw.split(","):
        name, equals, value = (p.strip() for p in part.partition("="))
        name = name.lower()
        if not (name or equals or value):
            continue  # an empty list element, as HTTP list syntax allows
        if name not in ("code", "delay", "retry-after") or not equals:
            return None, f"The preference '{quoted(part.strip(), PREFERENCE_ECHO)}' is not understood: {ACCEPTED}."
        if name in values:
            return None, f"The preference '{name}' is given twice: {ACCEPTED}."
        if not _NUMBER.fullmatch(value):
            return (
                None,
                f"The value '{quoted(value, PREFERENCE_ECHO)}' is not valid for the preference '{name}': {ACCEPTED}.",
            )
        values[name] = int(value)
    code, delay, wait = values.get("code"), values.get("delay", 0), values.get("retry-after")
    if code is not None and code not in FORCEABLE:
        return None, f"code={code} cannot be forced: {ACCEPTED}."
    if delay > MAX_LATENCY_MS:
        return None, f"delay={delay} is longer than {MAX_LATENCY_MS} milliseconds: {ACCEPTED}."
    if wait is not None and (code not in DEFAULT_RETRY_AFTER or wait > MAX_RETRY_AFTER):
        return None, f"retry-after={wait} needs code=429 or code=503 and at most {MAX_RETRY_AFTER} seconds: {ACCEPTED}."
    return Preference(code, delay, wait), None


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
        if scope["type"] == "http" and routed_operation(scope) is not None and not is_health(scope["path"]):
            delay, code = self.chaos.draw() if self.chaos else (0.0, None)
            retry = None
            preference = params(scope).prefer
            if isinstance(preference, Preference):
                delay += preference.delay_ms / 1000
                if preference.code is not None:
                    code, retry = preference.code, preference.retry_after
            if delay:
                await asyncio.sleep(delay)
            if code is not None:
                raise forced_error(code, retry)
        await self.app(scope, receive, send)
