"""Ended started runs are listed as small rows: the list reads exactly as it would from the runs' full activities,
in every order, filter and search, and a cancel brought later for a run taken as ended puts it back in motion."""

from __future__ import annotations

import itertools

import pytest

from mockserver.profiles import PROFILES
from mockserver.profiles.spec import load_spec
from mockserver.settings import Settings
from mockserver.world.filters import ListFilter
from mockserver.world.listing import SORT_KEYS, Listing
from mockserver.world.runs.clock import ManualClock
from mockserver.world.runs.listed import RunRow
from mockserver.world.store import Store, load_store

PROFILES_STARTED = (6, 9, 11, 1, 13)
"""Run profiles ending CompleteWithError, FailedWithError, CompleteWithWarning, and two of the defaults."""
HOURLY, NIGHTLY = "76416817-d9f3-474d-8851-5bf9062cc715", "d61db53a-3330-4cea-9bdc-45eb3aa6b7df"


@pytest.fixture(scope="module", params=["documented", "jim"])
def world(request: pytest.FixtureRequest) -> tuple[Store, ManualClock]:
    settings = Settings(profile=request.param)
    profile = PROFILES[settings.profile]
    clock = ManualClock()
    store = load_store(
        settings.fixtures_dir,
        load_spec(settings.spec_path, profile),
        settings.seed,
        profile.change_names,
        shape=profile.shape,
        clock=clock,
        scheduler=False,  # the client's runs alone (the scheduler's are listed as their activities)
    )
    client = store.client(None)
    assert client is not None
    for n, profile_id in enumerate(PROFILES_STARTED * 4):
        at = float(n * 7)
        client.apply({"kind": "start-run", "runProfileId": profile_id, "at": at, "byId": None, "byName": f"key {n}"})
    for schedule_id in (HOURLY, NIGHTLY):  # steps with the schedule's attribution, one failing and halting the rest
        client.apply({"kind": "run-schedule", "scheduleId": schedule_id, "at": 3.0, "byId": None, "byName": "key s"})
    return store, clock


FILTERS = [
    ListFilter(),
    ListFilter(status=("CompleteWithError", "FailedWithError")),
    ListFilter(outcome=("Added",)),
    ListFilter(run_profile=("Full Import",)),
    ListFilter(initiated_by="key 1"),
    ListFilter(scheduled_only=False),
    ListFilter(scheduled_only=True),
    ListFilter(schedule_id=(HOURLY,)),
]


def test_ended_runs_list_as_their_full_activities_would(world: tuple[Store, ManualClock]) -> None:
    store, clock = world
    client = store.client(None)
    assert client is not None and store.run_activities is not None
    clock.set(4_000)  # past the end of every run started
    moment = store.moment(client)
    full = [store.run_activities.activity(run, clock.elapsed()) for run in client.runs.runs()]
    assert all(a.status != "InProgress" for a in full)
    expected = Listing([*moment.activities.values(), *full])
    served = moment.listing.top_level(None, False, None)
    assert sum(isinstance(row, RunRow) for row in served) == len(full)
    for (sort_by, descending), given, search in itertools.product(
        itertools.product(SORT_KEYS, (False, True)), FILTERS, (None, "import", "key 2")
    ):
        mine = moment.listing.top_level(sort_by, descending, search, given)
        theirs = expected.top_level(sort_by, descending, search, given)
        assert [a.id for a in mine] == [a.id for a in theirs], (sort_by, descending, given, search)
        assert [a.header_json for a in mine] == [a.header_json for a in theirs]


def test_a_cancel_brought_for_a_run_taken_as_ended_puts_it_back_in_motion(world: tuple[Store, ManualClock]) -> None:
    store, clock = world
    client = store.client(None)
    assert client is not None
    run = next(iter(client.runs.runs()))
    # This process read the run ended; another replica, its clock a little behind, cancelled it before its end.
    clock.set(10_000)
    store.moment(client)
    assert run.activity_id in store.listed(client).ended
    client.apply({"kind": "cancel-task", "taskId": run.task_id, "at": run.started + 1.0})
    row = next(r for r in store.moment(client).listing.top_level(None, False, None) if r.id == run.activity_id)
    assert row.status == "Cancelled"
