"""The verdict written for machines: a JSON record per rule, Markdown for a CI job's summary, GitHub annotations."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contract_tests.summary import Rule

FORMAT = "jim-contract-report/1"
"""The JSON report's format, named in it: a change that breaks a reader of the report changes the number."""
KINDS = ("json", "markdown")
VERDICTS = {"held": "held", "broken": "broken", "not verified": "not verified", "not a rule": "not this profile's"}
"""A rule's state as the reports name it."""
COUNTED = {"held": "held", "broken": "broken", "not verified": "notVerified", "not a rule": "notThisProfile"}


@dataclass(frozen=True)
class Verdict:
    target: str | None
    """The base URL verified, or None for the sandbox in-process."""
    profile: str
    rules: dict[str, Rule]
    status: int
    """The run's exit status: 0 held, 1 broken (or, with --require-all, unverified)."""
    require_all: bool

    @property
    def heading(self) -> str:
        return f"{self.target or 'the sandbox, in-process'}, held to the {self.profile} profile"

    def named(self, state: str) -> list[str]:
        return [name for name, rule in self.rules.items() if rule.state == state]

    def wanting(self) -> dict[str, list[str]]:
        """The rules not verified under each option that would verify them, the option wanted most first."""
        wanting: dict[str, list[str]] = defaultdict(list)
        for name in self.named("not verified"):
            for option in self.rules[name].options:
                wanting[option].append(name)
        return dict(sorted(wanting.items(), key=lambda entry: (-len(entry[1]), entry[0])))

    def word(self) -> str:
        if self.named("broken"):
            return "broken"
        if self.require_all and self.named("not verified"):
            return "not all verified (--require-all)"
        return "held" if self.named("held") else "nothing checked"

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "target": self.target,
            "profile": self.profile,
            "verdict": self.word(),
            "exitStatus": self.status,
            "counts": {COUNTED[state]: len(self.named(state)) for state in COUNTED},
            "rules": [
                {
                    "rule": name,
                    "verdict": VERDICTS[rule.state],
                    "checks": {
                        "held": rule.passed,
                        "failed": rule.failed,
                        "skipped": sum(rule.unverified.values()) + rule.not_a_rule,
                    },
                    "reason": rule.reason if rule.failed else "; ".join(rule.unverified) or None,
                    "verifiedBy": rule.options if rule.state == "not verified" else [],
                }
                for name, rule in self.rules.items()
            ],
        }


def cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(verdict: Verdict) -> str:
    broken, unverified = verdict.named("broken"), verdict.named("not verified")
    lines = [
        f"### JIM Activities contract: {verdict.word()}",
        "",
        f"{verdict.heading}: **{len(verdict.named('held'))} held**, **{len(broken)} broken**,"
        f" **{len(unverified)} not verified** (exit status {verdict.status})",
    ]
    if broken:
        lines += ["", "| broken rule | why |", "|---|---|"]
        lines += [f"| `{name}` | {cell(verdict.rules[name].reason or '')} |" for name in broken]
    if unverified:
        lines += ["", "| not verified for want of | rules |", "|---|---|"]
        lines += [f"| `{option}` | {len(names)} |" for option, names in verdict.wanting().items()]
    return "\n".join(lines) + "\n"


def write(kind: str, path: Path, verdict: Verdict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "json":
        path.write_text(json.dumps(verdict.as_json(), indent=2) + "\n", encoding="utf-8")
    else:
        path.write_text(as_markdown(verdict), encoding="utf-8")


def append_step_summary(path: Path, verdict: Verdict) -> None:
    """GitHub Actions shows what a step appends to $GITHUB_STEP_SUMMARY on the run's page."""
    with path.open("a", encoding="utf-8") as summary:
        summary.write(as_markdown(verdict) + "\n")


def escaped(text: str, in_property: bool = False) -> str:
    """A workflow command's data (or property) escaped as GitHub Actions' toolkit does."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if in_property else text


def annotations(verdict: Verdict) -> list[str]:
    """One `::error` workflow command per broken rule: GitHub shows each on the run's page."""
    return [
        f"::error title={escaped('contract rule broken: ' + name, in_property=True)}::"
        + escaped(verdict.rules[name].reason or "failed")
        for name in verdict.named("broken")
    ]
