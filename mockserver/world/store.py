"""Loads and validates every fixture once, before the server listens; then the world as it stands at each moment.

The world's time is its start (the `live.asOf` of its live runs, or else the latest moment its fixtures
record) plus the seconds the clock has run. Everything but the live runs (and what lists them) is the same
at every moment; a moment is a state of the live runs, built once and kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator

from mockserver.world.activity import Activity, Listed
from mockserver.world.connected_systems import ConnectedSystems, connected_systems
from mockserver.world.epoch import history_end, shifted
from mockserver.world.files import FixtureError
from mockserver.world.fixtures.keys import KEYS_FILE, KeyStore, load_keys
from mockserver.world.fixtures.reader import ActivityReader
from mockserver.world.fixtures.schedules import SCHEDULES_FILE, Schedule, load_schedules
from mockserver.world.fixtures.schedules import executions as past_runs_of
from mockserver.world.fixtures.systems import SYSTEMS_FILE, load_systems
from mockserver.world.items.source import FirstItems
from mockserver.world.listing import Listing
from mockserver.world.runs import phases
from mockserver.world.runs.client_state import ClientState, ClientStates
from mockserver.world.runs.clock import Clock, ManualClock
from mockserver.world.runs.executions import StartedExecution, past_executions
from mockserver.world.runs.executions import Step as ExecutionStep
from mockserver.world.runs.listed import StartedListing
from mockserver.world.runs.live import Live
from mockserver.world.runs.phases import Timeline
from mockserver.world.runs.run_activity import Course, RunActivities
from mockserver.world.runs.scheduler import Scheduler
from mockserver.world.runs.started import StartedRun
from mockserver.world.shapes import DOCUMENTED, Shape
from mockserver.world.times import seconds, utc

__all__ = ["FixtureError", "Moment", "Store", "load_store"]

DEFAULT_LIVE_SECONDS = 60.0


@dataclass(frozen=True)
class Moment:
    """The world at one reading of the clock."""

    now: datetime
    activities: Mapping[str, Activity]
    listing: Listing


@dataclass(frozen=True)
class Store:
    static: Moment
    """The world at its start, the live runs aside (the whole world when there are none)."""
    keys: KeyStore
    seed: int
    clock: Clock
    live: Live | None = None
    sources: tuple[str, ...] = field(default=())
    systems: ConnectedSystems = field(default_factory=ConnectedSystems)
    """The connected systems and their run profiles, rendered (they never change)."""
    run_activities: RunActivities | None = None
    schedules: Mapping[str, Schedule] = field(default_factory=dict)
    """The schedules and their steps (fixtures/schedules.json), in file order."""
    clients: ClientStates | None = None
    """What clients have changed, sandbox by sandbox: runs started, schedules run (world/runs/client_state.py)."""
    scheduler: Scheduler | None = None
    """The schedules' firings by the clock (world/runs/scheduler.py), merged into every sandbox's runs and
    executions; None with --no-scheduler."""
    _moments: dict[Any, Moment] = field(default_factory=dict, repr=False, compare=False)
    _with_runs: dict[str | None, tuple[Any, Moment]] = field(default_factory=dict, repr=False, compare=False)
    _listed: dict[str | None, StartedListing] = field(default_factory=dict, repr=False, compare=False)

    @property
    def start(self) -> datetime:
        return self.static.now

    def now(self) -> datetime:
        """The world's time: its start plus the seconds its clock has run. Every time the server writes (error and
        health timestamps, the journal's, the Date header) is this, so they agree with the activities' times."""
        return self.start + timedelta(seconds=self.clock.elapsed())

    def client(self, sandbox: str | None = None) -> ClientState | None:
        """A sandbox's state (the shared world's for None), as this process last read it."""
        return self.clients.get(sandbox) if self.clients is not None else None

    def in_history(self, activity_id: str) -> bool:
        """Whether the activity is the fixture history's (its live runs included): no client's state is needed."""
        return activity_id in self.static.activities or (self.live is not None and activity_id in self.live.ids)

    def moment(self, client: ClientState | None = None) -> Moment:
        """The world as it stands now, its list with `client`'s started runs: read the clock once per request, and use
        what this returns. Its activities are the history's (a started run is read with `activity`)."""
        elapsed = self.clock.elapsed()
        now = self.start + timedelta(seconds=elapsed)
        key: Any = None
        known = self.static
        if self.live is not None:
            key, moved = self.live.activities(elapsed)
            known = self._moments.get(key)  # type: ignore[assignment]
            if known is None:
                activities = {**self.static.activities, **moved}
                known = self._moments[key] = Moment(now, activities, Listing(activities.values()))
        if client is None or self.run_activities is None:
            return Moment(now, known.activities, known.listing)
        going, ended = self.listed(client).read(elapsed)
        if not going and not ended:
            return Moment(now, known.activities, known.listing)
        # Kept for the last state each sandbox saw: runs move with the clock, so older states are rarely asked for
        # again. An ended run never changes: how many have ended, the cancels taken, and how the moving ones stand fix
        # the list.
        state = (
            key,
            len(ended),
            client.runs.version(),
            tuple((a.id, a.status, a.executed, a.fields["objectsProcessed"], a.item_count) for _, a in going),
        )
        last = self._with_runs.get(client.sandbox)
        if last is None or last[0] != state:
            rows: list[Listed] = [*known.activities.values(), *(a for _, a in going), *ended]
            last = self._with_runs[client.sandbox] = (state, Moment(now, known.activities, Listing(rows)))
        return Moment(now, known.activities, last[1].listing)

    def listed(self, client: ClientState) -> StartedListing:
        found = self._listed.get(client.sandbox)
        if found is None or found.client is not client:
            assert self.run_activities is not None
            found = self._listed[client.sandbox] = StartedListing(client, self.run_activities)
        return found

    def in_progress(self, client: ClientState) -> list[tuple[StartedRun, Activity]]:
        """`client`'s runs still in progress, oldest first, with their activities now."""
        if self.run_activities is None:
            return []
        return self.listed(client).read(self.clock.elapsed())[0]

    def activity(
        self, activity_id: str, client: ClientState | None = None, elapsed: float | None = None
    ) -> Activity | None:
        """One activity as it stands now, or `elapsed` seconds after the start (one of `client`'s runs, or the
        history's); a run that does not move is read without the clock."""
        if client is not None and self.run_activities is not None:
            run = client.runs.get(activity_id)
            if run is not None:
                return self.run_activities.activity(run, self.clock.elapsed() if elapsed is None else elapsed)
        if self.live is not None and activity_id in self.live.ids:
            return self.moment().activities.get(activity_id)
        return self.static.activities.get(activity_id)

    def run_items(self, activity_id: str, client: ClientState) -> FirstItems | None:
        """The items one of `client`'s runs has recorded now, without building its activity (None: not its run)."""
        run = client.runs.get(activity_id)
        if run is None or self.run_activities is None:
            return None
        return self.run_activities.items(run, self.clock.elapsed())

    def forget(self, sandbox: str) -> None:
        """A sandbox is gone: its state, and the listing kept for it."""
        if self.clients is not None:
            self.clients.drop(sandbox)
        self.forget_kept(sandbox)

    def forget_kept(self, sandbox: str) -> None:
        """What is kept for a sandbox's list (its state is dropped)."""
        self._with_runs.pop(sandbox, None)
        self._listed.pop(sandbox, None)

    def run_activity(self, run: StartedRun, elapsed: float) -> Activity:
        assert self.run_activities is not None
        return self.run_activities.activity(run, elapsed)

    def execution_steps(self, execution: StartedExecution, elapsed: float, client: ClientState) -> list[ExecutionStep]:
        """Each step's run of `execution` as it stands `elapsed` seconds after the start: a started run, or a run
        of the fixture history (whose worker task is long gone, or never listed: a fixture run has none)."""
        assert self.run_activities is not None
        found = []
        history: Mapping[str, Activity] | None = None
        for activity_id in execution.runs:
            run = client.runs.get(activity_id)
            if run is None:
                history = history if history is not None else self.moment().activities
                activity = history[activity_id]
                found.append(ExecutionStep(activity, past_course(activity, self.start), None, False))
                continue
            activity = self.run_activities.activity(run, elapsed)
            course = self.run_activities.course(run)
            live = activity.status == "InProgress"
            found.append(ExecutionStep(activity, course, run.task_id if live else None, elapsed < course.begins))
        return found


