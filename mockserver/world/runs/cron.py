"""Cron expressions as JIM's scheduler reads them: five fields (minute, hour, day of month, month, day of week), in
UTC, parsed by NCrontab (CrontabSchedule.Parse in src/JIM.Application/Servers/SchedulerServer.cs,
CalculateNextRunTime).

A field is `*`, a number, a range `a-b`, any of those with a step `/n` (`a/n` runs from a to the field's end), or a
comma-separated list of them; months and days of the week may be named (JAN, MON). Days of the week run 0 (Sunday)
to 6. A day must match both the day of the month and the day of the week, as NCrontab requires. The schedule's
pattern fields (patternType, daysOfWeek, runTimes, the interval window) are what JIM's editor shows: its scheduler
never reads them, only the expression.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
FIELDS = (
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 6, DAYS),
)
LOOKAHEAD_DAYS = 4 * 366 + 1
"""How far ahead the next occurrence is looked for: every date recurs within four years (29 February included); an
expression with none in that time (30 February) never fires."""


class CronError(ValueError):
    """An expression NCrontab would not parse: the message says which field and why."""


def value(text: str, low: int, high: int, names: tuple[str, ...], field: str) -> int:
    upper = text.upper()
    if upper in names:
        return names.index(upper) + low
    if not text.isdigit():
        raise CronError(f"{field}: {text!r} is not a number")
    found = int(text)
    if not low <= found <= high:
        raise CronError(f"{field}: {found} is outside {low}-{high}")
    return found


def parse_field(text: str, field: str, low: int, high: int, names: tuple[str, ...]) -> tuple[int, ...]:
    found: set[int] = set()
    for part in text.split(","):
        span, _, step_text = part.partition("/")
        step = value(step_text, 1, high - low + 1, (), field) if step_text else 1
        if span == "*":
            first, last = low, high
        elif "-" in span:
            start, _, end = span.partition("-")
            first, last = value(start, low, high, names, field), value(end, low, high, names, field)
            if first > last:
                raise CronError(f"{field}: the range {span!r} runs backwards")
        else:
            first = value(span, low, high, names, field)
            last = high if step_text else first
        found.update(range(first, last + 1, step))
    return tuple(sorted(found))


@dataclass(frozen=True)
class Cron:
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]
    months: tuple[int, ...]
    weekdays: tuple[int, ...]

    @classmethod
    def parse(cls, text: str) -> Cron:
        parts = text.split()
        if len(parts) != len(FIELDS):
            raise CronError(f"five fields (minute hour day-of-month month day-of-week), not {len(parts)}")
        fields = [parse_field(part, *spec) for part, spec in zip(parts, FIELDS, strict=True)]
        return cls(*fields)

    def on(self, day: date) -> bool:
        return day.month in self.months and day.day in self.days and day.isoweekday() % 7 in self.weekdays

    def after(self, moment: datetime) -> datetime | None:
        """The first occurrence strictly after `moment` (NCrontab's GetNextOccurrence), or None within four years."""
        first = moment.astimezone(UTC).replace(second=0, microsecond=0) + timedelta(minutes=1)
        day = first.date()
        for _ in range(LOOKAHEAD_DAYS):
            if self.on(day):
                today = day == first.date()
                for hour in self.hours:
                    if today and hour < first.hour:
                        continue
                    floor = first.minute if today and hour == first.hour else 0
                    minute = next((m for m in self.minutes if m >= floor), None)
                    if minute is not None:
                        return datetime.combine(day, time(hour, minute), UTC)
            day += timedelta(days=1)
        return None
