"""Private sandboxes through the app: the admin routes, the keys they hand out, and journals that never mix."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import redis
import yaml
from openapi_schema_validator import OAS30Validator
from starlette.testclient import TestClient

from contract_tests.envelope import assert_error
from mockserver.api.params import first_values
from mockserver.controls.journal import MemoryJournal
from mockserver.controls.sandbox_routes import SandboxRoutes
from mockserver.controls.sandboxes import MemoryRegistry, Sandbox
from mockserver.controls.shared_state import RedisUnavailable
from mockserver.settings import PROJECT_ROOT, Settings
from tests.conftest import ADMIN, SEED_ACTIVITY
from tests.controls.test_sandboxes import KEY, Wall
from tests.declared import resolved

ADMIN_SPEC = yaml.safe_load((PROJECT_ROOT / "admin-openapi.yaml").read_text())
SANDBOXES = "/__admin/sandboxes"
ITEMS = f"/api/v1/activities/{SEED_ACTIVITY}/items"
TOKEN = "s3cret-admin-token-0123456789abcdef"


def schema(name: str) -> dict[str, Any]:
    found: dict[str, Any] = resolved(ADMIN_SPEC["components"]["schemas"][name], ADMIN_SPEC)
    return found


def fits(body: Any, name: str) -> None:
    problems = list(OAS30Validator(schema(name), format_checker=OAS30Validator.FORMAT_CHECKER).iter_errors(body))
    assert not problems, problems[0].message


def create(client: TestClient) -> tuple[str, dict[str, str]]:
    """A new sandbox: (its id, the header that sends its key)."""
    made = client.post(SANDBOXES)
    assert made.status_code == 201, made.text
    fits(made.json(), "NewSandbox")
    return made.json()["id"], {"X-Api-Key": made.json()["apiKey"]}


def entries(client: TestClient, journal: str, **filters: Any) -> list[dict[str, Any]]:
    answered = client.get(journal, params=filters)
    assert answered.status_code == 200, answered.text
    fits(answered.json(), "Journal")
    return answered.json()["entries"]  # type: ignore[no-any-return]


@pytest.fixture
def app_client(make_client: Callable[..., TestClient]) -> Callable[..., TestClient]:
    """make(registry=None, **settings) -> a started client of a new app, without an access log."""
    return lambda **settings: make_client(**{"access_log": False, **settings})


def test_sandboxes_are_off_by_default(client: TestClient) -> None:
    assert_error(client.post(SANDBOXES), 404, "NOT_FOUND")


def test_a_sandbox_is_made_its_key_shown_once_and_then_described_without_it(
    app_client: Callable[..., TestClient],
) -> None:
    client = app_client(sandboxes=2, sandbox_idle_seconds=600)
    made = client.post(SANDBOXES, content=b"ignored")
    assert made.status_code == 201
    body = made.json()
    assert KEY.fullmatch(body["apiKey"])
    assert made.headers["location"] == f"{SANDBOXES}/{body['id']}" and made.headers["cache-control"] == "no-store"
    assert body["idleSeconds"] == 600 and body["requestsPath"] == f"{SANDBOXES}/{body['id']}/requests"
    described = client.get(made.headers["location"])
    assert described.status_code == 200
    fits(described.json(), "Sandbox")
    assert described.json() == {name: value for name, value in body.items() if name != "apiKey"}
    assert body["apiKey"] not in described.text


def test_a_sandbox_key_is_an_administrator_key_until_the_sandbox_is_deleted(
    app_client: Callable[..., TestClient],
) -> None:
    client = app_client(sandboxes=2)
    sandbox, key = create(client)
    assert client.get(ITEMS, headers=key).status_code == 200
    assert client.delete(f"{SANDBOXES}/{sandbox}").status_code == 204
    # Then it is any unknown key: the same 401 body as a key never issued.
    refused, never = client.get(ITEMS, headers=key), client.get(ITEMS, headers={"X-Api-Key": "jim_ak_" + "0" * 64})
    assert_error(refused, 401, "UNAUTHORISED")
    assert refused.json()["message"] == never.json()["message"]
    assert_error(client.get(f"{SANDBOXES}/{sandbox}"), 404, "NOT_FOUND")
    assert_error(client.delete(f"{SANDBOXES}/{sandbox}"), 404, "NOT_FOUND")
    assert_error(client.get(f"{SANDBOXES}/{sandbox}/requests"), 404, "NOT_FOUND")


def test_a_sandbox_unused_for_its_idle_time_ends_and_its_key_is_refused(
    app_client: Callable[..., TestClient],
) -> None:
    wall = Wall()
    client = app_client(registry=MemoryRegistry(2, 60, wall=wall), sandboxes=2)
    sandbox, key = create(client)
    wall.seconds += 59
    assert client.get(ITEMS, headers=key).status_code == 200
    wall.seconds += 59
    assert client.get(ITEMS, headers=key).status_code == 200
    wall.seconds += 60
    assert_error(client.get(ITEMS, headers=key), 401, "UNAUTHORISED")
    assert_error(client.get(f"{SANDBOXES}/{sandbox}"), 404, "NOT_FOUND")


@pytest.mark.parametrize("id_", ["0123456789abcdef", "not-an-id", "A" * 300, "%00"])
def test_an_id_of_no_sandbox_is_404_naming_it_bounded(app_client: Callable[..., TestClient], id_: str) -> None:
    client = app_client(sandboxes=2)
    for method in ("GET", "DELETE"):
        for path in (f"{SANDBOXES}/{id_}", f"{SANDBOXES}/{id_}/requests"):
            answered = client.request(method, path)
            assert_error(answered, 404, "NOT_FOUND")
            assert len(answered.json()["message"]) < 250


def test_past_the_bound_a_create_is_a_409_saying_so(app_client: Callable[..., TestClient]) -> None:
    client = app_client(sandboxes=1)
    sandbox, _ = create(client)
    full = client.post(SANDBOXES)
    assert_error(full, 409, "CONFLICT")
    assert "at most 1 private sandboxes" in full.json()["message"]
    client.delete(f"{SANDBOXES}/{sandbox}")
    create(client)


def test_other_methods_are_405_with_allow(app_client: Callable[..., TestClient]) -> None:
    client = app_client(sandboxes=1)
    sandbox, _ = create(client)
    assert client.get(SANDBOXES).headers["allow"] == "POST"
    assert_error(client.put(SANDBOXES), 405, "METHOD_NOT_ALLOWED")
    assert_error(client.post(f"{SANDBOXES}/{sandbox}"), 405, "METHOD_NOT_ALLOWED")
    assert_error(client.patch(f"{SANDBOXES}/{sandbox}/requests"), 405, "METHOD_NOT_ALLOWED")


def test_the_admin_token_guards_the_sandbox_routes(app_client: Callable[..., TestClient]) -> None:
    client = app_client(sandboxes=1, admin_token=TOKEN)
    assert_error(client.post(SANDBOXES), 401, "UNAUTHORISED")
    assert_error(client.post(SANDBOXES, headers={"Authorization": "Bearer " + "x" * 20}), 403, "FORBIDDEN")
    made = client.post(SANDBOXES, headers={"Authorization": f"Bearer {TOKEN}"})
    assert made.status_code == 201
    assert_error(client.get(made.headers["location"]), 401, "UNAUTHORISED")


def traffic(client: TestClient, key: dict[str, str], marker: str, count: int) -> None:
    for page in range(1, count + 1):
        assert client.get(f"{ITEMS}?pageSize=1&page={page}&who={marker}", headers=key).status_code in (200, 400)


def markers(found: list[dict[str, Any]]) -> set[str]:
    return {value for entry in found for value in entry["query"].get("who", [])}


def isolation(client: TestClient) -> None:
    """Two sandboxes made and used at once never see each other's entries; the shared journal and the default key see
    neither, and neither sandbox sees the default key's."""
    with ThreadPoolExecutor(2) as pool:
        (one, one_key), (other, other_key) = pool.map(lambda _: create(client), range(2))
    with ThreadPoolExecutor(3) as pool:
        list(
            pool.map(
                lambda job: traffic(client, *job),
                [(one_key, "one", 20), (other_key, "other", 20), (ADMIN, "default", 20)],
            )
        )
    mine = entries(client, f"{SANDBOXES}/{one}/requests", pageSize=1000)
    theirs = entries(client, f"{SANDBOXES}/{other}/requests", pageSize=1000)
    shared = entries(client, "/__admin/requests", pageSize=1000)
    assert markers(mine) == {"one"} and len(mine) == 20
    assert markers(theirs) == {"other"} and len(theirs) == 20
    assert markers(shared) == {"default"} and len(shared) == 20
    assert {entry["keyPrefix"] for entry in mine} == {one_key["X-Api-Key"][:12]}
    # Filtered and cleared per sandbox too.
    assert markers(entries(client, f"{SANDBOXES}/{one}/requests", path="/api/v1", status=200)) == {"one"}
    assert client.delete(f"{SANDBOXES}/{one}/requests").status_code == 204
    assert entries(client, f"{SANDBOXES}/{one}/requests") == []
    assert len(entries(client, f"{SANDBOXES}/{other}/requests", pageSize=1000)) == 20
    assert len(entries(client, "/__admin/requests", pageSize=1000)) == 20
    # Ending one forgets its entries: a later sandbox starts with an empty journal.
    client.delete(f"{SANDBOXES}/{other}")
    late, _ = create(client)
    assert entries(client, f"{SANDBOXES}/{late}/requests") == []


