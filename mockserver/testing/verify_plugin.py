"""What `mockserver verify` adds to the pytest run it starts: a live target only, and usage errors in one line."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest


def one_line(message: str) -> str:
    """argparse's complaint without pytest's usage text and site-packages paths: what is wrong, where to look."""
    lines = message.splitlines()
    said = next((line.partition("error: ")[2] for line in lines if "error: " in line), lines[-1] if lines else "")
    unknown = said.removeprefix("unrecognized arguments: ")
    if unknown != said:
        return f"mockserver verify: unknown option {unknown} (mockserver verify --help lists the options)"
    return f"mockserver verify: {said}"


class LiveTarget:
    """Refuses a run without --base-url: this command verifies a server, never the in-process sandbox."""

    @pytest.hookimpl(wrapper=True)
    def pytest_cmdline_parse(self) -> Generator[None, Any, Any]:
        try:
            return (yield)
        except pytest.UsageError as exc:
            raise pytest.UsageError(one_line(str(exc))) from None

    def pytest_configure(self, config: pytest.Config) -> None:
        if not config.getoption("base_url"):
            raise pytest.UsageError("mockserver verify needs --base-url: the server to verify")
