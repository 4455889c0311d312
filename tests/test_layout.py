"""The layout ARCHITECTURE.md states: internals in compat/ and the wiring, small modules (import-linter: layers)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from mockserver.app import create_app
from mockserver.compat import built_stack
from mockserver.settings import PROJECT_ROOT, Settings

PACKAGE = PROJECT_ROOT / "mockserver"
MODULES = sorted(PACKAGE.rglob("*.py"))
INTERNALS = (
    "connexion.apps",
    "connexion.middleware",
    "connexion.operations",
    "connexion.security",
    "connexion.validators",
    "starlette.middleware",
    "uvicorn.protocols",
)
"""Framework modules whose names the frameworks do not document as public API."""
COMPAT = PACKAGE / "compat"
MAY_IMPORT_INTERNALS = {*(f"compat/{path.name}" for path in COMPAT.glob("*.py")), "app.py"}
"""compat/ holds every internal; app.py composes Connexion's middleware stack from its classes."""
MAX_LINES = 300


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def module_id(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


@pytest.mark.parametrize("path", MODULES, ids=module_id)
def test_framework_internals_are_imported_only_by_compat_and_the_wiring(path: Path) -> None:
    if module_id(path) in MAY_IMPORT_INTERNALS:
        return
    internal = sorted(name for name in imported(path) if name.startswith(INTERNALS))
    assert not internal, f"{module_id(path)} imports {internal}: reach them through mockserver/compat/"


@pytest.mark.parametrize("path", MODULES, ids=module_id)
def test_no_module_is_over_300_lines(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{module_id(path)} has {lines} lines: split it by job"


def test_the_internals_list_names_what_compat_imports() -> None:
    # Without this, a renamed framework module would let the check above pass vacuously.
    used = {name for path in COMPAT.glob("*.py") for name in imported(path) if name.startswith(INTERNALS)}
    assert {name.split(".")[0] for name in used} == {"connexion", "starlette", "uvicorn"}, used


ARCHITECTURE = PROJECT_ROOT / "ARCHITECTURE.md"
EVERY_CONTROL = {
    "journal_size": 10,
    "cors_origins": ("http://localhost:3000",),
    "rate_limit": True,
    "prefer": True,
    "fault_rate": 0.1,
    "validate_responses": True,
}
"""Every control on, in the jim profile (its web-UI fallback and security headers): the stack at its fullest."""


def table_layers() -> list[str]:
    """What each row of ARCHITECTURE.md's request table names as its layer: a module path, or Connexion's class."""
    text = ARCHITECTURE.read_text(encoding="utf-8")
    section = text.split("## A request, stage by stage", 1)[1].split("\n## ", 1)[0]
    named = []
    for row in section.splitlines():
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("stage", "---") or cells[0].startswith("---") or cells[0] == "handler":
            continue
        first = re.search(r"`([^`]+)`", cells[2])
        assert first is not None, f"ARCHITECTURE.md's row {row!r} names no module"
        named.append(first[1])
    return named


def built_layers() -> list[str]:
    """The layers the app builds with every control on, outermost first: our modules by path, Connexion's by class."""
    app = create_app(Settings(profile="jim", **EVERY_CONTROL))
    with app.test_client() as client:
        client.get("/api/v1/health")
        stack = built_stack(app)[:-1]  # the operations' app at the bottom is the handler row
    named = []
    for layer in stack:
        module = type(layer).__module__
        if module.startswith("mockserver."):
            named.append(module.removeprefix("mockserver.").replace(".", "/") + ".py")
        else:
            named.append(type(layer).__name__)
    return named


def test_architectures_request_table_is_the_stack_in_its_order() -> None:
    assert table_layers() == built_layers()
