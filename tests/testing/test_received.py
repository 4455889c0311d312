"""The jim_sandbox fixture's assertions over what a sandbox received, on recorded requests made up here (no clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mockserver.testing import received
from mockserver.testing.received import Request
from mockserver.testing.served import JournalOff, Sandbox, sandbox_settings

START = datetime(2026, 4, 5, 6, 0, 0, tzinfo=UTC)
ITEMS = "/api/v1/activities/a1b2c3d4-e5f6-7890-abcd-ef1234567890/items"
PROGRESS = "/api/v1/activities/a37fa88f-3aed-4d06-b5b1-1571bdd6b0b2/progress"


def at(seconds: float, path: str = ITEMS, status: int = 200, retry_after: str | None = None, **query: str) -> Request:
    """A request that arrived `seconds` after START and was answered in 2 ms."""
    return Request(
        method="GET",
        path=path,
        query={name: [value] for name, value in query.items()},
        status=status,
        time=START + timedelta(seconds=seconds),
        duration_ms=2.0,
        retry_after=retry_after,
        key_prefix="jim_ak_sandb",
        prefer=None,
    )


def test_a_request_made_passes_and_one_not_made_lists_what_was_received_marking_the_near_misses() -> None:
    requests = [at(0, page="1"), at(0.5, page="2"), at(1, path="/api/v1/activities")]
    assert received.request_made(requests, "get", ITEMS, None) is None
    assert received.request_made(requests, "GET", ITEMS, 2) is None
    assert received.request_made(requests, "GET", ITEMS, 3) == (
        f"expected GET {ITEMS} 3 times, received it 2 times; the sandbox received, in order:\n"
        f"  > 06:00:00.000 GET {ITEMS}?page=1 -> 200\n"
        f"  > 06:00:00.500 GET {ITEMS}?page=2 -> 200\n"
        "    06:00:01.000 GET /api/v1/activities -> 200"
    )
    never = received.request_made(requests, "DELETE", ITEMS, None)
    assert never is not None and never.startswith(f"expected DELETE {ITEMS}, received it never;")


def test_no_requests_passes_on_none_and_lists_any() -> None:
    assert received.no_requests([]) is None
    assert received.no_requests([at(0)]) == f"expected no requests, received 1:\n    06:00:00.000 GET {ITEMS} -> 200"


def test_a_long_list_shows_its_first_and_last_requests() -> None:
    lines = received.listed([at(n) for n in range(100)]).splitlines()
    assert len(lines) == received.SHOWN + 1 and lines[received.SHOWN // 2] == "    … 70 more …"


def test_retry_after_is_respected_counting_from_the_answer_to_the_millisecond() -> None:
    # The 429 arrived at 0 and was answered 2 ms later: the next request may come at 1.002 s, or 1 ms sooner.
    assert received.waited_after([at(0, status=429, retry_after="1"), at(1.001)], (429,)) is None
    failure = received.waited_after([at(0, status=429, retry_after="1"), at(0.5), at(2)], (429,))
    assert failure is not None and failure.startswith(
        f"the client did not wait for Retry-After: GET {ITEMS} came 0.498 s after 429 Retry-After: 1;"
    )
    assert f"  > 06:00:00.000 GET {ITEMS} -> 429 Retry-After: 1\n  > 06:00:00.500 GET {ITEMS} -> 200\n" in failure


def test_retry_after_with_no_429_to_wait_after_fails_rather_than_passing_vacuously() -> None:
    assert received.waited_after([at(0)], (429,)) == (
        f"expected an answer 429 to wait after, received none:\n    06:00:00.000 GET {ITEMS} -> 200"
    )
    assert received.waited_after([at(0, status=503, retry_after="5"), at(1)], (429, 503)) is not None


def test_polling_no_faster_than_an_interval_is_checked_per_activity() -> None:
    other = PROGRESS.replace("a37fa88f", "b37fa88f")
    steady = [at(0, PROGRESS), at(0.2, other), at(2, PROGRESS), at(2.2, other), at(3.999, PROGRESS)]
    assert received.polled_no_faster_than(steady, 2, None) is None
    assert received.polled_no_faster_than(steady, 2, other) is None
    hurried = [*steady, at(4.5, PROGRESS)]
    failure = received.polled_no_faster_than(hurried, 2, None)
    assert failure is not None and failure.startswith("expected polls at least 2 s apart, found 0.501 s:\n")
    assert "  > 06:00:03.999 GET" in failure and "  > 06:00:04.500 GET" in failure
    assert received.polled_no_faster_than([at(0)], 2, None) == (
        f"expected polls of each activity's /progress, received none:\n    06:00:00.000 GET {ITEMS} -> 200"
    )


def test_a_sandbox_with_its_journal_off_says_so_and_how_to_turn_it_on() -> None:
    sandbox = Sandbox(base_url="http://127.0.0.1:1", settings=sandbox_settings(access_log=False))
    for ask in (sandbox.requests, sandbox.journal, sandbox.assert_no_requests, sandbox.clear_journal):
        with pytest.raises(JournalOff) as off:
            ask()
        assert str(off.value).startswith("this sandbox's journal is off (journal_size=0)")
        assert "@pytest.mark.jim_sandbox(journal_size=1000)" in str(off.value)
