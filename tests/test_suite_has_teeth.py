"""Proof the contract suite has teeth: each bug planted by tests/mutants.py must fail it on a check, not a crash.

Every mutant runs the whole contract suite in a subprocess against the in-process app, with
Connexion's response validation off, so only the suite's own assertions can catch the bug.
That a mutant's failures are the mutant's doing rests on the clean suite passing, which the
ordinary test run proves. The runs go one per CPU at a time. `pytest tests/test_suite_has_teeth.py -s`
prints which tests caught each mutant; the same table is written to reports/mutants.txt.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import mockserver.app
from tests import mutants

pytestmark = pytest.mark.teeth

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reports" / "mutants.txt"
SUITE = ("contract_tests", "-p", "tests.mutants", "-p", "no:cacheprovider", "-q")
MAX_FAIL = 25
"""Enough failures to show which tests catch a mutant, without running the rest of a suite it has already failed."""
RUN_TIMEOUT = 600
SHOWN = 3
ID_WIDTH = 100


@dataclass
class Verdict:
    mutant: str
    exit_code: int
    seconds: float
    output: str
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)

    @property
    def caught(self) -> bool:
        """Failed on checks: assertions or Schemathesis check failures, and no crash anywhere."""
        checks = any(kind.startswith("AssertionError") or "Failure" in kind for kind in self.kinds)
        return self.exit_code == pytest.ExitCode.TESTS_FAILED and checks and not self.errors

    def rows(self) -> list[tuple[str, str, str]]:
        """(mutant, failing test, count) lines of the report: the first few failing tests, one a line."""
        if not self.caught:
            return [
                (self.mutant, f"NOT CAUGHT: exit {self.exit_code}, {len(self.errors)} errors", str(len(self.failed)))
            ]
        shown = [clip(test) for test in self.failed[:SHOWN]]
        if len(self.failed) > SHOWN:
            shown.append(f"… and {len(self.failed) - SHOWN} more")
        count = f"{len(self.failed)}{'+' if len(self.failed) >= MAX_FAIL else ''}"
        return [(self.mutant, shown[0], count), *(("", test, "") for test in shown[1:])]


def clip(text: str) -> str:
    return text if len(text) <= ID_WIDTH else text[: ID_WIDTH - 1] + "…"


def child_env(mutant: str, tmp: Path) -> dict[str, str]:
    """This environment, less what would point the suite at another server, plus the mutant."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_") and k != "PYTEST_ADDOPTS"}
    env[mutants.ENV] = mutant
    # Failing examples a mutant provokes must not land in the project's Hypothesis database.
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(tmp / "hypothesis")
    return env


def run_contract_suite(mutant: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = ("--profile", mutants.profile_of(mutant))
    command = [sys.executable, "-m", "pytest", *SUITE, *profile, *args]
    env = child_env(mutant, tmp)
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)


def node_id(case: ET.Element) -> str:
    """JUnit's classname contract_tests.test_paging and name test_x[1] -> test_paging.py::test_x[1]."""
    parts = case.get("classname", "").split(".")
    module = next((i for i, part in enumerate(parts) if part.startswith("test_")), len(parts) - 1)
    return "::".join([parts[module] + ".py", *parts[module + 1 :], case.get("name", "?")])


def judge(mutant: str, tmp: Path) -> Verdict:
    junit = tmp / "junit.xml"
    started = time.perf_counter()
    run = run_contract_suite(mutant, tmp, f"--junitxml={junit}", f"--maxfail={MAX_FAIL}")
    output = (run.stdout[-3000:] + "\n" + run.stderr[-2000:]).strip()
    verdict = Verdict(mutant, run.returncode, time.perf_counter() - started, output)
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):
            for failure in case.findall("failure"):
                verdict.failed.append(node_id(case))
                verdict.kinds[(failure.get("message") or "?").split("\n", 1)[0].split(":", 1)[0][:40]] += 1
            for error in case.findall("error"):
                if "AssertionError" in (error.get("message") or "") + (error.text or ""):
                    # A check that lives in a fixture (a shared walk of every page, say) fails at setup:
                    # still a check failing, not a crash.
                    verdict.failed.append(node_id(case))
                    verdict.kinds["AssertionError (in a fixture)"] += 1
                else:
                    verdict.errors.append(node_id(case))
    return verdict


