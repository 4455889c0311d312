"""Proof the contract suite has teeth: each bug planted by tests/mutants.py must fail it on a check, not a crash.

tests/teeth.py runs the contract suite against every selected mutant, each in a child forked from
one warm process, against the in-process app with Connexion's response validation off, so only
the suite's own assertions can catch the bug; it runs the tests recorded as catching each mutant
first (tests/mutant_catchers.json) and the rest only if they no longer do. That a mutant's
failures are the mutant's doing rests on the clean suite passing, which the ordinary test run
proves. `make teeth` prints which tests caught each mutant; the same table is written to
reports/mutants.txt. `make teeth RECORD=1` rewrites the record from a whole-suite run of each.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import mockserver.app
from tests import forking, mutants
from tests.verdicts import ROOT, SHOWN, Verdict

pytestmark = pytest.mark.teeth

SUITE = ("contract_tests", "-p", "tests.mutants", "-p", "no:cacheprovider", "-q")
WARM_UP = 300
"""Seconds for the runner's own start and warm-up, on top of the mutants' deadlines, before it is killed."""


def run_contract_suite(mutant: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTRACT_") and k != "PYTEST_ADDOPTS"}
    env[mutants.ENV] = mutant
    # Failing examples a mutant provokes must not land in the project's Hypothesis database.
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(tmp / "hypothesis")
    command = [sys.executable, "-m", "pytest", *SUITE, "--profile", mutants.profile_of(mutant), *args]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)


def run_teeth(wanted: list[str], out: Path, *args: str) -> str:
    """tests/teeth.py's output for the mutants; a runner overdue past every deadline is killed, its children too."""
    command = [sys.executable, "-m", "tests.teeth", *wanted, "--out", str(out), *args]
    # Its own session, so that killing it takes the children it forked along, and nothing else.
    with subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    ) as runner:
        try:
            output, _ = runner.communicate(timeout=WARM_UP + forking.DEADLINE * max(1, len(wanted)))
        except BaseException as exc:
            # A Ctrl-C reaches this process only: the runner's session is apart from the terminal's.
            os.killpg(runner.pid, signal.SIGKILL)
            if not isinstance(exc, subprocess.TimeoutExpired):
                raise
            pytest.fail(f"tests.teeth overran every deadline and was killed:\n{runner.communicate()[0][-3000:]}")
    assert runner.returncode == 0, f"tests.teeth exit {runner.returncode}:\n{output[-3000:]}"
    return output


@pytest.fixture(scope="module")
def verdicts(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Verdict]:
    """Runs tests/teeth.py once for every selected mutant and reads what it made of each."""
    wanted = [
        item.callspec.params["mutant"]
        for item in request.session.items
        if getattr(item, "originalname", None) == test_contract_suite_catches_mutant.__name__
        and hasattr(item, "callspec")
    ]
    out = tmp_path_factory.mktemp("teeth")
    print("\n" + run_teeth(wanted, out, *(["--record"] if os.environ.get("TEETH_RECORD") else [])))
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return {verdict.mutant: verdict for verdict in map(Verdict.from_json, results)}


@pytest.mark.parametrize("mutant", list(mutants.MUTANTS))
def test_contract_suite_catches_mutant(mutant: str, verdicts: dict[str, Verdict]) -> None:
    verdict = verdicts[mutant]
    print(f"\n{mutant} ({mutants.MUTANTS[mutant][0]}): exit {verdict.exit_code}, {verdict.seconds:.1f}s, {verdict.how}")
    for test in verdict.failed:
        print(f"  caught by {test}")
    for note in verdict.notes:
        print(f"  {note}")
    print(f"  failures by kind: {dict(verdict.kinds)}")

    assert verdict.exit_code == pytest.ExitCode.TESTS_FAILED, (
        f"{mutant} not caught (exit {verdict.exit_code}):\n{verdict.output}"
    )
    assert not verdict.errors, (
        f"{mutant} crashed tests rather than failing a check: {verdict.errors[:SHOWN]}\n{verdict.output}"
    )
    assert verdict.failed, f"{mutant}: exit 1 but no <failure> in the JUnit report:\n{verdict.output}"
    assert verdict.caught, f"{mutant} failed on {dict(verdict.kinds)}, none an assertion or check:\n{verdict.output}"


def test_a_mutant_past_its_deadline_is_killed_and_not_caught(tmp_path: Path) -> None:
    # No time at all: the runner's first look at its child, a moment after the fork, finds it overdue.
    run_teeth(["items_unsorted"], tmp_path, "--deadline", "0", "--report", str(tmp_path / "mutants.txt"))
    [result] = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    verdict = Verdict.from_json(result)
    assert verdict.exit_code == -signal.SIGKILL, verdict.output
    assert "killed at its 0s deadline" in verdict.notes
    assert not verdict.caught
    assert "NOT CAUGHT" in (tmp_path / "mutants.txt").read_text(encoding="utf-8")


def test_a_recorded_catcher_that_no_longer_catches_is_called_stale_and_the_rest_decides(tmp_path: Path) -> None:
    record = tmp_path / "catchers.json"
    passes = "contract_tests/test_health.py::test_health_routes_are_never_rate_limited"
    record.write_text(json.dumps({"items_unsorted": [passes]}), encoding="utf-8")
    output = run_teeth(
        ["items_unsorted"], tmp_path, "--catchers", str(record), "--report", str(tmp_path / "mutants.txt")
    )
    [result] = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    verdict = Verdict.from_json(result)
    assert verdict.caught, verdict.output
    assert verdict.how == "the rest (record stale)"
    assert f"record stale: {passes.removeprefix('contract_tests/')} passed" in verdict.notes
    assert passes not in verdict.failed
    assert "the record is stale" in output
    assert json.loads(record.read_text(encoding="utf-8")) == {"items_unsorted": [passes]}, "rewritten without --record"


def test_a_record_names_a_test_that_caught_the_mutant_and_keeps_the_other_entries(tmp_path: Path) -> None:
    record = tmp_path / "catchers.json"
    record.write_text(json.dumps({"items_unsorted": [], "huge_page_500": ["kept"], "gone": ["x"]}), encoding="utf-8")
    output = run_teeth(
        ["items_unsorted"], tmp_path, "--record", "--catchers", str(record), "--report", str(tmp_path / "mutants.txt")
    )
    [result] = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    verdict = Verdict.from_json(result)
    written = json.loads(record.read_text(encoding="utf-8"))
    assert written.keys() == {"items_unsorted", "huge_page_500"}, output
    assert written["huge_page_500"] == ["kept"]
    # Refreshed from this run: the test that failed first, which went on to catch the mutant by itself.
    assert written["items_unsorted"] == verdict.failed[:1], verdict.notes
    assert written["items_unsorted"][0].startswith("contract_tests/test_")


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
