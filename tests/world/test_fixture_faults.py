"""Fixture folders broken as a disk or a careless copy breaks them: each is refused at start-up, exit 2, one line."""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mockserver.profiles.spec import load_spec
from mockserver.settings import PROJECT_ROOT
from mockserver.world.store import FixtureError, load_store

FIXTURES = PROJECT_ROOT / "fixtures"
SEED_ITEMS = "items/a1b2c3d4-e5f6-7890-abcd-ef1234567890.json"
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


@pytest.fixture
def fixtures(tmp_path: Path) -> Path:
    copy = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, copy)
    return copy


def without_root_file_access() -> None:
    """Run as root, the check would read any file whatever its mode: drop the capabilities that allow it."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "cannot drop a capability, so an unreadable file would be read")


def check(fixtures: Path) -> subprocess.CompletedProcess[str]:
    """`mockserver check` on the folder, as a user who cannot read what its modes forbid; it must not hang."""
    return subprocess.run(
        [sys.executable, "-m", "mockserver", "check", "--fixtures", str(fixtures)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=without_root_file_access,
    )


def loop(path: Path) -> None:
    path.unlink()
    path.symlink_to(path.name)


def folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


def fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def unreadable(path: Path) -> None:
    path.chmod(0)


def bad_utf8(path: Path) -> None:
    text = path.read_bytes()
    offset = text.index(b"Delta Import")
    path.write_bytes(text[:offset] + b"\xff" + text[offset + 1 :])


def edit(change: Callable[[list[dict[str, object]]], None]) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        records = json.loads(path.read_text())
        change(records)
        path.write_text(json.dumps(records))

    return apply


def disable_administrators(keys: list[dict[str, object]]) -> None:
    for key in keys:
        if "Administrator" in key["roles"]:  # type: ignore[operator]
            key["enabled"] = False


def expire_administrators(keys: list[dict[str, object]]) -> None:
    for key in keys:
        if "Administrator" in key["roles"]:  # type: ignore[operator]
            key["expiresAt"] = "2020-01-01T00:00:00Z"


def keep_readers(keys: list[dict[str, object]]) -> None:
    keys[:] = [key for key in keys if "Administrator" not in key["roles"]]  # type: ignore[operator]


BAD_UTF8_OFFSET = (FIXTURES / "connected-systems.json").read_bytes().index(b"Delta Import")
NO_ADMINISTRATOR = "no enabled, unexpired key with the Administrator role"

CASES = {
    "keys-loop": ("api-keys.json", loop, ["api-keys.json: cannot be read: Too many levels of symbolic links"]),
    "activities-loop": ("activities.json", loop, ["activities.json: cannot be read: Too many levels"]),
    "items-loop": (SEED_ITEMS, loop, ["activities.json: record 0", "field 'items.file'", "not a usable path"]),
    "systems-folder": ("connected-systems.json", folder, ["connected-systems.json: a folder, where a JSON file"]),
    "items-folder": (SEED_ITEMS, folder, [".json: a folder, where a JSON file should be"]),
    "keys-fifo": ("api-keys.json", fifo, ["api-keys.json: not a regular file"]),
    "keys-unreadable": ("api-keys.json", unreadable, ["api-keys.json: cannot be read: Permission denied"]),
    "items-unreadable": (SEED_ITEMS, unreadable, [".json: cannot be read: Permission denied"]),
    "systems-not-utf8": (
        "connected-systems.json",
        bad_utf8,
        [f"connected-systems.json: not UTF-8: byte {BAD_UTF8_OFFSET} (0xff)"],
    ),
    "items-nul": (
        "activities.json",
        edit(lambda records: records[0].update(items={"file": "items/\u0000.json"})),
        ["record 0", "field 'items.file'", "not a usable path: embedded null byte"],
    ),
    "keys-empty": ("api-keys.json", edit(lambda keys: keys.clear()), [NO_ADMINISTRATOR]),
    "keys-readers-only": ("api-keys.json", edit(keep_readers), [NO_ADMINISTRATOR]),
    "keys-administrators-disabled": ("api-keys.json", edit(disable_administrators), [NO_ADMINISTRATOR]),
    "keys-administrators-expired": ("api-keys.json", edit(expire_administrators), [NO_ADMINISTRATOR]),
}


SUBPROCESS = {"keys-fifo", "keys-unreadable", "items-unreadable"}
"""Checked by `mockserver check` in a process of its own: a FIFO would hang this one if it were opened, and an
unreadable file needs a process without root's file access."""
SPEC = load_spec(PROJECT_ROOT / "openapi.yaml")


def refusal(fixtures: Path, case: str) -> str:
    """The one line start-up prints for the folder: from `mockserver check` (exit 2, no traceback), or as it
    would print it."""
    if case in SUBPROCESS:
        result = check(fixtures)
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        [line] = result.stderr.splitlines()
        return line
    with pytest.raises(FixtureError) as raised:
        load_store(fixtures, SPEC, seed=0)
    return raised.value.line()


@pytest.mark.parametrize("case", list(CASES))
def test_a_broken_fixture_folder_is_refused_naming_the_file(fixtures: Path, case: str) -> None:
    name, breakage, expected = CASES[case]
    breakage(fixtures / name)
    line = refusal(fixtures, case)
    assert line.startswith("mockserver: bad fixture: " + str(fixtures)), line
    for fragment in expected:
        assert fragment in line, line


def test_an_unreadable_fixtures_folder_is_refused(fixtures: Path) -> None:
    fixtures.chmod(0)
    try:
        result = check(fixtures)
    finally:
        fixtures.chmod(0o755)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert f"'{fixtures}' is not readable" in result.stderr
