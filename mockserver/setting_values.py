"""What a setting's value must be, where it takes more than a type and a range to say (mockserver/settings.py)."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from datetime import UTC, datetime


def epoch(value: str) -> str:
    """`--epoch`: fixtures, now, or a date-time with its zone (a date alone is its midnight, UTC), as written back."""
    text = value.strip()
    if text.lower() in ("fixtures", "now"):
        return text.lower()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("use fixtures, now, or a date-time with its zone (2026-12-01T09:00:00Z)") from None
    if moment.tzinfo is None and len(text) > len("2026-12-01"):
        raise ValueError(f"{text} needs its zone (Z, or +01:00)")
    moment = moment.replace(tzinfo=moment.tzinfo or UTC)
    if not 1971 <= moment.year <= 9000:  # a history of years still fits the calendar either side
        raise ValueError("a year from 1971 to 9000")
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def unknown_variables(unknown: Sequence[str], known: Sequence[str], prefix: str) -> str:
    """Why the environment is refused: each variable that names no setting, with the nearest that does."""
    hints = [difflib.get_close_matches(name.upper(), known, n=1) for name in unknown]
    return (
        "; ".join(
            f"{name} is not a setting" + (f" (did you mean {hint[0]}?)" if hint else "")
            for name, hint in zip(unknown, hints, strict=True)
        )
        + f": a setting's variable is {prefix} and its name (mockserver serve --help lists the settings)"
    )
