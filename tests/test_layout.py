"""The layout ARCHITECTURE.md states: internals in compat/ and the wiring, small modules (import-linter: layers)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from mockserver.settings import PROJECT_ROOT

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
