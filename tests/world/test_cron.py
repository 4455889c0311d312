"""Cron expressions as NCrontab reads them: the next occurrence strictly after a moment, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mockserver.world.runs.cron import Cron, CronError

SUNDAY = datetime(2026, 4, 5, 7, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("0 * * * *", SUNDAY, datetime(2026, 4, 5, 8, 0, tzinfo=UTC)),
        ("0 * * * *", datetime(2026, 4, 5, 8, 0, tzinfo=UTC), datetime(2026, 4, 5, 9, 0, tzinfo=UTC)),
        ("0 1 * * *", SUNDAY, datetime(2026, 4, 6, 1, 0, tzinfo=UTC)),
        ("* * * * *", datetime(2026, 4, 5, 7, 1, 30, tzinfo=UTC), datetime(2026, 4, 5, 7, 2, tzinfo=UTC)),
        ("*/15 6-19 * * 1-5", SUNDAY, datetime(2026, 4, 6, 6, 0, tzinfo=UTC)),
        ("30 9 * * MON,fri", SUNDAY, datetime(2026, 4, 6, 9, 30, tzinfo=UTC)),
        ("0 0 29 2 *", SUNDAY, datetime(2028, 2, 29, 0, 0, tzinfo=UTC)),
        ("5/20 7 * * 0", SUNDAY, datetime(2026, 4, 5, 7, 5, tzinfo=UTC)),
        # NCrontab: the day must match the day of the month and the day of the week (1 June 2026 is a Monday).
        ("0 0 1 * 1", SUNDAY, datetime(2026, 6, 1, 0, 0, tzinfo=UTC)),
        ("0 0 30 2 *", SUNDAY, None),
    ],
)
def test_the_next_occurrence(expression: str, after: datetime, expected: datetime | None) -> None:
    assert Cron.parse(expression).after(after) == expected


@pytest.mark.parametrize(
    ("expression", "problem"),
    [
        ("", "five fields"),
        ("0 * * *", "five fields"),
        ("60 * * * *", "minute: 60"),
        ("0 24 * * *", "hour: 24"),
        ("0 0 0 * *", "day of month: 0"),
        ("0 0 * 13 *", "month: 13"),
        ("0 0 * * 7", "day of week: 7"),
        ("0 0 * * MON-SUN", "runs backwards"),
        ("x * * * *", "not a number"),
        ("*/0 * * * *", "minute: 0"),
    ],
)
def test_an_expression_ncrontab_refuses_is_refused(expression: str, problem: str) -> None:
    with pytest.raises(CronError, match=problem):
        Cron.parse(expression)
