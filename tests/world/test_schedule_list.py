"""The schedule list's search and order, as SchedulingRepository.QueryScheduleHeadersByRangeAsync applies them."""

from __future__ import annotations

from typing import Any

import pytest

from mockserver.world.schedule_list import order, search


def row(key: str, created: str, next_run: str | None = None, enabled: bool = True, **given: Any) -> dict[str, Any]:
    return {"id": key, "name": key, "description": None, "created": created, "nextRunTime": next_run,
            "lastRunTime": None, "isEnabled": enabled, **given}  # fmt: skip


ROWS = [
    row("b", "2026-04-02T00:00:00Z", "2026-04-05T09:00:00Z"),
    row("a", "2026-04-02T00:00:00Z", None, enabled=False),
    row("c", "2026-04-01T00:00:00Z", "2026-04-05T08:00:00Z"),
    row("d", "2026-04-03T00:00:00Z", "2026-04-05T08:00:00Z", description="Nightly ENTRA export"),
]


@pytest.mark.parametrize(
    ("sort_by", "descending", "expected"),
    [
        (None, False, "cabd"),  # created, then id
        (None, True, "dabc"),  # ties keep created order, then id, either way
        ("NextRun", False, "cdba"),  # nulls last
        ("nextRunTime", True, "abcd"),  # nulls first
        ("status", False, "acbd"),  # disabled first
        ("name", True, "dcba"),
        ("anything", False, "cabd"),
    ],
)
def test_the_order(sort_by: str | None, descending: bool, expected: str) -> None:
    assert "".join(r["id"] for r in order(ROWS, sort_by, descending)) == expected


@pytest.mark.parametrize(
    ("text", "expected"), [(None, "bacd"), (" \t", "bacd"), ("entra", "d"), ("A", "ad"), ("z", "")]
)
def test_search(text: str | None, expected: str) -> None:
    assert "".join(r["id"] for r in search(ROWS, text)) == expected
