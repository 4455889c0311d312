"""What clients change, through Redis: two apps sharing one Redis answer alike for every run, whichever took the
write; an app made afterwards (a restarted replica) replays it all; each event is applied once, in log order."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
import pytest
import redis
from starlette.testclient import TestClient

from mockserver.controls.client_log import RedisLog, apply
from mockserver.controls.shared_state import SharedRedis
from mockserver.world.runs.client_state import ClientState, ClientStates, Refused
from mockserver.world.runs.clock import ManualClock
from mockserver.world.runs.started import StartedRun
from tests.conftest import ADMIN, SEED_ACTIVITY

EXECUTE = "/api/v1/synchronisation/connected-systems/2/run-profiles/6/execute"
HOURLY = "76416817-d9f3-474d-8851-5bf9062cc715"


@pytest.fixture
def replicas(make_client: Callable[..., TestClient], redis_url: str) -> tuple[TestClient, TestClient, ManualClock]:
    """Two apps on one Redis and one hand-turned clock, as two replicas reading one wall."""
    clock = ManualClock()
    return (
        make_client(clock=clock, redis_url=redis_url, access_log=False),
        make_client(clock=clock, redis_url=redis_url, access_log=False),
        clock,
    )


def body(client: TestClient, url: str) -> bytes:
    answer = client.get(url, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    return answer.content


def test_what_one_replica_is_told_the_other_answers_alike(
    replicas: tuple[TestClient, TestClient, ManualClock],
) -> None:
    first, second, clock = replicas
    started = first.post(EXECUTE, headers=ADMIN).json()
    run = f"/api/v1/activities/{started['activityId']}"
    clock.advance(30)
    for url in (run, f"{run}/progress", f"{run}/items?pageSize=100", "/api/v1/worker-tasks", "/api/v1/activities"):
        assert body(first, url) == body(second, url), url
    # A cancel taken by the second is the first's too.
    assert second.post(f"/api/v1/worker-tasks/{started['taskId']}/cancel", headers=ADMIN).status_code == 202
    assert orjson.loads(body(first, run))["status"] == "Cancelled"
    # A schedule run by the first reads alike on the second, steps and all.
    execution = first.post(f"/api/v1/schedules/{HOURLY}/run", headers=ADMIN).json()["executionId"]
    clock.advance(20)
    url = f"/api/v1/schedule-executions/{execution}"
    assert body(first, url) == body(second, url)
    assert body(first, "/api/v1/schedules") == body(second, "/api/v1/schedules")


def test_a_replica_started_afterwards_replays_every_write(
    replicas: tuple[TestClient, TestClient, ManualClock], make_client: Callable[..., TestClient], redis_url: str
) -> None:
    first, _, clock = replicas
    ids = [first.post(EXECUTE, headers=ADMIN).json()["activityId"] for _ in range(3)]
    first.post(f"/api/v1/schedules/{HOURLY}/run", headers=ADMIN)
    clock.advance(45)
    later = make_client(clock=clock, redis_url=redis_url, access_log=False)
    listing = "/api/v1/activities?sortDirection=desc&pageSize=10"
    assert body(later, listing) == body(first, listing)
    assert [orjson.loads(body(later, f"/api/v1/activities/{i}"))["id"] for i in ids] == ids
    # The restarted replica's next run is the fourth the log records: the ids go on, never repeat.
    fourth = later.post(EXECUTE, headers=ADMIN).json()["activityId"]
    assert fourth not in ids
    assert body(first, f"/api/v1/activities/{fourth}") == body(later, f"/api/v1/activities/{fourth}")


def state() -> ClientState:
    return ClientStates(0, {}, (), lambda run, at: "InProgress").get(None)


def start(at: float) -> bytes:
    return orjson.dumps({"kind": "start-run", "runProfileId": 6, "at": at, "byId": None, "byName": "k"})


def test_each_event_is_applied_once_whichever_answer_brings_it_first() -> None:
    found = state()
    events = [start(1.0), start(2.0), start(3.0)]
    apply(found, 0, events[:2])  # a read brought the first two
    apply(found, 0, events)  # a write's answer brings them again, and its own
    apply(found, 2, events[2:])  # and another read the last
    runs = list(found.runs.runs())
    assert [run.started for run in runs] == [1.0, 2.0, 3.0]
    assert found.applied == 3
    # The writer of the third finds its result by position, whoever applied it.
    result = found.results.get(2)
    assert isinstance(result, StartedRun) and result.number == 3


def test_sandboxes_draw_their_own_ids_and_find_runs_by_id_alone() -> None:
    states = ClientStates(0, {}, (), lambda run, at: "InProgress")
    shared, mine = states.get(None), states.get("sandbox-a")
    event: dict[str, Any] = {"kind": "start-run", "runProfileId": 6, "at": 0.0, "byId": None, "byName": "k"}
    one, two = shared.apply(event), mine.apply(event)
    assert isinstance(one, StartedRun) and isinstance(two, StartedRun)
    assert one.number == two.number == 1 and one.activity_id != two.activity_id
    assert states.find_run(two.activity_id) == two
    assert shared.runs.get(two.activity_id) is None
    states.drop("sandbox-a")
    assert states.find_run(two.activity_id) is None
    assert states.find_run(one.activity_id) == one


def test_a_full_log_refuses_the_write_and_keeps_what_it_has(redis_url: str) -> None:
    async def fill() -> tuple[list[Any], int]:
        shared = SharedRedis(redis_url, 500)
        try:
            log = RedisLog(shared, bound=2)
            found = state()
            event = orjson.loads(start(0.0))
            results = [await log.write(found, event) for _ in range(3)]
            return results, len(list(found.runs.runs()))
        finally:
            await shared.aclose()

    results, kept = asyncio.run(fill())
    assert [type(r).__name__ for r in results] == ["StartedRun", "StartedRun", "Refused"]
    assert results[2] == Refused("client writes", 2)
    assert kept == 2


def commands(redis_url: str) -> int:
    """Commands Redis has processed since its statistics were reset, less the INFO that asks."""
    with redis.Redis.from_url(redis_url) as r:
        return int(r.info("stats")["total_commands_processed"]) - 1


def test_the_history_costs_no_round_trip_and_a_started_runs_progress_one(
    make_client: Callable[..., TestClient], redis_url: str
) -> None:
    sandbox = make_client(redis_url=redis_url, access_log=False)
    run = sandbox.post(EXECUTE, headers=ADMIN).json()["activityId"]
    history = [f"/api/v1/activities/{SEED_ACTIVITY}", f"/api/v1/activities/{SEED_ACTIVITY}/items?pageSize=100"]
    with redis.Redis.from_url(redis_url) as r:
        r.config_resetstat()
    for url in history * 3:
        body(sandbox, url)
    assert commands(redis_url) == 0
    with redis.Redis.from_url(redis_url) as r:
        r.config_resetstat()
    body(sandbox, f"/api/v1/activities/{run}/progress")
    assert commands(redis_url) == 1


def test_least_recently_used_sandboxes_are_dropped_and_read_back_from_their_log(redis_url: str) -> None:
    async def run() -> None:
        shared = SharedRedis(redis_url, 500)
        try:
            log, states, heard = RedisLog(shared), ClientStates(0, {}, (), lambda run, at: "InProgress"), []
            states.kept = 3
            states.dropped.append(heard.append)
            shared_world = states.get(None)
            first = states.get("a")
            started = await log.write(first, orjson.loads(start(0.0)))
            assert isinstance(started, StartedRun)
            for sandbox in ("b", "c"):
                states.get(sandbox)
            assert heard == ["a"]  # the least recently used; never the shared world
            assert states.get(None) is shared_world
            again = states.get("a")
            assert again is not first and again.applied == 0
            await log.read(again)
            assert list(again.runs.runs()) == [started]
            assert states.find_run(started.activity_id) == started
        finally:
            await shared.aclose()

    asyncio.run(run())
