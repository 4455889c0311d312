"""What start-up checks of an activity against itself and the world: figures, status, times, parents and steps.

Each check names the field at fault through `refuse(field, problem)`, which raises the fixture error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, NoReturn

from mockserver.world import phases
from mockserver.world.times import seconds

Refuse = Callable[[str, str], NoReturn]
"""Stops start-up naming the record's field and the problem."""

FINISHED_OK = ("Complete", "CompleteWithWarning", "CompleteWithError")
FAILED = ("FailedWithError", "Cancelled")


def figures(
    fields: Mapping[str, Any], changed: int, created: datetime, executed: datetime | None, refuse: Refuse
) -> None:
    """What the fixture gives must agree with itself and with the items (`changed` of them)."""
    if fields["objectsProcessed"] > fields["objectsToProcess"]:
        problem = f"{fields['objectsProcessed']:,} processed is more than the {fields['objectsToProcess']:,} to process"
        refuse("objectsProcessed", problem)
    if fields["objectsProcessed"] < changed:
        refuse(
            "objectsProcessed",
            f"{fields['objectsProcessed']:,} processed, fewer than its {changed:,} changed (its items)",
        )
    if executed is None:
        if fields["status"] != "Cancelled":
            refuse("executed", "only a Cancelled activity may never have started")
        if fields["executionTime"] is not None:
            refuse("executionTime", "an activity that never started has none")
    elif executed < created:
        refuse("executed", "before the activity was created")
    if fields["status"] == "InProgress" and fields["totalActivityTime"] is not None:
        refuse("totalActivityTime", "an activity in progress has not finished")
    timed = fields["executionTime"] is not None and fields["totalActivityTime"] is not None
    if timed and seconds(fields["executionTime"]) > seconds(fields["totalActivityTime"]):
        refuse("executionTime", "longer than totalActivityTime")


def status(fields: Mapping[str, Any], errors: int, refuse: Refuse) -> None:
    """The status says what the items and messages show."""
    state = fields["status"]
    if state in ("Complete", "CompleteWithWarning") and errors:
        refuse("status", f"{state} but {errors:,} items have errors: use CompleteWithError")
    if state == "CompleteWithError" and not errors:
        refuse("status", "CompleteWithError but no item has an error")
    if state == "CompleteWithWarning" and fields["warningMessage"] is None:
        refuse("warningMessage", "a CompleteWithWarning activity says what the warning was")
    if state == "FailedWithError" and fields["errorMessage"] is None:
        refuse("errorMessage", "a FailedWithError activity says what failed")
    if state in FINISHED_OK and fields["errorMessage"] is not None:
        refuse("errorMessage", f"a {state} activity did not fail")


def steps(record: Mapping[str, Any], fields: Mapping[str, Any], executed: datetime | None, refuse: Refuse) -> None:
    """A run's steps (phases) fit its run type and its times: finished steps add up to its executionTime."""
    given = record.get("phases")
    if given is None:
        return
    if fields["connectedSystemRunType"] is None:
        refuse("phases", "only a Run Profile activity has steps")
    if executed is None and given:
        refuse("phases", "an activity that never started entered no step")
    try:
        took = phases.check(fields["connectedSystemRunType"], given, fields["status"] == "InProgress")
    except phases.PhaseError as exc:
        refuse("phases" + (f".{exc.key}" if exc.key else ""), str(exc))
    if fields["executionTime"] is not None and given and abs(took - seconds(fields["executionTime"])) > 1e-6:
        refuse(
            "phases", f"its steps took {took:g} s in all, its executionTime is {seconds(fields['executionTime']):g} s"
        )


def state_of(status_: str) -> str:
    """How a run with this status stands, for its steps."""
    if status_ == "InProgress":
        return phases.RUNNING
    return phases.FAILED if status_ in FAILED else phases.COMPLETED


def live(
    spec: Mapping[str, Any] | None,
    fields: Mapping[str, Any],
    counts: Mapping[str, int | None],
    children: list[tuple[str, bool]],
    refuse: Refuse,
) -> None:
    """A live record is in progress and can get from where it stands to its end; an activity in progress with a
    live child moves too. `counts`: its items recorded so far and in the end; `children`: (status, live) each."""
    moving = [is_live for state, is_live in children if state == "InProgress"]
    if spec is None:
        if any(moving):
            refuse("live", "in progress above a live run: it moves too (give it `live`)")
        return
    if fields["status"] != "InProgress":
        refuse("live", "only an activity in progress moves with the clock")
    if fields["connectedSystemRunType"] is None:
        if not moving or not all(moving):
            refuse("live", "an activity that runs no objects ends with its children: all in progress, all live")
        return
    items, final = counts["items"], counts["final"]
    first, total = fields["objectsProcessed"], fields["objectsToProcess"]
    if items is not None and final is not None and final - items > total - first:
        refuse("live.itemsAsOf", f"{final - items:,} items to come but only {total - first:,} objects")
    template = spec.get("progressMessage")
    if template is not None and template.format(processed=f"{first:,}", total=f"{total:,}") != fields["message"]:
        refuse("message", "the live run's progressMessage as of live.asOf")
