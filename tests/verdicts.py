"""What a contract-suite run against one mutant came to, read from its JUnit report, and the table of them all."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "reports" / "mutants.txt"
CATCHERS = Path(__file__).resolve().parent / "mutant_catchers.json"
"""The record: mutant -> the contract tests that caught it last time it was recorded (`make teeth RECORD=1`)."""
GROUPED = re.compile(r"^E?[\s|]*\|\s*([\w.]*(?:Error|Exception|Failure|Group))(?::|$)", re.MULTILINE)
"""The exception lines of a rendered group: `  | AssertionError: expected 200, got 500`."""
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
    how: str = "whole suite"
    """Which run decided: the recorded catchers, the rest of the suite after them, or the whole suite."""
    notes: list[str] = field(default_factory=list)
    """Anything the record got wrong (stale, missing) or a deadline that killed the run."""

    @property
    def caught(self) -> bool:
        """Failed on checks: assertions or Schemathesis check failures, and no crash anywhere."""
        checks = any(kind.startswith("AssertionError") or "Failure" in kind for kind in self.kinds)
        return self.exit_code == pytest.ExitCode.TESTS_FAILED and checks and not self.errors

    def read_junit(self, junit: Path) -> None:
        """Add the failures and errors of one run's JUnit report (a run killed at its deadline has none)."""
        if not junit.exists():
            return
        for case in ET.parse(junit).getroot().iter("testcase"):
            for failure in case.findall("failure"):
                self.failed.append(node_id(case))
                self.kinds[kind_of(failure.get("message") or "?", failure.text or "")] += 1
            for error in case.findall("error"):
                if "AssertionError" in (error.get("message") or "") + (error.text or ""):
                    # A check that lives in a fixture (a shared walk of every page, say) fails at setup:
                    # still a check failing, not a crash.
                    self.failed.append(node_id(case))
                    self.kinds["AssertionError (in a fixture)"] += 1
                else:
                    self.errors.append(node_id(case))

    def rows(self) -> list[tuple[str, str, str]]:
        """(mutant, failing test, how) lines of the report: the failing tests, one a line, then any notes."""
        if self.caught:
            shown = [clip(short(test)) for test in self.failed[:SHOWN]]
            if len(self.failed) > SHOWN:
                shown.append(f"… and {len(self.failed) - SHOWN} more")
        else:
            shown = [f"NOT CAUGHT: exit {self.exit_code}, {len(self.errors)} errors, {len(self.failed)} failures"]
        lines = [*shown, *(f"  ({note})" for note in self.notes)]
        return [(self.mutant, lines[0], self.how), *(("", line, "") for line in lines[1:])]

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "kinds": dict(self.kinds)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Verdict:
        return cls(**{**data, "kinds": Counter(data["kinds"])})


def kind_of(message: str, text: str) -> str:
    """What failed, from a JUnit failure's message and traceback: its exception's name, or what stands for one."""
    first = message.split("\n", 1)[0]
    if first.startswith("ExceptionGroup"):
        # Hypothesis raises a group when it finds several distinct failures: checks only if every one is an assertion.
        inner = [name for name in GROUPED.findall(text) if not name.endswith("Group")]
        if inner and set(inner) == {"AssertionError"}:
            return "AssertionError (in an ExceptionGroup)"
    if first.startswith("assert "):
        # pytest's rendering of a bare `assert` that failed: the exception's name is left out.
        return "AssertionError"
    if check := re.match(r"(\w+)\(operation=", first):
        # A Schemathesis check reports the failure's repr, JsonSchemaError(operation='GET …', …).
        return f"{check[1]} (a Schemathesis check Failure)"
    return first.split(":", 1)[0][:40]


def node_id(case: ET.Element) -> str:
    """JUnit's classname contract_tests.test_paging and name test_x[1] -> contract_tests/test_paging.py::test_x[1]."""
    parts = case.get("classname", "").split(".")
    module = next((i for i, part in enumerate(parts) if part.startswith("test_")), len(parts) - 1)
    return "::".join(["/".join(parts[: module + 1]) + ".py", *parts[module + 1 :], case.get("name", "?")])


def short(test: str) -> str:
    return test.removeprefix("contract_tests/")


def clip(text: str) -> str:
    return text if len(text) <= ID_WIDTH else text[: ID_WIDTH - 1] + "…"


def report(verdicts: list[Verdict], wall: float, footnotes: list[str]) -> str:
    rows = [("mutant", "caught by", "decided by")]
    for verdict in verdicts:
        rows += verdict.rows()
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    lines = [f"{m:<{widths[0]}}  {t:<{widths[1]}}  {h}".rstrip() for m, t, h in rows]
    lines.insert(1, "-" * max(len(line) for line in lines))
    busy = sum(v.seconds for v in verdicts)
    missed = [v.mutant for v in verdicts if not v.caught]
    lines += [
        "",
        f"{len(verdicts)} mutants, {len(verdicts) - len(missed)} caught"
        + (f"; NOT CAUGHT: {', '.join(missed)}" if missed else ""),
        f"contract suite runs: {busy:.0f}s in all, {wall:.0f}s wall clock (-x, recorded catchers first)",
        *footnotes,
    ]
    return "\n".join(lines) + "\n"


def load_record(path: Path) -> dict[str, list[str]]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def save_record(path: Path, record: dict[str, list[str]]) -> None:
    path.write_text(json.dumps(dict(sorted(record.items())), indent=2) + "\n", encoding="utf-8")
