"""What `mockserver verify` reports: a summary of at most 25 lines, -v for everything, JSON, Markdown for a CI job's
summary with an annotation per broken rule, and JUnit as the checks went."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import jsonschema

from contract_tests import reports
from contract_tests.summary import MAX_LINES, NO_OPTION, Rule, compact
from mockserver.settings import PROJECT_ROOT
from mockserver.testing.served import Sandbox
from tests.testing.test_verify import A_FEW_RULES, READER, in_process, sandbox

__all__ = ["sandbox"]  # the module's served sandbox, shared with test_verify.py

BREAKING = [
    "--sandbox-ids",
    "--profile",
    "jim",
    "-k",
    "test_health_needs_no_key or test_jims_security_headers or test_change_types_are_the_profiles_vocabulary",
]
"""A documented sandbox held to the jim profile: two of its rules break, one holds."""
SCHEMA_BLOCK = re.compile(r"The JSON report .*?```json\n(.*?)\n```", re.DOTALL)


def documented_schema() -> dict[str, Any]:
    found = SCHEMA_BLOCK.search((PROJECT_ROOT / "docs" / "contract-suite.md").read_text(encoding="utf-8"))
    assert found, "docs/contract-suite.md has no JSON report schema"
    schema: dict[str, Any] = json.loads(found[1])
    return schema


def junit_counts(path: Path) -> tuple[int, int]:
    suite = ElementTree.parse(path).getroot().find("testsuite")
    assert suite is not None
    return int(suite.get("failures", 0)) + int(suite.get("errors", 0)), int(suite.get("skipped", 0))


def test_a_clean_run_says_in_a_few_lines_what_held_and_which_option_would_verify_the_rest(sandbox: Sandbox) -> None:
    done = in_process("--base-url", sandbox.base_url, "--api-key", sandbox.admin_key, *A_FEW_RULES)
    assert done.exit_code == 0, done.output[-3000:]
    assert done.output.splitlines() == [
        f"contract summary: {sandbox.base_url}, held to the documented profile",
        "  held:            1 rule",
        "  broken:         0 rules",
        "  not verified:    1 rule, for want of:",
        "    --reader-key    1 rule",
        "  not this profile's rules: 1",
        "verdict: held (exit 0); -v lists every rule and why",
    ]


def test_with_v_it_prints_pytests_report_and_every_rule_under_each_reason(sandbox: Sandbox) -> None:
    done = in_process("--base-url", sandbox.base_url, "--api-key", sandbox.admin_key, *A_FEW_RULES, "-v")
    assert done.exit_code == 0, done.output[-3000:]
    assert "PASSED" in done.output and "SKIPPED" in done.output
    summary = done.output[done.output.index("contract summary") :].splitlines()[1:8]
    assert summary == [
        f"{sandbox.base_url}, held to the documented profile:",
        "  held:            1 rule (1 check held)",
        "  broken:         0 rules (0 checks failed)",
        "  not verified:    1 rule (4 checks skipped), for want of:",
        f"    {READER}: 1 rule",
        "      test_auth.py::test_reader_key_is_403_whatever_the_activity",
        "  not this profile's rules: test_fidelity.py::test_jims_message_for_the_depth_ceiling",
    ]


def test_a_broken_run_reports_each_rule_and_why_in_every_format_that_was_asked_for(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    step_summary, record, junit = tmp_path / "step.md", tmp_path / "r" / "contract.json", tmp_path / "contract.xml"
    step_summary.write_text("an earlier step's summary\n")
    written = ["--report", "json", str(record), "--junitxml", str(junit), "--step-summary", str(step_summary)]
    done = in_process("--base-url", sandbox.base_url, *BREAKING, *written)
    assert done.exit_code == 1, done.output[-3000:]
    said = done.output.splitlines()
    annotations = [line for line in said if line.startswith("::error ")]
    assert [line.partition("::")[2].partition("::")[0] for line in annotations] == [
        "error title=contract rule broken%3A test_fidelity.py%3A%3Atest_change_types_are_the_profiles_vocabulary",
        "error title=contract rule broken%3A test_fidelity.py%3A%3Atest_jims_security_headers_are_on_every_response",
    ]
    summary = said[len(annotations) :]
    assert len(summary) <= MAX_LINES and summary[2] == "  broken:         2 rules", summary
    assert summary[4] == (
        "    test_fidelity.py::test_jims_security_headers_are_on_every_response: AssertionError:"
        " ('x-content-type-options', None)"
    )
    assert summary[-1] == "verdict: broken (exit 1); -v lists every rule and why"

    report = json.loads(record.read_text())
    jsonschema.validate(report, documented_schema())
    assert (report["verdict"], report["exitStatus"], report["target"]) == ("broken", 1, sandbox.base_url)
    assert report["counts"] == {"held": 1, "broken": 2, "notVerified": 0, "notThisProfile": 0}
    failed = sum(rule["checks"]["failed"] for rule in report["rules"])
    skipped = sum(rule["checks"]["skipped"] for rule in report["rules"])
    assert junit_counts(junit) == (failed, skipped) and failed >= 2

    appended = step_summary.read_text()
    assert appended.startswith("an earlier step's summary\n### JIM Activities contract: broken\n"), appended
    assert "| `test_fidelity.py::test_jims_security_headers_are_on_every_response` | AssertionError: (" in appended


def test_the_json_report_of_a_run_with_rules_left_unverified_names_what_would_verify_each(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    record = tmp_path / "contract.json"
    arguments = ("--base-url", sandbox.base_url, "--api-key", sandbox.admin_key, *A_FEW_RULES, "--require-all")
    done = in_process(*arguments, "--report", "json", str(record))
    assert done.exit_code == 1, done.output[-3000:]
    report = json.loads(record.read_text())
    jsonschema.validate(report, documented_schema())
    assert report["verdict"] == "not all verified (--require-all)"
    [unverified] = [rule for rule in report["rules"] if rule["verdict"] == "not verified"]
    assert unverified == {
        "rule": "test_auth.py::test_reader_key_is_403_whatever_the_activity",
        "verdict": "not verified",
        "checks": {"held": 0, "failed": 0, "skipped": 4},
        "reason": READER,
        "verifiedBy": ["--reader-key"],
    }


def test_an_unknown_report_format_is_a_usage_error() -> None:
    done = in_process("--base-url", "http://127.0.0.1:1", "--api-key", "k", "--report", "xml", "out.xml")
    assert done.exit_code == 4 and "--report xml: the formats are json and markdown" in done.output


def test_the_summary_stays_within_25_lines_however_many_rules_break_or_want_options() -> None:
    wanting = {f"needs a thing: pass --option-{n}": 1 for n in range(12)} | {"a live clock runs": 1}
    rules = {f"test_m.py::test_broken_{n:02}": Rule(failed=1, reason=f"AssertionError: {n}") for n in range(40)}
    rules |= {"test_m.py::test_unverified": Rule(unverified=wanting), "test_m.py::test_held": Rule(passed=2)}
    lines = compact(reports.Verdict("http://jim.example", "jim", rules, 1, require_all=False))
    assert len(lines) == MAX_LINES
    assert lines[3] == "    test_m.py::test_broken_00: AssertionError: 0"
    assert "    … and 35 more (-v, or --report json PATH, gives every one)" in lines
    assert f"    {NO_OPTION}    1 rule" in lines and "    --option-11    1 rule" in lines


def test_annotations_escape_what_would_end_a_workflow_command() -> None:
    rules = {"test_a.py::test_b": Rule(failed=1, reason="100% wrong: a, b\nc")}
    verdict = reports.Verdict(None, "documented", rules, 1, require_all=False)
    assert reports.annotations(verdict) == [
        "::error title=contract rule broken%3A test_a.py%3A%3Atest_b::100%25 wrong: a, b%0Ac"
    ]
