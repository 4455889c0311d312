"""A bad fixture stops start-up with a message naming the file, the record and the field."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mockserver.app import create_app, load_spec
from mockserver.settings import PROJECT_ROOT, Settings
from mockserver.store import FixtureError, load_store

FIXTURES = PROJECT_ROOT / "fixtures"
SEED_ITEMS = "items/a1b2c3d4-e5f6-7890-abcd-ef1234567890.json"


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    copy = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, copy)
    return copy


def edit(path: Path, change: Callable[[Any], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def load(fixtures: Path) -> None:
    load_store(fixtures, load_spec(PROJECT_ROOT / "openapi.yaml"), seed=0)


def test_shipped_fixtures_are_valid() -> None:
    store = load_store(FIXTURES, load_spec(PROJECT_ROOT / "openapi.yaml"), seed=0)
    assert len(store.activities) >= 4 and len(store.keys) == 5


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
        ("activities.json", lambda d: d.append(dict(d[0])), ["record 5", "duplicate id"]),
        ("api-keys.json", lambda d: d[0].update(keySha256="abc"), ["api-keys.json", "record 0", "field 'keySha256'"]),
        ("api-keys.json", lambda d: d[3].update(expiresAt="yesterday"), ["record 3", "field 'expiresAt'"]),
    ],
)
def test_bad_record_names_file_record_and_field(
    fixtures: Path, file: str, change: Callable[[Any], None], expected: list[str]
) -> None:
    edit(fixtures / file, change)
    with pytest.raises(FixtureError) as raised:
        load(fixtures)
    message = str(raised.value)
    assert str(fixtures / file).split("/")[-1] in message or "missing.json" in message
    for fragment in expected:
        assert fragment in message, message


def test_malformed_json_names_the_file_and_position(fixtures: Path) -> None:
    (fixtures / "activities.json").write_text('[{"id": ')
    with pytest.raises(FixtureError, match=r"activities\.json: not valid JSON: .*line 1 column"):
        load(fixtures)


def test_check_command_exits_2_naming_the_fault(fixtures: Path) -> None:
    edit(fixtures / SEED_ITEMS, lambda d: d[4].update(errorType=7))
    result = subprocess.run(
        [sys.executable, "-m", "mockserver", "check", "--fixtures", str(fixtures)],
        capture_output=True,
        text=True,
        timeout=60,
    )
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
    assert "Uvicorn running" not in result.stderr


def test_create_app_raises_on_bad_fixtures(fixtures: Path) -> None:
    edit(fixtures / "api-keys.json", lambda d: d[1].pop("roles"))
    with pytest.raises(FixtureError, match=r"record 1 \(sandbox-reader\), field 'roles'"):
        create_app(Settings(fixtures_dir=fixtures))