def past_course(activity: Activity, start: datetime) -> Course:
    """A fixture run's life in world-clock seconds (negative: before the world's start)."""
    begins = ((activity.executed or activity.created) - start).total_seconds()
    took = activity.fields.get("executionTime") or activity.fields.get("totalActivityTime")
    ends = begins + seconds(took) if took else begins
    return Course(begins, ends, activity.status, activity.executed is not None)


def finished(timeline: Timeline) -> float:
    """Seconds the finished top-level steps of a running run took."""
    return phases.check(timeline.run_type, timeline.given, running=True)


def world_start(reader: ActivityReader) -> datetime:
    """`live.asOf`, the same for every live record; without one, the latest moment the fixtures record."""
    start = None
    for draft in reader.drafts.values():
        spec = draft.record.get("live")
        if spec is None:
            continue
        refuse = reader.refuser(draft.index, draft.record)
        as_of = utc(spec["asOf"])
        if start is not None and as_of != start:
            refuse("live.asOf", "every live record gives the same live.asOf: the world's start")
        if draft.created > as_of or (draft.executed is not None and draft.executed > as_of):
            refuse("live.asOf", "before the activity started")
        timeline = draft.timeline
        if timeline is not None and timeline.executed + timedelta(seconds=finished(timeline)) > as_of:
            refuse("phases", "its finished steps end after live.asOf")
        start = as_of
    return start if start is not None else history_end(draft.record for draft in reader.drafts.values())


