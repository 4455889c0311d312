"""Bounds on what a client sent before the server echoes or logs it: one rule for every message, log line and entry."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

ECHO_LIMIT = 100
"""Characters of a client's value an error message echoes."""
LOG_LIMIT = 512
"""Characters of a client's path or query a log line shows."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_KEPT = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in '"\\')


def quoted(raw: str, limit: int = ECHO_LIMIT) -> str:
    """A client's value as the server echoes it: at most `limit` characters, so a huge value stays small."""
    return raw if len(raw) <= limit else raw[:limit] + "…"


def _escaped(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def printable(text: str) -> str:
    """Every character that is not printable escaped (\\xNN, \\uNNNN), so nothing a client sent starts a forged
    log line: not a decoded %0A, nor what line readers also break at (\\x0b, \\x0c, \\x1c-\\x1e, U+0085,
    U+2028, U+2029), nor a bidirectional override that makes a line read otherwise."""
    if text.isprintable():
        return text  # the usual line, checked in C: nothing to escape
    if text.isascii():
        return _CONTROL.sub(lambda m: _escaped(m[0]), text)
    return "".join(char if char.isprintable() or char == " " else _escaped(char) for char in text)


def as_sent(raw: bytes, limit: int) -> str:
    """Bytes a client sent, for a record: printable ASCII as it is, any other byte (and `"`, `\\`) percent-encoded,
    at most `limit` characters and a marker, so a character is one byte of JSON."""
    return quoted(quote(raw[: limit + 1], safe=_KEPT), limit)


def request_line(scope: Mapping[str, Any]) -> str:
    """`METHOD /path` for a log line: the path bounded and its control characters escaped."""
    return f"{scope['method']} {printable(quoted(scope['path'], LOG_LIMIT))}"
