"""The suite's closing summary: which rules held, which broke, which went unverified and what would verify them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from contract_tests.target import NOT_A_RULE

SUITE = Path(__file__).resolve().parent
SKIPPED = "Skipped: "
"""How pytest begins a skip's reason in its report."""
NAMES_SHOWN = 5
"""Rules named under each reason wanting an option; -rs lists every skipped check."""


@dataclass
class Rule:
    """One test function: a rule of the contract, however many cases it is parametrised or generated over."""

    passed: int = 0
    failed: int = 0
    unverified: dict[str, int] = field(default_factory=dict)
    """Skipped checks by reason: each reason names the option that would verify them."""
    not_a_rule: int = 0

    @property
    def state(self) -> str:
        if self.failed:
            return "broken"
        if self.unverified:
            return "not verified"
        return "verified" if self.passed else "not a rule"


class Summary:
    """Counts every check of the suite as it is reported; prints per rule at the end; applies --require-all."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.rule_of: dict[str, str] = {}
        self.outcome: dict[str, tuple[str, str]] = {}
        """Each check's outcome (passed, failed or skipped) and, when skipped, why."""

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            if SUITE in Path(item.path).parents:
                # By module too: two modules may each hold a rule of the same name.
                self.rule_of[item.nodeid] = f"{Path(item.path).name}::{getattr(item, 'originalname', item.name)}"

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.nodeid not in self.rule_of or self.outcome.get(report.nodeid, ("",))[0] == "failed":
            return
        if report.failed:
            self.outcome[report.nodeid] = ("failed", "")
        elif report.skipped and isinstance(report.longrepr, tuple):
            self.outcome[report.nodeid] = ("skipped", str(report.longrepr[2]).removeprefix(SKIPPED))
        elif report.when == "call" and report.passed:
            self.outcome[report.nodeid] = ("passed", "")

    def rules(self) -> dict[str, Rule]:
        rules: dict[str, Rule] = defaultdict(Rule)
        for nodeid, (outcome, reason) in self.outcome.items():
            rule = rules[self.rule_of[nodeid]]
            if outcome == "passed":
                rule.passed += 1
            elif outcome == "failed":
                rule.failed += 1
            elif reason.startswith(NOT_A_RULE):
                rule.not_a_rule += 1
            else:
                rule.unverified[reason] = rule.unverified.get(reason, 0) + 1
        return dict(rules)

    def unverified(self) -> list[str]:
        return [name for name, rule in self.rules().items() if rule.state == "not verified"]

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.config.getoption("require_all") and exitstatus == pytest.ExitCode.OK and self.unverified():
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        rules = self.rules()
        if rules:
            terminalreporter.write_sep("=", "contract summary")
            target = self.config.getoption("base_url") or "the sandbox, in-process"
            heading = f"{target}, held to the {self.config.getoption('profile')} profile:"
            for line in [heading, *report(rules, self.config.getoption("require_all"))]:
                terminalreporter.write_line(line)


def report(rules: dict[str, Rule], require_all: bool) -> list[str]:
    """The summary's lines: rules by state, and the rules not verified under each reason (the option it names)."""
    named: dict[str, list[str]] = defaultdict(list)
    for name, rule in sorted(rules.items()):
        named[rule.state].append(name)
    verified, broken, unverified = named["verified"], named["broken"], named["not verified"]
    skipped = sum(sum(rules[name].unverified.values()) for name in unverified)
    held_too = sum(rules[name].passed for name in unverified)
    lines = [
        f"  verified:     {counted(verified)} ({plural(sum(rules[name].passed for name in verified), 'check')} held)",
        f"  broken:       {counted(broken)} ({plural(sum(rules[name].failed for name in broken), 'check')} failed)",
        f"  not verified: {counted(unverified)} ({plural(skipped, 'check')} skipped"
        + (f", {held_too} held" if held_too else "")
        + ("), for want of:" if unverified else ")"),
    ]
    wanting: dict[str, list[str]] = defaultdict(list)
    for name in unverified:
        for reason in rules[name].unverified:
            wanting[reason].append(name)
    for reason, names in sorted(wanting.items(), key=lambda entry: (-len(entry[1]), entry[0])):
        lines += [f"    {reason}: {plural(len(names), 'rule')}", *(f"      {name}" for name in names[:NAMES_SHOWN])]
        if len(names) > NAMES_SHOWN:
            lines.append(f"      … and {len(names) - NAMES_SHOWN} more (-rs lists every skipped check)")
    if named["not a rule"]:
        lines.append(f"  not this profile's rules: {', '.join(named['not a rule'])}")
    if require_all and unverified:
        lines.append(f"--require-all: {plural(len(unverified), 'rule')} not verified, so the run fails (exit 1)")
    return lines


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def counted(rules: list[str]) -> str:
    return f"{plural(len(rules), 'rule'):>9}"
