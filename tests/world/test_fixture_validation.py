"""A bad fixture stops start-up with a message naming the file, the record and the field."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mockserver.app import create_app
from mockserver.profiles.spec import load_spec
from mockserver.settings import PROJECT_ROOT, Settings
from mockserver.world.store import FixtureError, load_store

FIXTURES = PROJECT_ROOT / "fixtures"
SEED_ITEMS = "items/a1b2c3d4-e5f6-7890-abcd-ef1234567890.json"
SHIPPED_ACTIVITIES = len(json.loads((FIXTURES / "activities.json").read_text()))


def edit(path: Path, change: Callable[[Any], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def load(fixtures: Path) -> None:
    load_store(fixtures, load_spec(PROJECT_ROOT / "openapi.yaml"), seed=0)


def load_failure(fixtures: Path, file: str, change: Callable[[Any], None]) -> str:
    """Edit one fixture file, load, and return the start-up error's message."""
    edit(fixtures / file, change)
    with pytest.raises(FixtureError) as raised:
        load(fixtures)
    return str(raised.value)


def test_shipped_fixtures_are_valid() -> None:
    store = load_store(FIXTURES, load_spec(PROJECT_ROOT / "openapi.yaml"), seed=0)
    assert len(store.static.activities) >= 4 and len(store.keys) == 5


@pytest.mark.parametrize(
    ("file", "change", "expected"),
    [
        (SEED_ITEMS, lambda d: d[3].pop("displayName"), ["record 3", "field 'displayName'", "required"]),
        (SEED_ITEMS, lambda d: d[5].update(objectChangeType=None), ["record 5", "field 'objectChangeType'", "None"]),
        (SEED_ITEMS, lambda d: d[7].update(id="not-a-guid"), ["record 7", "field 'id'"]),
        (SEED_ITEMS, lambda d: d[2].update(id=d[1]["id"]), ["field 'id'", "duplicate id"]),
        (SEED_ITEMS, lambda d: d[9].update(id=d[9]["id"].upper()), ["record 9", "field 'id'", "lower case"]),
        ("activities.json", lambda d: d[1].pop("targetType"), ["activities.json", "record 1", "field 'targetType'"]),
        (
            "activities.json",
            lambda d: d[2].update(items={"generate": {"count": -1}}),
            ["record 2", "field 'items.generate.count'"],
        ),
        (
            "activities.json",
            lambda d: d[0].update(items={"file": "items/missing.json"}),
            ["missing.json", "file not found"],
        ),
        (
            "activities.json",
            lambda d: d[0].update(items={"file": "../../etc/passwd"}),
            ["record 0", "field 'items.file'", "inside"],
        ),
        ("activities.json", lambda d: d.append(dict(d[0])), [f"record {SHIPPED_ACTIVITIES}", "duplicate id"]),
        ("api-keys.json", lambda d: d[0].update(keySha256="abc"), ["api-keys.json", "record 0", "field 'keySha256'"]),
        ("api-keys.json", lambda d: d[3].update(expiresAt="yesterday"), ["record 3", "field 'expiresAt'"]),
    ],
)
def test_bad_record_names_file_record_and_field(
    fixtures: Path, file: str, change: Callable[[Any], None], expected: list[str]
) -> None:
    message = load_failure(fixtures, file, change)
    assert file.split("/")[-1] in message or "missing.json" in message, message
    for fragment in expected:
        assert fragment in message, message


# Records of activities.json the cases below edit, by what they are.
SEED, SCHEMA_IMPORT, EMPTY_RUN, LARGE_RUN, SYNC_RULE = 0, 1, 2, 3, 6
FAILED_EXPORT, WARNING_RUN, RUNNING_STEP = 14, 17, 20