def load_store(
    fixtures: Path,
    spec: Mapping[str, Any],
    seed: int,
    change_names: Mapping[str, str] | None = None,
    shape: Shape = DOCUMENTED,
    clock: Clock | None = None,
    live_seconds: float = DEFAULT_LIVE_SECONDS,
    ends_at: datetime | None = None,
    scheduler: bool = True,
) -> Store:
    """Read every fixture file under `fixtures`, validated against the spec's schemas and our record schemas.

    Fixtures are written in the documented vocabulary; items are served with their change types
    renamed by `change_names` (the profile's vocabulary), activities in the profile's `shape`. Live runs end
    `live_seconds` after the world's start, by `clock` (a hand-turned one, at the start, unless given). The history
    is at the fixtures' own dates, or moved whole to end at `ends_at` (`--epoch`), which is then the world's start."""
    item_schema = spec["components"]["schemas"]["ExecutionItem"]
    item_validator = OAS30Validator(item_schema, format_checker=OAS30Validator.FORMAT_CHECKER)
    keys = load_keys(fixtures)
    systems = load_systems(fixtures)
    schedules = load_schedules(fixtures, systems)
    reader = ActivityReader(
        fixtures, systems, item_validator, seed, shape, change_names, ends_at, past_runs_of(schedules)
    )
    activities = reader.read()
    # The systems' times move with the activities' (the reader found the offset), before anything renders them.
    systems = replace(systems, records=tuple(shifted(list(systems.records), reader.offset)))
    moving = reader.live()
    start = world_start(reader)
    live = None
    if moving:
        live = Live(moving, start, live_seconds, reader.assemble)
        # Every state is checked as it is built: building the first and the last proves the run can end well.
        live.activities(0.0)
        live.activities(live_seconds)
    sources = (str(fixtures / KEYS_FILE), str(fixtures / SYSTEMS_FILE), *reader.sources)
    static = Moment(start, activities, Listing(activities.values()))
    rendered = connected_systems(systems, activities.values())
    runs = RunActivities(start, shape, reader.pools(), systems.run_profiles, change_names or {})
    schedules = {k: shifted_schedule(s, reader.offset) for k, s in schedules.items()}
    sources = (*sources, str(fixtures / SCHEDULES_FILE))
    history = past_executions(schedules, activities, start, fixtures / SCHEDULES_FILE)
    clock = clock or ManualClock()
    fired = None
    if scheduler:  # the fired runs and executions are merged into the stores a client's requests read and write
        # A schedule whose last execution in the history is still running at the start fires once it has ended.
        busy = {e.schedule_id: live_seconds for e in history if live is not None and live.ids.intersection(e.runs)}
        fired = Scheduler(seed, schedules, start, runs, busy)
    clients = ClientStates(seed, schedules, history, lambda run, at: runs.activity(run, at).status, fired, clock)
    runs.lookup = clients.find_run
    store = Store(static, keys, seed, clock, live, sources, rendered, runs, schedules, clients, scheduler=fired)
    clients.dropped.append(store.forget_kept)
    return store


def shifted_schedule(schedule: Schedule, offset: timedelta) -> Schedule:
    return replace(schedule, record=shifted(dict(schedule.record), offset))
