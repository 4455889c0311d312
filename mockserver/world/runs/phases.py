"""The steps of a run profile execution, as JIM records them: its catalogue per run type and a run's timeline.

A fixture gives only how long each step a run entered took (`{"sync.prepare": 2, "sync.process": 38}`),
null for the step running now; the rest follows JIM's rules (JIM.Models/Activities/ActivityPhaseSet.cs):
steps follow one another from `executed`, a declared step passed over is Skipped, steps not yet reached
are Pending, and a run that fails closes the step it was in as Failed and skips the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mockserver.world.times import iso, number


@dataclass(frozen=True)
class Step:
    key: str
    name: str
    parent: str | None = None


IMPORT = (
    Step("import.connect", "Connecting to Connected System"),
    Step("import.fetch", "Importing objects"),
    Step("import.process", "Processing imported objects", parent="import.fetch"),
    Step("import.deletions", "Processing deletions"),
    Step("import.references", "Resolving references"),
    Step("import.save", "Saving changes"),
    Step("import.reconcile", "Reconciling Pending Exports"),
    Step("import.record", "Recording results"),
)
SYNCHRONISATION = (
    Step("sync.prepare", "Preparing"),
    Step("sync.process", "Processing Connected System Objects"),
    Step("sync.crosspagereferences", "Resolving cross-page references"),
    Step("sync.scopereview", "Reviewing export scope"),
)
EXPORT = (
    Step("export.prepare", "Preparing export"),
    Step("export.execute", "Exporting"),
    Step("export.deferred", "Exporting deferred changes"),
    Step("export.references", "Resolving change history references"),
    Step("export.containers", "Selecting new containers"),
    Step("export.passwords", "Delivering initial passwords"),
)
CATALOGUE: Mapping[str, tuple[Step, ...]] = {
    "FullImport": IMPORT,
    "DeltaImport": IMPORT,
    "FullSynchronisation": SYNCHRONISATION,
    "DeltaSynchronisation": SYNCHRONISATION,
    "Export": EXPORT,
}
"""JIM's RunProfilePhaseCatalogue, in run order (a nested step right after the step hosting it)."""
NOT_FOR = {"DeltaImport": {"import.deletions": "a Delta Import does no deletion detection"}}

RUNNING, COMPLETED, FAILED = "running", "completed", "failed"
"""How the run stands: still running, finished, or failed (or cancelled) part-way."""


class PhaseError(ValueError):
    """A phases fixture that does not fit the run; `key` names the step (None: the whole object)."""

    def __init__(self, key: str | None, problem: str) -> None:
        super().__init__(problem)
        self.key = key


def check(run_type: str, given: Mapping[str, float | None], running: bool) -> float:
    """Refuse a timeline that is not one JIM could record; the seconds the finished steps took (top level)."""
    steps = CATALOGUE[run_type]
    keys = [step.key for step in steps]
    for key in given:
        if key not in keys:
            raise PhaseError(key, f"not a step of a {run_type} run: use {', '.join(keys)}")
        if key in NOT_FOR.get(run_type, {}):
            raise PhaseError(key, NOT_FOR[run_type][key])
    if [key for key in keys if key in given] != list(given):
        raise PhaseError(None, f"steps out of run order: {', '.join(keys)}")
    top = [step.key for step in steps if step.parent is None and step.key in given]
    running_steps = [key for key, value in given.items() if value is None]
    if running and running_steps != top[-1:]:
        raise PhaseError(None, "a run in progress gives its last step as null: the step running now")
    if not running and running_steps:
        raise PhaseError(running_steps[0], "only a run in progress has a step without a duration")
    for step in steps:
        value = given.get(step.key)
        if step.parent is not None and step.key in given:
            host = given.get(step.parent, -1.0)
            if host is None or value is None or host < 0 or value > host:
                raise PhaseError(step.key, f"nested in {step.parent}: it needs that step, and lasts no longer")
    return sum(value for key, value in given.items() if key in top and value is not None)


@dataclass(frozen=True)
class Timeline:
    """One run's steps: which it entered and for how long, from when it started."""

    run_type: str
    given: Mapping[str, float | None]
    executed: datetime

    def rows(self, state: str, end: datetime | None = None) -> list[dict[str, Any]]:
        """The steps as JIM's ActivityPhaseDto, in run order. `end`: when the step running at the end closed."""
        steps = CATALOGUE[self.run_type]
        top = [step.key for step in steps if step.parent is None and step.key in self.given]
        closing = {RUNNING: "Active", FAILED: "Failed"}.get(state, "Completed")
        spans: dict[str, tuple[str, datetime | None, datetime | None]] = {}
        cursor: datetime | None = self.executed
        passed_running = False
        for step in steps:
            if step.parent is not None:
                spans[step.key] = self.nested(step, spans[step.parent])
            elif step.key not in self.given:
                pending = state == RUNNING and (passed_running or not top)
                spans[step.key] = ("Pending" if pending else "Skipped", None, None)
            else:
                value, started = self.given[step.key], cursor
                if value is None:
                    passed_running = True
                    cursor = end if state != RUNNING else None
                else:
                    cursor = started + timedelta(seconds=value) if started is not None else None
                status = closing if step.key == top[-1] else "Completed"
                spans[step.key] = (status, started, cursor)
        return [timed(step, order, *spans[step.key]) for order, step in enumerate(steps)]

    def nested(
        self, step: Step, host: tuple[str, datetime | None, datetime | None]
    ) -> tuple[str, datetime | None, datetime | None]:
        """A nested step closes with its host (JIM closes every running step on entering the next)."""
        value, (status, _, ended) = self.given.get(step.key), host
        if value is None:
            return ("Pending" if status in ("Pending", "Active") else "Skipped", None, None)
        return (status, ended - timedelta(seconds=value) if ended is not None else None, ended)


def blank(step: Step, order: int, status: str) -> dict[str, Any]:
    return timed(step, order, status, None, None)


def timed(step: Step, order: int, status: str, started: datetime | None, ended: datetime | None) -> dict[str, Any]:
    duration = (ended - started).total_seconds() if started is not None and ended is not None else None
    return {
        "key": step.key,
        "name": step.name,
        "parentKey": step.parent,
        "order": order,
        "status": status,
        "started": iso(started) if started is not None else None,
        "ended": iso(ended) if ended is not None else None,
        "durationSeconds": number(duration) if duration is not None else None,
    }


def current(rows: Sequence[Mapping[str, Any]]) -> tuple[Mapping[str, Any] | None, int | None, int]:
    """(the step running now, its position among the top-level steps, how many top-level steps), as JIM reads them.

    The most specific running step wins (a nested one over its host); its number is its host's position."""
    top = [row for row in rows if row["parentKey"] is None]
    active = [row for row in rows if row["status"] == "Active"]
    running = max(active, key=lambda row: (row["parentKey"] is not None, row["order"]), default=None)
    if running is None:
        return None, None, len(top)
    host = running["parentKey"] or running["key"]
    number_ = next((n for n, row in enumerate(top, start=1) if row["key"] == host), None)
    return running, number_, len(top)