@pytest.mark.parametrize(
    ("file", "change", "expected"),
    [
        ("activities.json", lambda d: d[SEED].update(totalAdded=15), ["record 0", "field 'totalAdded'", "computed"]),
        ("activities.json", lambda d: d[SEED].update(colour="blue"), ["field 'colour'", "not a field"]),
        (
            "activities.json",
            lambda d: d[SEED].update(targetName="Delta Import"),
            ["field 'targetName'", "runProfileId"],
        ),
        ("activities.json", lambda d: d[SEED].update(runProfileId=99), ["field 'runProfileId'", "no run profile 99"]),
        ("activities.json", lambda d: d[SEED].pop("runProfileId"), ["record 0", "field 'runProfileId'"]),
        (
            "activities.json",
            lambda d: d[SEED].update(objectsProcessed=247, objectsToProcess=247),
            ["field 'objectsProcessed'", "247 processed, fewer than its 248 changed"],
        ),
        (
            "activities.json",
            lambda d: d[SEED].update(objectsProcessed=12_451),
            ["field 'objectsProcessed'", "more than"],
        ),
        (
            "activities.json",
            lambda d: d[SCHEMA_IMPORT].update(items={"generate": {"count": 3}}),
            ["record 1", "field 'items'", "only Run Profile"],
        ),
        ("activities.json", lambda d: d[SCHEMA_IMPORT].update(connectedSystemId=9), ["no connected system 9"]),
        ("activities.json", lambda d: d[LARGE_RUN].update(status="Complete"), ["record 3", "field 'status'", "15,000"]),
        (
            "activities.json",
            lambda d: d[EMPTY_RUN].update(status="CompleteWithError"),
            ["record 2", "no item has an error"],
        ),
        (
            "activities.json",
            lambda d: d[FAILED_EXPORT].update(errorMessage=None),
            ["record 14", "field 'errorMessage'"],
        ),
        (
            "activities.json",
            lambda d: d[WARNING_RUN].update(warningMessage=None),
            ["record 17", "field 'warningMessage'"],
        ),
        ("activities.json", lambda d: d[SEED].update(errorMessage="Boom"), ["record 0", "field 'errorMessage'"]),
        ("activities.json", lambda d: d[SEED].update(executed="2026-04-05T05:59:59Z"), ["field 'executed'", "before"]),
        ("activities.json", lambda d: d[SEED].update(executed=None), ["field 'executed'", "Cancelled"]),
        ("activities.json", lambda d: d[SEED].update(executionTime="00:02:00"), ["field 'executionTime'", "longer"]),
        ("activities.json", lambda d: d[SEED].update(executionTime="1:30"), ["field 'executionTime'", "match"]),
        ("activities.json", lambda d: d[SEED].update(created="2026-04-05T06:00:00"), ["record 0", "field 'created'"]),
        (
            "activities.json",
            lambda d: d[RUNNING_STEP].update(totalActivityTime="00:01:00"),
            ["record 20", "field 'totalActivityTime'", "in progress"],
        ),
        (
            "activities.json",
            lambda d: d[SYNC_RULE].update(parentActivityId="ffffffff-ffff-ffff-ffff-ffffffffffff"),
            ["record 6", "field 'parentActivityId'", "no activity"],
        ),
        (
            "activities.json",
            lambda d: d[SCHEMA_IMPORT].update(parentActivityId=d[SYNC_RULE]["id"]),
            ["record 1", "field 'parentActivityId'", "ancestors"],
        ),
        (
            "activities.json",
            lambda d: d[SYNC_RULE].update(created="2026-04-04T22:14:00Z", executed="2026-04-04T22:14:00Z"),
            ["record 6", "field 'created'", "before its parent"],
        ),
        (
            "activities.json",
            lambda d: d[RUNNING_STEP].update(parentActivityId=d[SCHEMA_IMPORT]["id"]),
            ["record 20", "field 'status'", "InProgress under a parent that has finished"],
        ),
        (
            "activities.json",
            lambda d: d[SEED].update(items={"generate": {"count": 5, "outcomes": "telepathy"}}),
            ["record 0", "field 'items.generate.outcomes'"],
        ),
        (
            "connected-systems.json",
            lambda d: d[0]["runProfiles"][1].update(id=1),
            ["record 0", "field 'runProfiles.1.id'", "taken"],
        ),
        ("connected-systems.json", lambda d: d[1].update(name="Corporate LDAP"), ["record 1", "duplicate name"]),
        (
            "connected-systems.json",
            lambda d: d[2]["runProfiles"][0].update(runType="Magic"),
            ["field 'runProfiles.0.runType'"],
        ),
        (
            "connected-systems.json",
            lambda d: d[1].update(joinedObjectCount=d[1]["objectCount"] + 1),
            ["record 1", "field 'joinedObjectCount'", "more objects joined"],
        ),
        ("connected-systems.json", lambda d: d[0].pop("connector"), ["record 0", "field 'connector'"]),
        (
            "connected-systems.json",
            lambda d: d[2].update(lastUpdated="2026-01-01T00:00:00Z"),
            ["record 2", "field 'lastUpdated'", "before the system was created"],
        ),
        (
            "connected-systems.json",
            lambda d: d[0]["objectTypes"][1].update(id=1),
            ["record 0", "field 'objectTypes.1.id'", "taken"],
        ),
        (
            "connected-systems.json",
            lambda d: d[0]["objectTypes"][0]["attributes"][0].update(type="Colour"),
            ["record 0", "field 'objectTypes.0.attributes.0.type'"],
        ),
        (
            SEED_ITEMS,
            lambda d: d[4].update(outcomeSummary="Teleported:1"),
            ["record 4", "unknown outcome type 'Teleported'"],
        ),
        (
            SEED_ITEMS,
            lambda d: d[4].update(outcomeSummary="AttributeFlow"),
            ["record 4", "field 'outcomeSummary'", "Type:count"],
        ),
        (SEED_ITEMS, lambda d: d[4].update(objectChangeType="Renamed"), ["record 4", "field 'objectChangeType'"]),
        (SEED_ITEMS, lambda d: d[4].update(errorType="Gremlins"), ["record 4", "field 'errorType'"]),
    ],
)
def test_a_fixture_that_disagrees_with_the_world_names_file_record_and_field(
    fixtures: Path, file: str, change: Callable[[Any], None], expected: list[str]
) -> None:
    message = load_failure(fixtures, file, change)
    assert file.split("/")[-1] in message, message
    for fragment in expected:
        assert fragment in message, message


