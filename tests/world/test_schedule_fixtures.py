"""schedules.json: every schedule and step must fit the connected systems and the history; start-up names the file,
the record and the field of the first that does not, and `mockserver check` exits 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.world.test_fixture_validation import check, edit, load_failure

NIGHTLY, HOURLY, DRAFT = 0, 1, 2

CASES = [
    (lambda d: d[NIGHTLY].pop("name"), ["schedules.json", "record 0", "field 'name'"]),
    (lambda d: d[HOURLY].update(triggerType="Often"), ["record 1", "field 'triggerType'"]),
    (lambda d: d[DRAFT].update(name="Nightly Synchronisation"), ["record 2", "duplicate name"]),
    (lambda d: d[DRAFT].update(lastUpdated="2026-01-01T00:00:00Z"), ["record 2", "field 'lastUpdated'", "before"]),
    (
        lambda d: d[NIGHTLY]["steps"][2].update(stepIndex=1),
        ["record 0", "field 'steps.stepIndex'", "one after another"],
    ),
    (
        lambda d: d[HOURLY]["steps"][0].update(runProfileId=1),
        ["record 1", "field 'steps.0.runProfileId'", "no run profile 1 of connected system 3"],
    ),
    (lambda d: d[HOURLY]["steps"][0].update(kind="x"), ["record 1", "field 'steps.0'", "kind"]),
    (
        lambda d: d[HOURLY]["executions"].append(dict(d[NIGHTLY]["executions"][0])),
        ["field 'executions.id'", "duplicate"],
    ),
    (
        lambda d: d[DRAFT].update(
            executions=[{"id": "0d3c4b5a-6e7f-4a8b-9c0d-1e2f3a4b5c6d", "queuedAt": "2026-04-04T00:00:00Z"}]
        ),
        ["record 2", "field 'executions.0'", "no steps never runs"],
    ),
    (
        lambda d: d[HOURLY]["executions"].append(
            {"id": "0d3c4b5a-6e7f-4a8b-9c0d-1e2f3a4b5c6d", "queuedAt": "2026-04-05T05:00:00Z"}
        ),
        ["record 1", "field 'executions.1'", "step 0 has no run"],
    ),
    (lambda d: d[HOURLY].update(cronExpression="61 * * * *"), ["record 1", "field 'cronExpression'", "minute: 61"]),
    (lambda d: d[NIGHTLY].update(cronExpression="0 1 * *"), ["record 0", "field 'cronExpression'", "five fields"]),
    (lambda d: d[NIGHTLY].update(cronExpression=None), ["record 0", "field 'cronExpression'"]),
]


@pytest.mark.parametrize(("change", "expected"), CASES)
def test_a_schedule_that_does_not_fit_is_refused_naming_its_field(
    fixtures: Path, change: Callable[[Any], None], expected: list[str]
) -> None:
    message = load_failure(fixtures, "schedules.json", change)
    for fragment in expected:
        assert fragment in message, message


def test_check_exits_2_naming_the_schedule(fixtures: Path) -> None:
    edit(fixtures / "schedules.json", lambda d: d[HOURLY]["steps"][1].update(connectedSystemId=1))
    result = check(fixtures)
    assert result.returncode == 2
    assert "schedules.json" in result.stderr and "field 'steps.1.runProfileId'" in result.stderr, result.stderr
