"""Runs the contract suite against each mutant in a child forked from one warm, single-threaded process.

`python -m tests.teeth [MUTANT …] [--record]`: the parent collects the contract suite once (which
imports pytest, Hypothesis, Schemathesis, Connexion, mockserver, the contract tests and
tests.mutants), then forks one child per mutant, at most one per CPU at a time. A child runs the
mutant's recorded catchers (tests/mutant_catchers.json) with -x; only if they pass does a second
child run the rest of the suite with -x. `--record` runs the whole suite for each and rewrites
the record with the tests that failed first, once they have caught the mutant again run alone.
Results go to --out as results.json, the table to reports/mutants.txt.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import os
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

from tests import verdicts
from tests.forking import DEADLINE, MUTANT_ENV, SUITE, Runner
from tests.verdicts import ROOT


class Collected:
    """A plugin for the warm-up run: remembers the node ids the suite collects, and which are property tests."""

    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.properties: set[str] = set()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        from hypothesis import is_hypothesis_test

        self.ids = {item.nodeid for item in session.items}
        self.properties = {item.nodeid for item in session.items if is_hypothesis_test(getattr(item, "obj", None))}


def warm_up(profiles: set[str]) -> tuple[set[str], set[str]]:
    """Collect the suite in each profile, importing what every child needs; the node ids, and the property tests'."""
    ids: set[str] = set()
    properties: set[str] = set()
    for profile in sorted(profiles):
        collected = Collected()
        listing = io.StringIO()
        with contextlib.redirect_stdout(listing), warnings.catch_warnings():
            # pyproject.toml ignores this one, but pytest applies that only after importing `-p tests.mutants`.
            warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient` is deprecated")
            code = pytest.main(["contract_tests", *SUITE, "--collect-only", "--profile", profile], plugins=[collected])
        if code != pytest.ExitCode.OK:
            sys.exit(f"{listing.getvalue()}\ncollecting the contract suite (--profile {profile}) failed: exit {code}")
        ids |= collected.ids
        properties |= collected.properties
    from contract_tests.expect import PROFILES

    for profile in profiles:
        # The profile's spec is the server-independent half of what a child builds; no mutant touches it.
        PROFILES[profile].spec  # noqa: B018
    return ids, properties


def single_threaded() -> None:
    """Forking a process with other threads copies their locks, held or not: refuse rather than risk a hang."""
    tasks = os.listdir("/proc/self/task") if os.path.isdir("/proc/self/task") else ["?"]
    if threading.active_count() > 1 or len(tasks) > 1:
        sys.exit(f"the warm-up started threads, so forking is unsafe: {threading.enumerate()}, tasks {tasks}")


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.teeth", description=__doc__)
    parser.add_argument("mutants", nargs="*", help="the mutants to run (default: all of tests/mutants.py)")
    parser.add_argument("--record", action="store_true", help="ignore the record, run the whole suite, rewrite it")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="children at once (default: CPUs)")
    parser.add_argument("--deadline", type=float, default=DEADLINE, help="seconds a mutant may take in all")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "teeth", help="logs, JUnit, results.json")
    parser.add_argument("--report", type=Path, default=verdicts.REPORT, help="where the table goes")
    parser.add_argument("--catchers", type=Path, default=verdicts.CATCHERS, help="the record of each mutant's catchers")
    return parser.parse_args()


def main() -> None:
    args = arguments()
    started = time.perf_counter()
    # The parent's own pytest runs and every child must see the in-process app, unmutated until a child says.
    for name in [k for k in os.environ if k.startswith("CONTRACT_") or k in ("PYTEST_ADDOPTS", MUTANT_ENV)]:
        del os.environ[name]
    os.chdir(ROOT)
    collected = warm_up({"documented", "jim"})
    from tests import mutants  # only now: see MUTANT_ENV

    unknown = [m for m in args.mutants if m not in mutants.MUTANTS]
    if unknown:
        sys.exit(f"not mutants: {', '.join(unknown)}; valid names: {', '.join(mutants.MUTANTS)}")
    chosen = list(dict.fromkeys(args.mutants)) or list(mutants.MUTANTS)
    args.out.mkdir(parents=True, exist_ok=True)
    record = verdicts.load_record(args.catchers)
    runner = Runner(args.out, max(1, args.jobs), args.deadline, collected)
    if not args.record:
        runner.use(record)
    for mutant in chosen:
        runner.plan(mutant, mutants.profile_of(mutant))
    single_threaded()
    # Objects alive now are shared with every child: frozen, the collector never touches (and copies) them.
    gc.collect()
    gc.freeze()
    runner.run()

    done = [runner.verdicts[m] for m in chosen]
    footnotes = []
    gone = sorted(set(record) - set(mutants.MUTANTS))
    if args.record:
        kept = {m: tests for m, tests in record.items() if m in mutants.MUTANTS and m not in chosen}
        record = kept | runner.confirmed
        verdicts.save_record(args.catchers, record)
        footnotes.append(f"recorded the catchers of {len(runner.confirmed)} mutants in {args.catchers.name}")
    elif gone:
        footnotes.append(f"the record names mutants that are gone: {', '.join(gone)} (make teeth RECORD=1 prunes them)")
    if any(note.startswith(("record stale", "no recorded")) for v in done for note in v.notes):
        footnotes.append("the record is stale: `make teeth RECORD=1` refreshes it")
    text = verdicts.report(done, time.perf_counter() - started, footnotes)
    (args.out / "results.json").write_text(json.dumps([v.to_json() for v in done], indent=1), encoding="utf-8")
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(text, encoding="utf-8")
    print(text, end="")


if __name__ == "__main__":
    main()