def test_two_sandboxes_never_see_each_others_journal_entries_in_memory(
    app_client: Callable[..., TestClient],
) -> None:
    isolation(app_client(sandboxes=3, journal_size=100))


def test_two_sandboxes_never_see_each_others_journal_entries_in_redis(
    app_client: Callable[..., TestClient], redis_url: str
) -> None:
    isolation(app_client(sandboxes=3, journal_size=100, redis_url=redis_url))


def test_with_the_shared_journal_off_only_sandboxes_are_recorded(app_client: Callable[..., TestClient]) -> None:
    client = app_client(sandboxes=1)
    assert_error(client.get("/__admin/requests"), 404, "NOT_FOUND")
    sandbox, key = create(client)
    client.get(ITEMS, headers=ADMIN)
    client.get(ITEMS, headers=key)
    answered = client.get(f"{SANDBOXES}/{sandbox}/requests")
    assert answered.json()["capacity"] == 1000 and [e["path"] for e in answered.json()["entries"]] == [ITEMS]


def test_each_sandbox_key_has_a_rate_limit_window_of_its_own(app_client: Callable[..., TestClient]) -> None:
    client = app_client(sandboxes=2, rate_limit=True, rate_limit_per_key=2)
    (_, one), (_, other) = create(client), create(client)
    assert [client.get(ITEMS, headers=one).status_code for _ in range(3)] == [200, 200, 429]
    assert [client.get(ITEMS, headers=other).status_code for _ in range(2)] == [200, 200]
    assert client.get(ITEMS, headers=ADMIN).status_code == 200


