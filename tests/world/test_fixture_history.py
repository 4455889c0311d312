"""A run's steps, a schedule's attribution and a live run must fit the one history: start-up names what does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.world.test_fixture_validation import load_failure

# Records of activities.json the cases below edit, by what they are.
SEED, EMPTY_SYNC, LARGE_IMPORT, SCHEMA_IMPORT = 0, 2, 3, 1
FAILED_EXPORT, UNRUN_STEP, CANCELLED, RUNNING_STEP = 14, 11, 15, 20
NIGHTLY_EXECUTION = "1ad1c0f1-b19e-4690-bfbb-de3fb1dc3809"
"""The Nightly Synchronisation's run of 3 April (schedules.json): four steps, run profiles 7, 9, 13 and 5."""


def live(record: dict[str, Any], **changes: Any) -> None:
    record["live"] = {**record["live"], **changes}


STEPS = [
    (lambda d: d[SEED]["phases"].update(teleport=1), ["record 0", "field 'phases.teleport'", "not a step"]),
    (
        lambda d: d[SEED].update(phases={"import.save": 18, "import.connect": 72}),
        ["field 'phases'", "out of run order"],
    ),
    (
        lambda d: d[SEED].update(phases={"import.connect": 2, "import.deletions": 88}),
        ["field 'phases.import.deletions'", "Delta Import does no deletion detection"],
    ),
    (lambda d: d[SEED]["phases"].update({"import.save": 19}), ["field 'phases'", "91 s in all", "90 s"]),
    (
        lambda d: d[SEED]["phases"].update({"import.process": 62}),
        ["field 'phases.import.process'", "nested in import.fetch"],
    ),
    (lambda d: d[SEED]["phases"].update({"import.record": None}), ["field 'phases.import.record'", "in progress"]),
    (
        lambda d: d[RUNNING_STEP]["phases"].update({"sync.process": 30}),
        ["record 20", "field 'phases'", "null: the step running now"],
    ),
    (lambda d: d[SCHEMA_IMPORT].update(phases={}), ["record 1", "field 'phases'", "only a Run Profile"]),
    (
        lambda d: d[CANCELLED].update(phases={"import.connect": 0}),
        ["record 15", "field 'phases'", "never started"],
    ),
]
"""A run's steps fit its run type and its time."""
SCHEDULES = [
    (
        lambda d: d[SCHEMA_IMPORT].update(schedule={"executionId": NIGHTLY_EXECUTION, "step": 0}),
        ["record 1", "field 'schedule'", "only Run Profile activities"],
    ),
    (
        lambda d: d[SEED].update(schedule={"executionId": "ffffffff-ffff-ffff-ffff-ffffffffffff", "step": 0}),
        ["record 0", "field 'schedule.executionId'", "no execution"],
    ),
    (
        lambda d: d[SEED].update(schedule={"executionId": NIGHTLY_EXECUTION, "step": 9}),
        ["record 0", "field 'schedule.step'", "has 4 steps"],
    ),
    (
        lambda d: d[SEED].update(schedule={"executionId": NIGHTLY_EXECUTION, "step": 0}),
        ["record 0", "field 'schedule.step'", "runs run profile 7"],
    ),
    (
        lambda d: d[UNRUN_STEP].pop("schedule"),
        ["schedules.json", "field 'executions.1'", "step 3 has no run"],
    ),
]
"""A scheduled run names an execution of schedules.json, as the step that execution's schedule runs there;
every step of an execution has its run."""
LIVE = [
    (
        lambda d: d[SCHEMA_IMPORT].update(live=d[RUNNING_STEP]["live"]),
        ["record 1", "field 'live'", "only an activity in progress moves"],
    ),
    (
        lambda d: d[RUNNING_STEP]["live"].pop("itemsAsOf"),
        ["record 20", "field 'live.itemsAsOf'", "say how many of them"],
    ),
    (lambda d: live(d[RUNNING_STEP], itemsAsOf=40), ["record 20", "field 'live.itemsAsOf'", "at most all"]),
    (lambda d: live(d[RUNNING_STEP], itemsAsOf=0), ["record 20", "28 items to come but only 23 objects"]),
    (
        lambda d: live(d[RUNNING_STEP], progressMessage="Busy: {processed}"),
        ["record 20", "field 'message'", "progressMessage"],
    ),
    (
        lambda d: live(d[RUNNING_STEP], asOf="2026-04-05T07:00:10Z"),
        ["record 20", "field 'live.asOf'", "before the activity started"],
    ),
    (
        lambda d: live(d[RUNNING_STEP], asOf="2026-04-05T07:00:25Z"),
        ["record 20", "field 'phases'", "after live.asOf"],
    ),
    (
        lambda d: live(d[RUNNING_STEP], status="CompleteWithError"),
        ["record 20", "field 'status'", "no item has an error"],
    ),
]
"""A live run can go from where it stands to its end, and what is above it moves too."""


@pytest.mark.parametrize(("change", "expected"), [*STEPS, *SCHEDULES, *LIVE])
def test_a_record_that_does_not_fit_the_history_is_refused_naming_its_field(
    fixtures: Path, change: Callable[[Any], None], expected: list[str]
) -> None:
    message = load_failure(fixtures, "activities.json", change)
    for fragment in expected:
        assert fragment in message, message
