"""Bounds on what a client sent before the server echoes or logs it: one rule for every message, log line and entry."""

from __future__ import annotations

import re

ECHO_LIMIT = 100
"""Characters of a client's value an error message echoes."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def quoted(raw: str, limit: int = ECHO_LIMIT) -> str:
    """A client's value as the server echoes it: at most `limit` characters, so a huge value stays small."""
    return raw if len(raw) <= limit else raw[:limit] + "…"


def printable(text: str) -> str:
    """Control characters as \\xNN, so a decoded %0A in a URL cannot start a forged log line."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)
