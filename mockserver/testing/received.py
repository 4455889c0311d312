"""What a sandbox received, as a client's tests assert it: the requests, and how a JIM client should behave."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx

from mockserver.http import REQUESTS_PATH

RESOLUTION = timedelta(milliseconds=1)
"""The journal keeps times to the millisecond, so a wait is measured to within this."""
SHOWN = 30
"""Requests a failed assertion lists: the first ones and the last ones, when there are more."""
PROGRESS = "/progress"
ADMIN_SECONDS = 10.0
"""The deadline of the helpers' own requests (the journal)."""
JOURNAL_PAGE = 1000
"""The most entries the journal answers at once."""


@dataclass(frozen=True)
class Request:
    """One request the sandbox answered, as its journal recorded it."""

    method: str
    path: str
    """As sent, without the query."""
    query: dict[str, list[str]]
    """Every value of each parameter, in order."""
    status: int
    time: datetime
    """When it arrived (UTC, to the millisecond)."""
    duration_ms: float
    retry_after: str | None
    """The Retry-After header of the answer, when it had one."""
    key_prefix: str | None
    prefer: str | None

    @classmethod
    def from_entry(cls, entry: dict[str, Any]) -> Request:
        return cls(
            method=entry["method"],
            path=entry["path"],
            query=entry["query"],
            status=entry["status"],
            time=datetime.fromisoformat(entry["time"]),
            duration_ms=entry["durationMs"],
            retry_after=entry.get("retryAfter"),
            key_prefix=entry["keyPrefix"],
            prefer=entry["prefer"],
        )

    @property
    def answered(self) -> datetime:
        return self.time + timedelta(milliseconds=self.duration_ms)

    @property
    def target(self) -> str:
        query = urlencode([(name, value) for name, values in self.query.items() for value in values])
        return self.path + (f"?{query}" if query else "")

    def __str__(self) -> str:
        waited = f" Retry-After: {self.retry_after}" if self.retry_after is not None else ""
        return f"{self.time.strftime('%H:%M:%S.%f')[:-3]} {self.method} {self.target} -> {self.status}{waited}"


def matching(requests: Iterable[Request], method: str | None = None, path: str | None = None) -> list[Request]:
    """The requests of this method (any case) to exactly this path (without the query)."""
    return [
        request
        for request in requests
        if (method is None or request.method == method.upper()) and (path is None or request.path == path)
    ]


def listed(requests: Sequence[Request], marked: Iterable[Request] = ()) -> str:
    """The requests, one a line, in the order received, those in `marked` led by `>`; long lists shortened."""
    if not requests:
        return "  (none)"
    chosen = {id(request) for request in marked}
    lines = [f"  {'>' if id(request) in chosen else ' '} {request}" for request in requests]
    if len(lines) > SHOWN:
        half = SHOWN // 2
        lines = [*lines[:half], f"    … {len(lines) - SHOWN} more …", *lines[-half:]]
    return "\n".join(lines)


def times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def request_made(requests: Sequence[Request], method: str, path: str, count: int | None) -> str | None:
    """Why the assertion fails, or None: no such request, or not `count` of them."""
    found = matching(requests, method, path)
    if found and (count is None or len(found) == count):
        return None
    wanted = f"{method.upper()} {path}" + ("" if count is None else f" {times(count)}")
    got = "never" if not found else times(len(found))
    return f"expected {wanted}, received it {got}; the sandbox received, in order:\n{listed(requests, found)}"


def no_requests(requests: Sequence[Request]) -> str | None:
    if not requests:
        return None
    return f"expected no requests, received {len(requests)}:\n{listed(requests)}"


def seconds(value: str | None) -> float | None:
    """Retry-After as a number of seconds (the sandbox sends seconds; an HTTP date is not measured)."""
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def waited_after(requests: Sequence[Request], statuses: Sequence[int]) -> str | None:
    """Why the client did not wait at least Retry-After after each answer of these statuses, or None."""
    told = [index for index, request in enumerate(requests) if request.status in statuses]
    if not told:
        return f"expected an answer {' or '.join(map(str, statuses))} to wait after, received none:\n{listed(requests)}"
    early = []
    for index in told:
        answer = requests[index]
        wait = seconds(answer.retry_after)
        if wait is None or index + 1 == len(requests):
            continue
        following = requests[index + 1]
        gap = following.time - answer.answered
        if gap + RESOLUTION < timedelta(seconds=wait):
            early.append((answer, following, gap))
    if not early:
        return None
    reasons = "; ".join(
        f"{following.method} {following.target} came {gap.total_seconds():.3f} s after {answer.status}"
        f" Retry-After: {answer.retry_after}"
        for answer, following, gap in early
    )
    marked = [request for pair in early for request in pair[:2]]
    return f"the client did not wait for Retry-After: {reasons}; the sandbox received, in order:\n" + listed(
        requests, marked
    )


