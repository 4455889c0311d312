"""`benchmarks/started_runs.py` runs end to end on a few requests and runs: a smoke test that times nothing."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from mockserver.settings import PROJECT_ROOT

BENCH_DIR = PROJECT_ROOT / "benchmarks"


@pytest.fixture(scope="module")
def started_runs() -> Iterator[ModuleType]:
    # benchmarks/ is a folder of scripts that import each other by bare name, not a package.
    sys.path.insert(0, str(BENCH_DIR))
    try:
        yield importlib.import_module("started_runs")
    finally:
        sys.path.remove(str(BENCH_DIR))


def test_the_started_runs_figures_are_printed(started_runs: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert started_runs.main(["--quick", "--rounds", "1", "--requests", "3", "--runs", "5"]) == 0
    printed = capsys.readouterr().out
    for figure in ("items:", "execute:", "memory: 5 runs started and finished"):
        assert figure in printed, printed
    assert "the last run's progress says Complete" in printed
