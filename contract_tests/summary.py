"""The suite's verdict per rule: which held, which broke and why, which went unverified and which option would verify
them; told at the end of the run, and written as the reports asked for (contract_tests/reports.py)."""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from contract_tests import reports
from contract_tests.target import NOT_A_RULE

SUITE = Path(__file__).resolve().parent
SKIPPED = "Skipped: "
"""How pytest begins a skip's reason in its report."""
OPTION = re.compile(r"\bpass (--[a-z][a-z0-9-]*)")
"""How a skip's reason names the option that would verify the check."""
NO_OPTION = "(no option)"
"""Where a skip names no option: no option verifies it against this server (its clock runs, the fault it needs is the
sandbox's in-process control, its run in progress had ended); -v says why."""
REASON_CHARACTERS = 160
MAX_LINES = 25
"""The default summary's length, whatever the run."""


@dataclass
class Rule:
    """One test function: a rule of the contract, however many cases it is parametrised or generated over."""

    passed: int = 0
    failed: int = 0
    unverified: dict[str, int] = field(default_factory=dict)
    """Skipped checks by reason: each reason names the option that would verify them."""
    not_a_rule: int = 0
    reason: str | None = None
    """Why it broke: the first failed check's message, one line."""

    @property
    def state(self) -> str:
        if self.failed:
            return "broken"
        if self.unverified:
            return "not verified"
        return "held" if self.passed else "not a rule"

    @property
    def options(self) -> list[str]:
        """What would verify its skipped checks: each option named, or NO_OPTION."""
        return sorted({option_of(reason) for reason in self.unverified})


def option_of(reason: str) -> str:
    found = OPTION.search(reason)
    return found[1] if found else NO_OPTION


def first_line(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr)
    line = next((line.strip() for line in text.splitlines() if line.strip()), "failed")
    return line if len(line) <= REASON_CHARACTERS else line[: REASON_CHARACTERS - 1] + "…"


class Summary:
    """Counts every check of the suite as it is reported; applies --require-all; tells and writes the verdict."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.rule_of: dict[str, str] = {}
        self.outcome: dict[str, tuple[str, str]] = {}
        """Each check's outcome (passed, failed or skipped) and why: a skip's reason, a failure's first line."""

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            if SUITE in Path(item.path).parents:
                # By module too: two modules may each hold a rule of the same name.
                self.rule_of[item.nodeid] = f"{Path(item.path).name}::{getattr(item, 'originalname', item.name)}"

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.nodeid not in self.rule_of or self.outcome.get(report.nodeid, ("",))[0] == "failed":
            return
        if report.failed:
            self.outcome[report.nodeid] = ("failed", first_line(report))
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
                rule.reason = rule.reason or reason
            elif reason.startswith(NOT_A_RULE):
                rule.not_a_rule += 1
            else:
                rule.unverified[reason] = rule.unverified.get(reason, 0) + 1
        return dict(sorted(rules.items()))

    def unverified(self) -> list[str]:
        return [name for name, rule in self.rules().items() if rule.state == "not verified"]

    def verdict(self, status: int) -> reports.Verdict:
        config = self.config
        profile, require_all = config.getoption("profile"), config.getoption("require_all")
        return reports.Verdict(config.getoption("base_url"), profile, self.rules(), status, require_all)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        config = self.config
        if config.getoption("require_all") and exitstatus == pytest.ExitCode.OK and self.unverified():
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        verdict = self.verdict(int(session.exitstatus))
        if not verdict.rules:
            return
        for kind, path in config.getoption("report") or []:
            reports.write(kind, Path(path), verdict)
        if config.getoption("step_summary"):
            reports.append_step_summary(Path(config.getoption("step_summary")), verdict)
            for annotation in reports.annotations(verdict):
                print(annotation, file=sys.stdout)
        if config.pluginmanager.get_plugin("terminalreporter") is None:
            # mockserver verify without -v: this summary is the whole of what the run says.
            print("\n".join(compact(verdict)), file=sys.stdout, flush=True)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter, exitstatus: int) -> None:
        rules = self.rules()
        if rules:
            terminalreporter.write_sep("=", "contract summary")
            terminalreporter.write_line(f"{self.verdict(exitstatus).heading}:")
            shown = None if self.config.getoption("verbose") > 0 else NAMES_SHOWN
            for line in report(rules, self.config.getoption("require_all"), shown):
                terminalreporter.write_line(line)