def polled_no_faster_than(requests: Sequence[Request], interval: float, path: str | None) -> str | None:
    """Why the client polled a path (each `…/progress` unless given) more often than every `interval` s, or None."""
    polls: dict[str, list[Request]] = defaultdict(list)
    for request in requests:
        if (path is None and request.path.endswith(PROGRESS)) or request.path == path:
            polls[request.path].append(request)
    if not polls:
        which = path or "each activity's /progress"
        return f"expected polls of {which}, received none:\n{listed(requests)}"
    fast = [
        (earlier, later)
        for polled in polls.values()
        for earlier, later in itertools.pairwise(polled)
        if later.time - earlier.time + RESOLUTION < timedelta(seconds=interval)
    ]
    if not fast:
        return None
    gaps = ", ".join(f"{(later.time - earlier.time).total_seconds():.3f} s" for earlier, later in fast)
    marked = [request for pair in fast for request in pair]
    polled_paths = [request for polled in polls.values() for request in polled]
    return f"expected polls at least {interval:g} s apart, found {gaps}:\n" + listed(
        sorted(polled_paths, key=lambda request: request.time), marked
    )


class Received:
    """What a sandbox received, read from its journal, and the assertions over it: a served sandbox's, or a private
    sandbox's on a shared deployment (testing/shared.py)."""

    base_url: str

    def _journal_url(self) -> str:
        return self.base_url + REQUESTS_PATH

    def _journal_capacity(self) -> int:
        raise NotImplementedError

    def _admin(self) -> dict[str, str]:
        """The admin token's header, when there is one."""
        raise NotImplementedError

    def _journal_on(self) -> None:
        """Raise when the sandbox keeps no journal."""

    def journal(self, **filters: str | int) -> list[dict[str, Any]]:
        """The journal's entries as it answers them, newest first; filters: path (a prefix), status."""
        return self._entries(filters, newest_first=True)

    def clear_journal(self) -> None:
        """Forget every request received so far (the jim_sandbox fixture does this before each test)."""
        self._journal_on()
        httpx.delete(self._journal_url(), headers=self._admin(), timeout=ADMIN_SECONDS).raise_for_status()

    def requests(self, method: str | None = None, path: str | None = None) -> list[Request]:
        """The requests received, oldest first: of this method, to exactly this path (no query), when given."""
        everything = [Request.from_entry(entry) for entry in self._entries({}, newest_first=False)]
        return matching(everything, method, path)

    def assert_request_made(self, method: str, path: str, count: int | None = None) -> None:
        """Fail unless `method path` was received (exactly `count` times, when given), listing what was."""
        self._check(request_made(self.requests(), method, path, count))

    def assert_no_requests(self) -> None:
        self._check(no_requests(self.requests()))

    def assert_retry_after_respected(self, statuses: tuple[int, ...] = (429,)) -> None:
        """Fail unless some answer had one of these statuses and, after each, the next request came no sooner than
        its Retry-After (measured from the answer, to the journal's millisecond)."""
        self._check(waited_after(self.requests(), statuses))

    def assert_polled_no_faster_than(self, seconds: float, path: str | None = None) -> None:
        """Fail unless `path` (each activity's /progress, when not given) was polled, never twice within `seconds`."""
        self._check(polled_no_faster_than(self.requests(), seconds, path))

    def _check(self, failure: str | None) -> None:
        if failure is None:
            return
        __tracebackhide__ = True
        raise AssertionError(failure + self._dropped())

    def _dropped(self) -> str:
        capacity = self._journal_capacity()
        if len(self._entries({}, newest_first=True)) < capacity:
            return ""
        return f"\n(the journal keeps the last {capacity} requests: older ones are not listed)"

    def _entries(self, filters: dict[str, str | int], newest_first: bool) -> list[dict[str, Any]]:
        self._journal_on()
        entries: list[dict[str, Any]] = []
        page = 1
        while True:
            params = {**filters, "page": page, "pageSize": JOURNAL_PAGE}
            response = httpx.get(self._journal_url(), params=params, headers=self._admin(), timeout=ADMIN_SECONDS)
            response.raise_for_status()
            body = response.json()
            entries += body["entries"]
            if not body["hasNextPage"]:
                return entries if newest_first else entries[::-1]
            page += 1


class ClockNotHandTurned(RuntimeError):
    """Asked to turn the clock of a sandbox whose clock runs with the wall."""
