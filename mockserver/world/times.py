"""Times and numbers as JIM's serialiser (System.Text.Json) writes them, so computed values read like stored ones."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_TIMESPAN = re.compile(r"(?:(\d+)\.)?(\d\d):(\d\d):(\d\d)(\.\d+)?")


def utc(text: str) -> datetime:
    """A fixture time (ISO 8601 with Z), comparable with any other."""
    return datetime.fromisoformat(text).astimezone(UTC)


def iso(moment: datetime) -> str:
    """UTC with as many fractional digits as it has (up to 7, trailing zeros dropped) and a trailing Z."""
    moment = moment.astimezone(UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{moment.microsecond:06d}0".rstrip("0")
    return f"{text}.{fraction}Z" if fraction else f"{text}Z"


def seconds(timespan: str) -> float:
    """A .NET TimeSpan ([d.]hh:mm:ss[.fffffff]) in seconds."""
    match = _TIMESPAN.fullmatch(timespan)
    if match is None:
        raise ValueError(f"{timespan!r} is not a TimeSpan")
    days, hours, minutes, secs, fraction = match.groups()
    return int(days or 0) * 86_400 + int(hours) * 3_600 + int(minutes) * 60 + int(secs) + float(fraction or 0)


def timespan(duration: timedelta) -> str:
    """A duration as .NET's constant ("c") TimeSpan format: [d.]hh:mm:ss, then seven fractional digits if any."""
    total_us = round(duration.total_seconds() * 1_000_000)
    whole, micro = divmod(total_us, 1_000_000)
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    text = (f"{days}." if days else "") + f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return text + (f".{micro:06d}0" if micro else "")


def number(value: float) -> int | float:
    """A double as JSON: whole values without a fraction (System.Text.Json writes 90.0 as 90)."""
    return int(value) if value.is_integer() else value
