"""`mockserver verify`: the contract suite installed with the package, run by pytest against a live server."""

from __future__ import annotations

import importlib.util
import re
import sys
import textwrap
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

from contract_tests.options import TARGET, VALUES

SUITE = "contract_tests"
CONFIG = "verify.ini"
"""The suite's pytest configuration for this command, used instead of any found near the working directory."""
NEEDS = ("pytest", "hypothesis", "schemathesis")
INSTALL = "pip install 'jim-activities-mockserver[verify]'"
HELP_WIDTH = 98
VERBOSE = re.compile(r"-v+|--verbose|--verbosity=?[1-9]")
USAGE_ERROR = 4
"""pytest's exit status for bad options, which this command keeps."""


def options_help() -> str:
    """The suite's options for `mockserver verify --help`, from the table the suite registers them from."""
    rows = [
        textwrap.fill(
            f"{' '.join((option.flag, *option.values)):<22} {option.help} (env {option.env})",
            HELP_WIDTH,
            subsequent_indent=" " * 23,
        )
        for option in {**TARGET, **VALUES}.values()
    ]
    return "\n".join(["\b", "The suite's options:", *rows])


def run(arguments: Sequence[str]) -> int:
    """pytest over the installed suite with these arguments; its exit status (0, 1, 3 unreachable, 4 bad options)."""
    missing = [name for name in NEEDS if importlib.util.find_spec(name) is None]
    if missing:
        print(f"mockserver verify: needs {', '.join(missing)}: {INSTALL}", file=sys.stderr)
        return USAGE_ERROR
    import pytest

    from mockserver.testing.verify_plugin import LiveTarget

    suite = files(SUITE)
    if not isinstance(suite, Path):
        raise RuntimeError(f"the contract suite is installed as an archive ({suite}): install it unpacked, as pip does")
    # Without -v the contract summary is all the run prints (at most 25 lines): pytest's own reporter is left out.
    verbose = any(VERBOSE.fullmatch(argument) for argument in arguments)
    told = ["-rfE", "--tb=short"] if verbose else ["-p", "no:terminal"]
    command = ["-c", str(suite / CONFIG), "--rootdir", str(suite), *told, str(suite), *arguments]
    return int(pytest.main(command, plugins=[LiveTarget()]))
