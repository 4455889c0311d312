"""The sandbox's clock: how many seconds the world has run since start-up, read from the wall (at a rate) or turned
by hand. The world's time is its start plus these seconds (`Store.now()`): every time the server writes reads it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """What the world reads to know its time: the fixtures' "now" plus `elapsed()` seconds."""

    def elapsed(self) -> float:
        """Seconds since the server started (never negative)."""
        ...


class RunningClock:
    """The wall clock since `origin` (a Unix time), `rate` times as fast: workers given the same origin and rate agree
    on the world's time."""

    def __init__(self, origin: float | None = None, wall: Callable[[], float] = time.time, rate: float = 1.0) -> None:
        if rate <= 0:
            raise ValueError("a clock runs forwards: its rate is above 0")
        self.wall = wall
        self.origin = wall() if origin is None else origin
        self.rate = rate

    def elapsed(self) -> float:
        # A wall clock may be set back (NTP); the world's time never runs backwards past its start.
        return max(0.0, (self.wall() - self.origin) * self.rate)


class ManualClock:
    """A clock that moves only when told: tests drive a run to its end without sleeping."""

    def __init__(self, elapsed: float = 0.0) -> None:
        self.seconds = elapsed

    def elapsed(self) -> float:
        return self.seconds

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock does not run backwards: use set()")
        self.seconds += seconds

    def set(self, elapsed: float) -> None:
        """Put the clock at `elapsed` seconds since start-up (back to 0 to replay a run)."""
        self.seconds = max(0.0, elapsed)