class Unreachable:
    """A registry whose Redis never answers."""

    bound, idle_seconds = 2, 60

    async def create(self) -> tuple[Sandbox, str]:
        raise RedisUnavailable("Redis cannot be reached")

    async def resolve(self, secret: str) -> Sandbox | None:
        raise RedisUnavailable("Redis cannot be reached")

    async def get(self, sandbox_id: str) -> Sandbox | None:
        raise RedisUnavailable("Redis cannot be reached")

    async def delete(self, sandbox_id: str) -> bool:
        raise RedisUnavailable("Redis cannot be reached")

    def take_ended(self) -> list[str]:
        return []


def test_without_its_registry_a_sandbox_key_is_503_and_fixture_keys_are_served(
    app_client: Callable[..., TestClient], caplog: pytest.LogCaptureFixture
) -> None:
    client = app_client(registry=Unreachable(), sandboxes=2, journal_size=10)
    key = {"X-Api-Key": "jim_sbx_0123456789abcdef_" + "s" * 43}
    with caplog.at_level(logging.WARNING):
        refused = client.get(ITEMS, headers=key)
    assert_error(refused, 503, "SERVICE_UNAVAILABLE")
    assert refused.headers["retry-after"] == "5"
    assert "s" * 43 not in caplog.text and "answered 503, Redis cannot be reached" in caplog.text
    assert client.get(ITEMS, headers=ADMIN).status_code == 200
    assert client.get("/api/v1/health").status_code == 200
    for method, path in (
        ("POST", SANDBOXES),
        ("GET", f"{SANDBOXES}/{'0' * 16}"),
        ("DELETE", f"{SANDBOXES}/{'0' * 16}"),
    ):
        answered = client.request(method, path)
        assert_error(answered, 503, "SERVICE_UNAVAILABLE")
        assert answered.headers["retry-after"] == "5"
    # Nothing of the sandbox key's request reached the shared journal.
    assert [entry["keyPrefix"] for entry in entries(client, "/__admin/requests", path=ITEMS)] == ["jim_ak_sandb"]


def test_sandboxes_with_several_workers_need_redis() -> None:
    with pytest.raises(ValueError, match=r"more than one needs --redis-url: .* private sandboxes are shared"):
        Settings(sandboxes=2, workers=2)


