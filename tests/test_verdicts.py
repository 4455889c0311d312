"""What counts as a mutant caught: failures on checks only, read from the contract suite's JUnit report."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest

from tests.forking import collectable
from tests.verdicts import Verdict

CASE = "contract_tests.test_paging"
GROUP = """  | ExceptionGroup: Hypothesis found 2 distinct failures. (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |     assert response.status_code == 200, response.text
    | AssertionError: expected 200, got 500
    +---------------- 2 ----------------
    | Traceback (most recent call last):
    |     body["items"]
    | {second}
    +------------------------------------"""


def judged(tmp_path: Path, *results: tuple[str, str, str], exit_code: int = 1) -> Verdict:
    """A verdict read from a JUnit report of one test case per (tag, message, text)."""
    cases = "".join(
        f'<testcase classname="{CASE}" name="test_{i}"><{tag} message={quoteattr(message)}>{text}</{tag}></testcase>'
        for i, (tag, message, text) in enumerate(results)
    )
    junit = tmp_path / "junit.xml"
    junit.write_text(f"<testsuites><testsuite>{cases}</testsuite></testsuites>", encoding="utf-8")
    verdict = Verdict("items_unsorted", exit_code, 1.0, "")
    verdict.read_junit(junit)
    return verdict


def test_a_bare_assert_that_failed_is_a_check(tmp_path: Path) -> None:
    verdict = judged(tmp_path, ("failure", "assert 7 == 3", "E   assert 7 == 3"))
    assert verdict.kinds == {"AssertionError": 1}
    assert verdict.caught
    assert verdict.failed == ["contract_tests/test_paging.py::test_0"]


def test_a_schemathesis_check_failure_is_a_check(tmp_path: Path) -> None:
    verdict = judged(tmp_path, ("failure", "JsonSchemaError(operation='GET /api/v1/health/live', title='…')", ""))
    assert verdict.caught


@pytest.mark.parametrize(
    ("second", "caught"), [("AssertionError: 3 rows on page 1", True), ("KeyError: 'items'", False)]
)
def test_a_hypothesis_group_is_a_check_only_if_every_failure_in_it_is_one(
    tmp_path: Path, second: str, caught: bool
) -> None:
    message = "ExceptionGroup: Hypothesis found 2 distinct failures. (2 sub-exceptions)"
    verdict = judged(tmp_path, ("failure", message, GROUP.format(second=second)))
    assert verdict.caught is caught, verdict.kinds


def test_a_crash_is_no_catch_even_beside_a_failed_check(tmp_path: Path) -> None:
    verdict = judged(
        tmp_path,
        ("failure", "AssertionError: items are not in ascending id order", ""),
        ("error", "failed on setup with \"KeyError: 'items'\"", "E   KeyError: 'items'"),
    )
    assert verdict.errors == ["contract_tests/test_paging.py::test_1"]
    assert not verdict.caught


def test_an_assertion_in_a_fixture_is_a_check_not_a_crash(tmp_path: Path) -> None:
    verdict = judged(tmp_path, ("error", 'failed on setup with "AssertionError: hasNextPage True on page 1"', ""))
    assert verdict.errors == []
    assert verdict.caught


def test_a_failure_that_is_no_check_is_no_catch(tmp_path: Path) -> None:
    verdict = judged(tmp_path, ("failure", "KeyError: 'items'", ""))
    assert not verdict.caught


def test_a_run_that_passed_caught_nothing(tmp_path: Path) -> None:
    assert not judged(tmp_path, exit_code=0).caught


def test_a_failed_schemathesis_operation_runs_again_as_its_test() -> None:
    test = "contract_tests/test_schemathesis.py::test_every_operation_keeps_the_contract"
    assert collectable(f"{test}[GET /api/v1/health/live]", {test}) == test
    assert collectable("contract_tests/test_paging.py::test_x[1]", {test}) is None
