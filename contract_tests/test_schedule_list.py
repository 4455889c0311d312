"""The schedule list's `search`, `sortBy` and `sortDescending` (SchedulesController.GetAllAsync), in both profiles,
and schedules firing by the clock as JIM's scheduler fires them.

The order's oracle is written from the spec's description of `sortBy`: keys in any case, aliases, `created` for
anything else; nulls last ascending and first descending; ties in `created` order, then `id`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contract_tests.target import Target

SCHEDULES_URL = "/api/v1/schedules"
EXECUTIONS_URL = "/api/v1/schedule-executions"
KEYS = {
    "name": lambda row: row["name"].lower(),
    "isEnabled": lambda row: row["isEnabled"],
    "lastRunTime": lambda row: row["lastRunTime"],
    "nextRunTime": lambda row: row["nextRunTime"],
    "created": lambda row: row["created"],
}
ALIASES = {
    "NAME": "name", "enabled": "isEnabled", "Status": "isEnabled", "lastrun": "lastRunTime", "nextRun": "nextRunTime",
    "": "created", "priority": "created",
}  # fmt: skip
POLL_LATE = 30
"""JIM's scheduler looks for due schedules every 30 seconds (src/JIM.Scheduler/Scheduler.cs); the sandbox fires on
the second."""


def moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None


def listed(target: Target, **params: object) -> list[dict[str, Any]]:
    response = target.admin(SCHEDULES_URL, pageSize=100, **params)
    assert response.status_code == 200, response.text[:300]
    rows: list[dict[str, Any]] = response.json()["items"]
    return rows


def sort_key(key: str) -> Any:
    def read(row: dict[str, Any]) -> tuple[bool, Any]:
        value = KEYS[key](row)
        if key.endswith("Time") or key == "created":
            value = moment(value)
        return (value is None, value)

    return read


def expected_order(rows: list[dict[str, Any]], key: str, descending: bool) -> list[str]:
    ties = sorted(rows, key=lambda r: (moment(r["created"]), r["id"]))
    return [r["id"] for r in sorted(ties, key=sort_key(key), reverse=descending)]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("given", [*KEYS, *ALIASES])
def test_the_list_sorts_by_each_key_either_way(target: Target, given: str, descending: bool) -> None:
    key = ALIASES.get(given, given)
    everything = listed(target)
    if target.sandbox:
        assert len(everything) >= 3, "the sandbox's fixtures have schedules to sort"
    found = listed(target, sortBy=given, sortDescending=str(descending).lower())
    if not target.sandbox:
        # JIM leaves ties in the database's order: only the key's order is checked.
        keys = [sort_key(key)(row) for row in found]
        assert keys == sorted(keys, reverse=descending)
        return
    assert [r["id"] for r in found] == expected_order(everything, key, descending)


def test_without_sort_by_the_list_is_in_created_order(target: Target) -> None:
    everything = listed(target)
    assert [r["id"] for r in everything] == expected_order(everything, "created", False)


@pytest.mark.parametrize("text", ["entra", "ENTRA ID", "synchronises", "no schedule has this", "  "])
def test_search_keeps_the_schedules_whose_name_or_description_holds_the_text(target: Target, text: str) -> None:
    everything = listed(target)
    found = {r["id"] for r in listed(target, search=text)}
    wanted = text.lower()
    holding = {
        r["id"]
        for r in everything
        if not text.strip() or wanted in r["name"].lower() + "\x00" + (r["description"] or "").lower()
    }
    assert found == holding
    if target.sandbox and text == "entra":
        assert len(found) == 2, "a name and a description mention Entra ID"


@pytest.mark.parametrize("value", ["maybe", "1", "yes", ""])
def test_sort_descending_is_a_boolean(target: Target, value: str) -> None:
    target.assert_validation_error(target.admin(SCHEDULES_URL, sortDescending=value), "sortDescending")


def test_a_schedule_fires_at_its_next_run_time(writer: Target) -> None:
    """Enabled Cron schedules fire by the clock: an execution initiated by the System at the schedule's next run
    time, and the schedule's run times move on."""
    if writer.clock is None:
        pytest.skip("waiting for a schedule's next run time needs a clock the suite can turn")
    due = [s for s in listed(writer) if s["isEnabled"] and s["triggerType"] == "Cron" and s["nextRunTime"]]
    if not due:
        pytest.skip("the target has no enabled Cron schedule")
    schedule = min(due, key=lambda s: moment(s["nextRunTime"]) or datetime.max.replace(tzinfo=UTC))
    when = moment(schedule["nextRunTime"])
    assert when is not None
    now = moment(writer.admin("/api/v1/health").json()["timestamp"])
    assert now is not None
    writer.wait((when - now).total_seconds() + POLL_LATE + 1)
    rows = writer.admin(EXECUTIONS_URL, scheduleId=schedule["id"], pageSize=100).json()["items"]
    fired = [r for r in rows if r["initiatedByType"] == "System" and r["queuedAt"] >= schedule["nextRunTime"]]
    assert fired, f"{schedule['name']} did not fire at {schedule['nextRunTime']}"
    queued = moment(fired[-1]["queuedAt"])
    assert queued is not None and when <= queued <= when + timedelta(seconds=POLL_LATE)
    if writer.sandbox:
        assert queued == when, "the sandbox fires on the second of the occurrence"
    after = next(s for s in listed(writer) if s["id"] == schedule["id"])
    assert moment(after["lastRunTime"]) == queued
    assert (moment(after["nextRunTime"]) or when) > when, "the next run time moves past the firing"
    steps = writer.admin(f"{EXECUTIONS_URL}/{fired[-1]['id']}").json()["steps"]
    for step in steps:
        activity = writer.admin(f"/api/v1/activities/{step['activityId']}").json()
        assert activity["initiatedByType"] == "System"