def test_an_entry_of_a_sandbox_ended_while_its_request_was_under_way_is_not_kept() -> None:
    registry, journal = MemoryRegistry(2, 60), MemoryJournal(10)
    SandboxRoutes(registry, journal, read_query=first_values)

    async def scenario() -> tuple[int, list[bytes]]:
        sandbox, _ = await registry.create()
        await journal.record(b"{}", sandbox.id)
        await registry.delete(sandbox.id)  # ended: its partition goes
        await journal.record(b"{}", sandbox.id)  # the answer of a request resolved before the DELETE
        return await journal.read(0, None, sandbox.id)

    assert asyncio.run(scenario()) == (0, [])
    assert not journal._sandboxes


def test_replicas_on_one_redis_share_every_sandbox_and_its_journal_ends_with_it(
    app_client: Callable[..., TestClient], redis_url: str
) -> None:
    one, other = (app_client(sandboxes=2, sandbox_idle_seconds=600, redis_url=redis_url) for _ in range(2))
    sandbox, key = create(one)
    assert other.get(ITEMS, headers=key).status_code == 200
    assert [entry["path"] for entry in entries(one, f"{SANDBOXES}/{sandbox}/requests")] == [ITEMS]
    with redis.Redis.from_url(redis_url) as plain:
        # The journal expires as its sandbox does, if no DELETE comes: 600 s after its last entry.
        assert 590_000 < plain.pttl(f"mockserver:journal:sandbox:{sandbox}") <= 600_000
        assert other.delete(f"{SANDBOXES}/{sandbox}").status_code == 204
        assert plain.exists(f"mockserver:journal:sandbox:{sandbox}", f"mockserver:sandboxes:{sandbox}") == 0
    assert_error(one.get(ITEMS, headers=key), 401, "UNAUTHORISED")
    assert_error(one.get(f"{SANDBOXES}/{sandbox}/requests"), 404, "NOT_FOUND")


EXECUTE = "/api/v1/synchronisation/connected-systems/2/run-profiles/6/execute"


@pytest.mark.parametrize("where", ["memory", "redis"])
def test_a_sandbox_s_started_runs_are_its_own_and_end_with_it(
    app_client: Callable[..., TestClient], request: pytest.FixtureRequest, where: str
) -> None:
    shared = {"redis_url": request.getfixturevalue("redis_url")} if where == "redis" else {}
    client = app_client(sandboxes=2, **shared)
    with ThreadPoolExecutor(2) as pool:
        (one, one_key), (_, other_key) = pool.map(lambda _: create(client), range(2))
    started = client.post(EXECUTE, headers=one_key)
    assert started.status_code == 202, started.text

    def tasks(key: dict[str, str]) -> int:
        count: int = client.get("/api/v1/worker-tasks", headers=key).json()["totalCount"]
        return count

    task = client.get("/api/v1/worker-tasks", headers=one_key).json()["items"][0]["id"]
    assert (tasks(one_key), tasks(other_key), tasks(ADMIN)) == (1, 0, 0)
    assert client.get(f"/api/v1/worker-tasks/{task}", headers=other_key).status_code == 404
    log = f"mockserver:clients:{one}:log"
    if where == "redis":
        with redis.Redis.from_url(shared["redis_url"]) as plain:
            assert plain.exists(log) == 1
    assert client.delete(f"{SANDBOXES}/{one}").status_code == 204
    if where == "redis":
        with redis.Redis.from_url(shared["redis_url"]) as plain:
            assert plain.exists(log) == 0, "its runs' log goes with it"
    _, late_key = create(client)
    assert (tasks(late_key), tasks(other_key), tasks(ADMIN)) == (0, 0, 0)
    assert client.get(f"/api/v1/worker-tasks/{task}", headers=ADMIN).status_code == 404


def test_a_sandbox_that_ended_idle_in_redis_leaves_no_runs_behind(
    app_client: Callable[..., TestClient], redis_url: str
) -> None:
    client = app_client(sandboxes=2, redis_url=redis_url)
    one, key = create(client)
    assert client.post(EXECUTE, headers=key).status_code == 202
    with redis.Redis.from_url(redis_url) as plain:
        assert plain.exists(f"mockserver:clients:{one}:log") == 1
        # As Redis's own expiry leaves it: the sandbox's hash gone, its place in the index past its time.
        plain.delete(f"mockserver:sandboxes:{one}")
        plain.zadd("mockserver:sandboxes", {one: 0})
        create(client)  # finds it ended, and removes what it started
        assert plain.exists(f"mockserver:clients:{one}:log") == 0
        assert plain.zscore("mockserver:sandboxes", one) is None
    assert_error(client.get(ITEMS, headers=key), 401, "UNAUTHORISED")
