"""Runs the contract suite against mutants, each run in a child forked from this process, to a deadline."""

from __future__ import annotations

import os
import signal
import sys
import time
import traceback
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

from tests import verdicts
from tests.verdicts import Verdict

SUITE = ["-p", "tests.mutants", "-p", "no:cacheprovider", "-q"]
DEADLINE = 300
"""Seconds a mutant's runs may take in all before its child is killed: the whole suite takes under 20 alone."""
MUTANT_ENV = "TEETH_MUTANT"
"""tests.mutants.ENV, spelled out: importing tests.mutants before pytest has marked it for assertion rewriting
makes every later `-p tests.mutants` warn that it cannot be rewritten, and the warnings filter makes that an error."""


@dataclass
class Job:
    mutant: str
    profile: str
    phase: str
    """catchers (the recorded ones), rest (the suite without them), suite (all of it), or, recording, examples
    (the suite less its property tests, then all of it if that passes) and alone (the tests that failed first,
    run by themselves)."""
    args: list[str]
    out: Path
    deadline: float = 0.0
    started: float = 0.0
    pid: int = 0
    killed: bool = False

    @property
    def name(self) -> str:
        return f"{self.mutant}.{self.phase}"


def child(job: Job) -> NoReturn:
    code: int = pytest.ExitCode.INTERNAL_ERROR
    try:
        log = os.open(job.out / f"{job.name}.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.environ[MUTANT_ENV] = job.mutant
        from hypothesis import settings
        from hypothesis.configuration import set_hypothesis_home_dir

        # Failing examples a mutant provokes must not land in the project's Hypothesis database; the
        # variable alone would do only if nothing in the parent had asked Hypothesis for its directory.
        home = job.out / f"{job.name}.hypothesis"
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = str(home)
        set_hypothesis_home_dir(home)
        # The profile the suite loaded, derandomised, so that a verdict does not rest on a lucky draw. (Not every
        # property test repeats a catch even so: a record avoids them, see Runner.properties.)
        profile = settings.get_current_profile_name()
        settings.register_profile("teeth", parent=settings.get_profile(profile), derandomize=True)
        settings.load_profile("teeth")
        junit = f"--junitxml={job.out / f'{job.name}.xml'}"
        code = pytest.main([*job.args, *SUITE, "--profile", job.profile, "-x", junit])
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(code))


def start(job: Job, deadline: float) -> Job:
    job.started, job.deadline = time.perf_counter(), deadline
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        child(job)
    job.pid = pid
    return job


def collectable(test: str, ids: set[str]) -> str | None:
    """The node id to run again for a failing JUnit case: itself, or the test a Schemathesis operation is part of."""
    if test in ids:
        return test
    base = test.split("[", 1)[0]
    return base if base in ids else None


def tail(job: Job) -> str:
    log = job.out / f"{job.name}.log"
    return log.read_text(encoding="utf-8", errors="replace")[-4000:] if log.exists() else ""


class Runner:
    """Keeps at most `jobs` children running; a mutant's catchers that no longer catch it queue the rest."""

    def __init__(self, out: Path, jobs: int, deadline: float, collected: tuple[set[str], set[str]]) -> None:
        self.out, self.jobs, self.deadline = out, jobs, deadline
        # Every test's node id, and the property tests': a record avoids those, whose examples vary with load and code.
        self.ids, self.properties = collected
        self.recording = True
        self.record: dict[str, list[str]] = {}
        self.confirmed: dict[str, list[str]] = {}
        self.queue: deque[Job] = deque()
        self.running: dict[int, Job] = {}
        self.verdicts: dict[str, Verdict] = {}
        self.first_started: dict[str, float] = {}

    def use(self, record: dict[str, list[str]]) -> None:
        """Run each mutant's recorded catchers first; without a record, each runs the suite and a new one is made."""
        self.recording, self.record = False, record

    def plan(self, mutant: str, profile: str) -> None:
        recorded = self.record.get(mutant, [])
        known = [test for test in recorded if test in self.ids]
        missing = [verdicts.short(test) for test in recorded if test not in self.ids]
        notes = [f"record stale: {', '.join(missing)} no longer collected"] if missing else []
        if not self.recording and mutant not in self.record:
            notes.append("no recorded catchers")
        elif not self.recording and not recorded:
            notes.append("recorded: no test catches it alone")
        phase, args = ("catchers", known) if known else ("suite", ["contract_tests"])
        if self.recording:
            phase, args = (
                "examples",
                ["contract_tests", *(arg for test in self.properties for arg in ("--deselect", test))],
            )
        self.verdicts[mutant] = Verdict(mutant, 0, 0.0, "", how="", notes=notes)
        job = Job(mutant, profile, phase, args, self.out)
        # Whole-suite runs are the long ones: start them first.
        self.queue.appendleft(job) if phase != "catchers" else self.queue.append(job)

    def run(self) -> None:
        try:
            while self.queue or self.running:
                while self.queue and len(self.running) < self.jobs:
                    job = self.queue.popleft()
                    # A mutant's deadline runs from its first start, whichever of its runs is going.
                    first = self.first_started.setdefault(job.mutant, time.perf_counter())
                    self.running[start(job, first + self.deadline).pid] = job
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    self.kill_overdue()
                    time.sleep(0.05)
                    continue
                self.finished(self.running.pop(pid), os.waitstatus_to_exitcode(status))
        finally:
            for job in self.running.values():
                os.kill(job.pid, signal.SIGKILL)

    def kill_overdue(self) -> None:
        for job in self.running.values():
            if not job.killed and time.perf_counter() > job.deadline:
                os.kill(job.pid, signal.SIGKILL)
                job.killed = True

    def finished(self, job: Job, code: int) -> None:
        verdict = self.verdicts[job.mutant]
        verdict.seconds += time.perf_counter() - job.started
        if job.phase == "catchers" and code == pytest.ExitCode.OK:
            verdict.notes.append(f"record stale: {', '.join(map(verdicts.short, job.args))} passed")
            deselect = [arg for test in job.args for arg in ("--deselect", test)]
            self.queue.appendleft(Job(job.mutant, job.profile, "rest", ["contract_tests", *deselect], self.out))
            return
        if job.phase == "examples" and code == pytest.ExitCode.OK:
            self.queue.appendleft(Job(job.mutant, job.profile, "suite", ["contract_tests"], self.out))
            return
        if job.phase == "alone":
            alone = Verdict(job.mutant, code, 0.0, "")
            alone.read_junit(job.out / f"{job.name}.xml")
            if alone.caught:
                self.confirmed[job.mutant] = job.args
            else:
                # Recorded as none, so that the next run goes straight to the whole suite without calling it stale.
                self.confirmed[job.mutant] = []
                verdict.notes.append(f"{', '.join(map(verdicts.short, job.args))} does not catch it run alone")
            return
        verdict.exit_code = code
        how = {"catchers": "recorded catchers", "rest": "the rest (record stale)", "examples": "all but properties"}
        verdict.how = how.get(job.phase, "whole suite")
        verdict.output = tail(job)
        verdict.read_junit(job.out / f"{job.name}.xml")
        if job.killed:
            verdict.notes.append(f"killed at its {self.deadline:g}s deadline")
            verdict.output += f"\n[killed at its {self.deadline:g}s deadline]"
        elif self.recording and verdict.caught:
            # Recorded only if it catches the mutant run alone, as it will be run next time.
            catchers = list(dict.fromkeys(filter(None, (collectable(test, self.ids) for test in verdict.failed))))
            if catchers:
                self.queue.appendleft(Job(job.mutant, job.profile, "alone", catchers, self.out))
