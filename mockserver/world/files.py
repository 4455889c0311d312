"""Reading fixture files and reporting a bad one: every message names the file, the record and the field."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
from jsonschema.exceptions import ValidationError

from mockserver.startup import StartupError


class FixtureError(StartupError):
    """A fixture that cannot be served; the message names the file, the record and the field."""

    kind = "bad fixture"


def fixture_error(path: Path, index: int, label: object, field: str, problem: str) -> FixtureError:
    """The error for one field of one record: `file: record N (label), field 'f': problem`."""
    where = f"record {index}" + (f" ({label})" if label is not None else "")
    return FixtureError(f"{path}: {where}, field '{field}': {problem}")


def read_json(path: Path) -> Any:
    """A fixture file's JSON; any fault reading it (missing, a folder, unreadable, a symlink loop, not UTF-8,
    not JSON) is a FixtureError naming the file, and the byte for text that is not UTF-8."""
    try:
        if path.exists() and not path.is_file():
            # Before opening: a FIFO or a device would block or never end.
            kind = "a folder" if path.is_dir() else "not a regular file"
            raise FixtureError(f"{path}: {kind}, where a JSON file should be")
        data = path.read_bytes()
    except FileNotFoundError:
        raise FixtureError(f"{path}: file not found") from None
    except OSError as exc:
        raise FixtureError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise FixtureError(f"{path}: not UTF-8: byte {bad.start} (0x{data[bad.start]:02x}) {bad.reason}") from None
        raise FixtureError(f"{path}: not valid JSON: {exc}") from None


def field_name(error: ValidationError) -> str:
    parts = [str(p) for p in error.absolute_path]
    if error.validator == "required":
        missing = str(error.message).split("'")[1] if "'" in error.message else "?"
        parts.append(missing)
    return ".".join(parts) or "(record)"


def check_records(path: Path, records: Any, validator: Any, what: str) -> list[dict[str, Any]]:
    """Every record must be an object valid against `validator`; the first failure stops start-up."""
    if not isinstance(records, list):
        raise FixtureError(f"{path}: expected a JSON array of {what} records, got {type(records).__name__}")
    for index, record in enumerate(records):
        error = next(iter(sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))), None)
        if error is not None:
            label = record.get("id", record.get("name")) if isinstance(record, dict) else None
            raise fixture_error(path, index, label, field_name(error), error.message)
    return records


def unique(path: Path, values: Iterable[object], what: str) -> None:
    seen: set[object] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise fixture_error(path, index, value, what, f"duplicate {what} {value}")
        seen.add(value)