def test_malformed_json_names_the_file_and_position(fixtures: Path) -> None:
    (fixtures / "activities.json").write_text('[{"id": ')
    with pytest.raises(FixtureError, match=r"activities\.json: not valid JSON: .*line 1 column"):
        load(fixtures)


def check(fixtures: Path) -> subprocess.CompletedProcess[str]:
    """`mockserver check --fixtures FIXTURES`, as a user runs it."""
    command = [sys.executable, "-m", "mockserver", "check", "--fixtures", str(fixtures)]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_check_command_exits_2_naming_the_fault(fixtures: Path) -> None:
    edit(fixtures / SEED_ITEMS, lambda d: d[4].update(errorType=7))
    result = check(fixtures)
    assert result.returncode == 2
    assert "record 4" in result.stderr and "field 'errorType'" in result.stderr, result.stderr


def test_serve_with_bad_fixtures_exits_before_listening(fixtures: Path) -> None:
    edit(fixtures / "activities.json", lambda d: d[0].pop("id"))
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--fixtures", str(fixtures)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "field 'id'" in result.stderr
    assert "serving on" not in result.stderr and "Started server process" not in result.stderr


def test_create_app_raises_on_bad_fixtures(fixtures: Path) -> None:
    edit(fixtures / "api-keys.json", lambda d: d[1].pop("roles"))
    with pytest.raises(FixtureError, match=r"record 1 \(sandbox-reader\), field 'roles'"):
        create_app(Settings(fixtures_dir=fixtures))