def report(verdicts: list[Verdict], wall: float) -> str:
    rows = [("mutant", "failing tests (first few)", "count")]
    for verdict in verdicts:
        rows += verdict.rows()
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{m:<{widths[0]}}  {t:<{widths[1]}}  {c}".rstrip() for m, t, c in rows]
    lines.insert(1, "-" * max(len(line) for line in lines))
    busy = sum(v.seconds for v in verdicts)
    missed = [v.mutant for v in verdicts if not v.caught]
    lines += [
        "",
        f"{len(verdicts)} mutants, {len(verdicts) - len(missed)} caught"
        + (f"; NOT CAUGHT: {', '.join(missed)}" if missed else ""),
        f"contract suite runs: {busy:.0f}s in all, {wall:.0f}s wall clock (--maxfail={MAX_FAIL})",
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def suite_runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[Verdict]]]:
    """Starts the contract suite for every selected mutant up front, one run per CPU at a time."""
    wanted = [
        item.callspec.params["mutant"]
        for item in request.session.items
        if getattr(item, "originalname", None) == test_contract_suite_catches_mutant.__name__
        and hasattr(item, "callspec")
    ]
    started = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=max(1, min(len(wanted), os.cpu_count() or 1)))
    runs = {mutant: pool.submit(judge, mutant, tmp_path_factory.mktemp(mutant)) for mutant in wanted}
    try:
        yield runs
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    done = [f.result() for f in runs.values() if f.done() and not f.cancelled() and f.exception() is None]
    if done:
        text = report(done, time.perf_counter() - started)
        REPORT.parent.mkdir(exist_ok=True)
        REPORT.write_text(text, encoding="utf-8")
        print("\n" + text)


@pytest.mark.parametrize("mutant", list(mutants.MUTANTS))
def test_contract_suite_catches_mutant(mutant: str, suite_runs: dict[str, Future[Verdict]]) -> None:
    verdict = suite_runs[mutant].result()
    print(f"\n{mutant} ({mutants.MUTANTS[mutant][0]}): exit {verdict.exit_code}, {verdict.seconds:.1f}s")
    for test in verdict.failed:
        print(f"  caught by {test}")
    print(f"  failures by kind: {dict(verdict.kinds)}")

    assert verdict.exit_code == pytest.ExitCode.TESTS_FAILED, (
        f"{mutant} not caught (exit {verdict.exit_code}):\n{verdict.output}"
    )
    assert not verdict.errors, (
        f"{mutant} crashed tests rather than failing a check: {verdict.errors[:SHOWN]}\n{verdict.output}"
    )
    assert verdict.failed, f"{mutant}: exit 1 but no <failure> in the JUnit report:\n{verdict.output}"


def test_unknown_mutant_is_a_usage_error_naming_the_valid_ones(tmp_path: Path) -> None:
    run = run_contract_suite("no_such_mutant", tmp_path, "--collect-only")
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout + run.stderr
    assert "no_such_mutant" in run.stderr
    for name in mutants.MUTANTS:
        assert name in run.stderr, f"{name} missing from the usage error: {run.stderr}"


def mockserver_namespace() -> dict[tuple[str, str], object]:
    """Every attribute of every loaded mockserver module and of the classes they define."""
    found: dict[tuple[str, str], object] = {}
    for module_name, module in list(sys.modules.items()):
        if module_name != "mockserver" and not module_name.startswith("mockserver."):
            continue
        for name, value in vars(module).items():
            found[(module_name, name)] = value
            if isinstance(value, type) and value.__module__ == module_name:
                found.update({(f"{module_name}.{name}", attr): v for attr, v in vars(value).items()})
    return found


def test_plugin_changes_nothing_without_a_mutant(monkeypatch: pytest.MonkeyPatch, pytestconfig: pytest.Config) -> None:
    monkeypatch.delenv(mutants.ENV, raising=False)
    original_create_app = mockserver.app.create_app
    before = mockserver_namespace()
    mutants.pytest_configure(pytestconfig)
    after = mockserver_namespace()
    assert mockserver.app.create_app is original_create_app
    assert after.keys() == before.keys()
    assert [key for key in before if after[key] is not before[key]] == []
    assert mutants.pytest_report_header(pytestconfig) is None
