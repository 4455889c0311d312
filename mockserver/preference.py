"""The sandbox's Prefer header (as Stoplight Prism reads it): parsed once with the parameters, read by the faults."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mockserver.settings import MAX_LATENCY_MS
from mockserver.text import quoted

FORCEABLE = (429, 500, 503)
RETRYABLE = (429, 503)
"""The forced answers that carry a Retry-After."""
MAX_RETRY_AFTER = 3600
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
    if wait is not None and (code not in RETRYABLE or wait > MAX_RETRY_AFTER):
        return None, f"retry-after={wait} needs code=429 or code=503 and at most {MAX_RETRY_AFTER} seconds: {ACCEPTED}."
    return Preference(code, delay, wait), None
