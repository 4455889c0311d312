"""How a run a client starts goes, from its run profile's fixture (`run` in connected-systems.json), and where it
stands at any second of its life.

A plan is what cannot be computed: how long the run takes, how many objects it touches, how many of them change
(its items), and how it ends. Everything else is a function of the plan and the seconds since the run started:
objects processed and items recorded grow in step with the time gone, the run's steps follow one another in fixed
shares of its time, and a run that fails stops part-way (FAIL_AT of its time), closing the step it was in as Failed
and skipping the rest, as JIM's ActivityPhaseSet.Finish(failed: true) does (src/JIM.Models/Activities/
ActivityPhaseSet.cs). A cancelled run is closed the same way, at the second it was cancelled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.world.runs.phases import CATALOGUE, NOT_FOR

ENDINGS = ("Complete", "CompleteWithWarning", "CompleteWithError", "FailedWithError")
DEFAULT_SECONDS = 30.0
DEFAULT_OBJECTS = 400
FAIL_AT = 0.6
"""A failing run stops after this share of its time."""
ERROR_EVERY = 100
"""A run that ends with errors carries an error type on one item in a hundred (world/items/generator.py), so it
changes at least this many objects; the items of any other ending carry none."""
WITH_ERRORS = ("CompleteWithError", "FailedWithError")
DEFAULT_MESSAGES = {
    "CompleteWithWarning": "The run completed with a warning (the run profile's fixture says so).",
    "FailedWithError": "The run failed part-way (the run profile's fixture says so).",
}


@dataclass(frozen=True)
class RunPlan:
    seconds: float = DEFAULT_SECONDS
    objects: int = DEFAULT_OBJECTS
    changes: int = DEFAULT_OBJECTS // 4
    ending: str = "Complete"
    message: str | None = None
    """The warning (CompleteWithWarning) or the error (FailedWithError) the run ends with."""

    @property
    def stops(self) -> float:
        """Seconds after its start that the run ends (a failing one part-way)."""
        return self.seconds * FAIL_AT if self.ending == "FailedWithError" else self.seconds


def read_plan(given: Mapping[str, Any] | None) -> tuple[RunPlan, str | None, str | None]:
    """(the plan, the field at fault, the problem): the fixture's `run`, defaults filled in, checked."""
    given = given or {}
    objects = given.get("objects", DEFAULT_OBJECTS)
    ending = given.get("ending", "Complete")
    plan = RunPlan(
        seconds=float(given.get("seconds", DEFAULT_SECONDS)),
        objects=objects,
        changes=given.get("changes", objects // 4),
        ending=ending,
        message=given.get("message", DEFAULT_MESSAGES.get(ending)),
    )
    if plan.changes > plan.objects:
        return plan, "changes", "more objects changed than the run touches (objects)"
    if ending == "CompleteWithError" and plan.changes < ERROR_EVERY:
        return plan, "changes", f"a run that ends CompleteWithError changes at least {ERROR_EVERY} objects"
    if "message" in given and ending not in DEFAULT_MESSAGES:
        return plan, "message", "only a run ending CompleteWithWarning or FailedWithError has a message"
    return plan, None, None


def steps_of(run_type: str) -> tuple[str, ...]:
    """The top-level steps a started run goes through, in order."""
    skipped = NOT_FOR.get(run_type, {})
    return tuple(s.key for s in CATALOGUE[run_type] if s.parent is None and s.key not in skipped)


def shares(run_type: str, seconds: float) -> list[tuple[str, float]]:
    """Each step and how long it takes: the second step (the work) six shares, every other one share."""
    keys = steps_of(run_type)
    weights = [6 if n == 1 else 1 for n in range(len(keys))]
    return [(key, seconds * w / sum(weights)) for key, w in zip(keys, weights, strict=True)]


def given_steps(run_type: str, seconds: float, at: float, finished: bool) -> dict[str, float | None]:
    """The steps entered by `at` seconds, each with its duration; the step running at `at` as None unless the
    run has `finished` (then every step it entered is closed, the last at `at`)."""
    given: dict[str, float | None] = {}
    cursor = 0.0
    for key, took in shares(run_type, seconds):
        if not finished and cursor + took > at:
            given[key] = None
            return given
        if finished and cursor + took >= at - 1e-9 and at < seconds - 1e-9:
            given[key] = None  # the step it stopped in, closed at `at`
            return given
        given[key] = took
        cursor += took
    return given


def done(count: int, at: float, seconds: float) -> int:
    """How many of `count` are done `at` seconds into a run of `seconds` (all of them at its end)."""
    return count if at >= seconds else math.floor(count * at / seconds)
