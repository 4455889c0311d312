"""Nothing a client sends writes a line of its own into the log: every character a line reader breaks at is escaped."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from mockserver.text import printable

BREAKS = ["\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]
"""What str.splitlines, and so many log readers, treat as the end of a line."""


@given(st.text())
@example("GET /a\u2028FORGED 200")
@example("\x85\u202eevil")
def test_printable_text_is_one_line_of_printable_characters(text: str) -> None:
    shown = printable(text)
    assert len(shown.splitlines()) <= 1
    assert all(char.isprintable() for char in shown)


@pytest.mark.parametrize("brk", BREAKS)
def test_a_line_break_in_the_path_or_the_key_reaches_the_access_log_escaped(
    make_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture, brk: str
) -> None:
    client = make_client()
    path = "/api/v1/health/x" + "".join(f"%{byte:02X}" for byte in f"{brk} FORGED".encode())
    key = ("jim_ak" + brk + "FORGED_0123456789").encode("utf-8")
    with caplog.at_level(logging.INFO, logger="mockserver.access"):
        client.get(path, headers={"X-Api-Key": key})
    lines = [record.getMessage() for record in caplog.records if record.name == "mockserver.access"]
    assert len(lines) == 1
    assert len(lines[0].splitlines()) == 1, repr(lines[0])
    assert all(char.isprintable() for char in lines[0]), repr(lines[0])
