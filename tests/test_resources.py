"""Where the package reads its contract and fixtures: the checkout's top-level files, or the wheel's copies."""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path

import pytest

from mockserver import resources
from mockserver.profiles import JIM
from mockserver.settings import PROJECT_ROOT, Settings

WHEEL = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["build"][
    "targets"
]["wheel"]
READ = [resources.SPEC, resources.ADMIN_SPEC, resources.OVERLAYS, resources.FIXTURES]
"""Everything the package reads from outside its modules."""


def test_a_checkout_reads_its_top_level_files_not_a_copy() -> None:
    assert resources.ROOT == PROJECT_ROOT, "a mockserver/data folder in the checkout would shadow the edited files"
    assert all(path.exists() for path in READ)
    assert (Settings().spec_path, Settings().fixtures_dir) == (resources.SPEC, resources.FIXTURES)
    assert JIM.overlay is not None and JIM.overlay.is_relative_to(resources.OVERLAYS)


@pytest.mark.parametrize("path", READ, ids=lambda path: path.name)
def test_the_wheel_carries_each_file_where_an_installed_package_reads_it(path: Path) -> None:
    relative = path.relative_to(resources.ROOT).as_posix()
    packaged = f"mockserver/data/{relative}"
    assert WHEEL["force-include"].get(relative) == packaged, f"pyproject.toml must put {relative} at {packaged}"


def test_the_wheel_holds_the_server_and_the_contract_suite() -> None:
    assert WHEEL["packages"] == ["mockserver", "contract_tests"]
    assert (PROJECT_ROOT / "contract_tests" / "schemathesis.toml").is_file(), "the suite's Schemathesis settings"


@pytest.mark.parametrize(("key", "administrator"), [(resources.ADMIN_KEY, True), (resources.READER_KEY, False)])
def test_the_keys_handed_to_client_suites_are_the_built_in_fixtures_keys(key: str, administrator: bool) -> None:
    records = json.loads((resources.FIXTURES / "api-keys.json").read_text(encoding="utf-8"))
    (record,) = [r for r in records if r["keySha256"] == hashlib.sha256(key.encode()).hexdigest()]
    assert record["enabled"] and ("Administrator" in record["roles"]) is administrator
