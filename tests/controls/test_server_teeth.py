"""The server's own tests catch the bugs the contract suite cannot see (tests/mutants.py's SERVER_MUTANTS)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests import mutants
from tests.verdicts import ROOT

CATCHERS = {
    "journal_not_partitioned": [
        "tests/controls/test_sandbox_routes.py::test_two_sandboxes_never_see_each_others_journal_entries_in_memory",
        "tests/controls/test_sandbox_routes.py::test_two_sandboxes_never_see_each_others_journal_entries_in_redis",
    ],
    "replicas_never_read_the_log": [
        "tests/controls/test_client_log.py::test_what_one_replica_is_told_the_other_answers_alike",
    ],
    "events_applied_again": [
        "tests/controls/test_client_log.py::test_each_event_is_applied_once_whichever_answer_brings_it_first",
    ],
    "ended_runs_never_revisited": [
        "tests/world/test_listed_runs.py::test_a_cancel_brought_for_a_run_taken_as_ended_puts_it_back_in_motion[documented]",
    ],
    "sandboxes_share_runs": [
        "tests/controls/test_sandbox_routes.py::test_a_sandbox_s_started_runs_are_its_own_and_end_with_it[memory]",
        "tests/controls/test_sandbox_routes.py::test_a_sandbox_s_started_runs_are_its_own_and_end_with_it[redis]",
    ],
}
"""Each server mutant and the tests that must fail on it."""


def test_every_server_mutant_has_its_catchers() -> None:
    assert CATCHERS.keys() == mutants.SERVER_MUTANTS.keys()


@pytest.mark.parametrize("mutant", list(mutants.SERVER_MUTANTS))
def test_the_servers_own_tests_catch_each_server_mutant(mutant: str) -> None:
    environment = {**os.environ, mutants.ENV: mutant}
    for test in CATCHERS[mutant]:
        command = [sys.executable, "-m", "pytest", test, "-p", "tests.mutants", "-p", "no:cacheprovider", "-q"]
        run = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)
        said = run.stdout + run.stderr
        # Failed on an assertion of the test, not on a crash or a usage error.
        assert run.returncode == pytest.ExitCode.TESTS_FAILED, said[-3000:]
        assert "AssertionError" in said and "1 failed" in said, said[-3000:]