NAMES_SHOWN = 5
"""Rules named under each reason in a terminal run without -v; with -v, every rule."""


def report(rules: dict[str, Rule], require_all: bool, shown: int | None = NAMES_SHOWN) -> list[str]:
    """Every state's rules: the broken with their reasons, the rules not verified under each reason."""
    named: dict[str, list[str]] = defaultdict(list)
    for name, rule in rules.items():
        named[rule.state].append(name)
    held, broken, unverified = named["held"], named["broken"], named["not verified"]
    skipped = sum(sum(rules[name].unverified.values()) for name in unverified)
    held_too = sum(rules[name].passed for name in unverified)
    lines = [
        f"{label('held')}{counted(held)} ({plural(sum(rules[name].passed for name in held), 'check')} held)",
        f"{label('broken')}{counted(broken)} ({plural(sum(rules[name].failed for name in broken), 'check')} failed)",
        *(f"    {name}: {rules[name].reason}" for name in broken),
        f"{label('not verified')}{counted(unverified)} ({plural(skipped, 'check')} skipped"
        + (f", {held_too} held" if held_too else "")
        + ("), for want of:" if unverified else ")"),
    ]
    wanting: dict[str, list[str]] = defaultdict(list)
    for name in unverified:
        for reason in rules[name].unverified:
            wanting[reason].append(name)
    for reason, names in sorted(wanting.items(), key=lambda entry: (-len(entry[1]), entry[0])):
        lines += [f"    {reason}: {plural(len(names), 'rule')}", *(f"      {name}" for name in names[:shown])]
        if shown is not None and len(names) > shown:
            lines.append(f"      … and {len(names) - shown} more (-v lists every rule)")
    if named["not a rule"]:
        lines.append(f"  not this profile's rules: {', '.join(named['not a rule'])}")
    if require_all and unverified:
        lines.append(f"--require-all: {plural(len(unverified), 'rule')} not verified, so the run fails (exit 1)")
    return lines


def compact(verdict: reports.Verdict) -> list[str]:
    """At most MAX_LINES: how many held, each broken rule with its reason (as many as fit), and the rules not
    verified counted under the option that would verify them."""
    wanting = verdict.wanting()
    lines = [
        f"contract summary: {verdict.heading}",
        f"{label('held')}{counted(verdict.named('held'))}",
        f"{label('broken')}{counted(verdict.named('broken'))}",
    ]
    broken = verdict.named("broken")
    room = MAX_LINES - 6 - len(wanting)
    shown = broken if len(broken) <= room else broken[: room - 1]
    lines += [f"    {name}: {verdict.rules[name].reason}" for name in shown]
    if len(shown) < len(broken):
        lines.append(f"    … and {len(broken) - len(shown)} more (-v, or --report json PATH, gives every one)")
    unverified = verdict.named("not verified")
    lines.append(f"{label('not verified')}{counted(unverified)}" + (", for want of:" if unverified else ""))
    width = max((len(option) for option in wanting), default=0)
    lines += [f"    {option:<{width}} {counted(names)}" for option, names in wanting.items()]
    others = verdict.named("not a rule")
    lines.append(f"  not this profile's rules: {len(others)}")
    lines.append(f"verdict: {verdict.word()} (exit {verdict.status}); -v lists every rule and why")
    return lines


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def label(state: str) -> str:
    return f"  {state + ':':<14}"


def counted(rules: list[str]) -> str:
    return f"{plural(len(rules), 'rule'):>9}"
