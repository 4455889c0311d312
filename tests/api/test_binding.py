"""ASP.NET model binding of an action's parameters, as the jim list's filters use it (mockserver/api/binding.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mockserver.api import binding

STATUS = {"type": "string", "enum": ["NotSet", "InProgress", "Complete", "CompleteWithWarning"]}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Complete", ("Complete", None)),
        ("complete", ("Complete", None)),  # names in any case
        ("  COMPLETE ", ("Complete", None)),  # blanks around
        ("2", ("Complete", None)),  # a number the enum defines
        ("+2", ("Complete", None)),
        ("0", ("NotSet", None)),
        ("InProgress,Complete", ("CompleteWithWarning", None)),  # comma-separated values OR-ed: 1 | 2 = 3
        ("9", (None, "The value '9' is invalid.")),  # a number it does not define
        ("-1", (None, "The value '-1' is invalid.")),
        ("Bogus", (None, "The value 'Bogus' is not valid.")),
        ("Complete,", (None, "The value 'Complete,' is not valid.")),
        ("99999999999", (None, "The value '99999999999' is not valid.")),  # beyond 32 bits: an overflow
    ],
)
def test_an_enum_binds_by_name_in_any_case_or_by_a_number_it_defines(
    raw: str, expected: tuple[str | None, str | None]
) -> None:
    assert binding.enum(raw, STATUS["enum"]) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "95ca7827-c9b4-4f69-a487-f8b10c8a070c",
        "95CA7827-C9B4-4F69-A487-F8B10C8A070C",
        "95ca7827c9b44f69a487f8b10c8a070c",
        "{95ca7827-c9b4-4f69-a487-f8b10c8a070c}",
        "(95ca7827-c9b4-4f69-a487-f8b10c8a070c)",
        " 95ca7827-c9b4-4f69-a487-f8b10c8a070c ",
    ],
)
def test_a_guid_binds_in_every_form_net_parses(raw: str) -> None:
    assert binding.guid(raw) == "95ca7827-c9b4-4f69-a487-f8b10c8a070c"


@pytest.mark.parametrize(
    "raw", ["95ca7827-c9b4-4f69-a487", "{95ca7827c9b44f69a487f8b10c8a070c}", "g5ca7827c9b44f69a487f8b10c8a070c"]
)
def test_anything_else_is_not_a_guid(raw: str) -> None:
    assert binding.guid(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-04-04", datetime(2026, 4, 4, tzinfo=UTC)),
        ("2026-04-04T06:30", datetime(2026, 4, 4, 6, 30, tzinfo=UTC)),
        ("2026-04-04T06:30:15.1234567Z", datetime(2026, 4, 4, 6, 30, 15, 123457, tzinfo=UTC)),
        ("2026-04-04 06:30:15", datetime(2026, 4, 4, 6, 30, 15, tzinfo=UTC)),  # no offset: UTC, JIM's zone
        ("2026-04-04T08:30:15+02:00", datetime(2026, 4, 4, 6, 30, 15, tzinfo=UTC)),
        ("2026-04-04T01:30:15-0500", datetime(2026, 4, 4, 6, 30, 15, tzinfo=UTC)),
        ("2026-02-30", None),
        ("0000-01-01", None),  # .NET's years start at 1
        ("04/04/2026", None),  # a culture's form: not taken
        ("2026-04-04T06:30:15+15:00", None),
        ("yesterday", None),
    ],
)
def test_a_date_and_time_binds_from_iso_8601_in_utc(raw: str, expected: datetime | None) -> None:
    assert binding.date_time(raw) == expected


@pytest.mark.parametrize(
    ("raws", "schema", "expected"),
    [
        (["TRUE"], {"type": "boolean"}, (True, [])),
        ([" false\t"], {"type": "boolean"}, (False, [])),
        (["1"], {"type": "boolean"}, (None, ["The value '1' is not valid."])),
        ([""], {"type": "boolean"}, (None, [])),  # a nullable value: blank is no filter
        (["x", "ignored"], {"type": "string"}, ("x", [])),  # a single value: the first
        (["Complete", "inprogress"], {"type": "array", "items": STATUS}, (("Complete", "InProgress"), [])),
        (["Complete", ""], {"type": "array", "items": STATUS}, (("Complete",), ["The value '' is invalid."])),
        (["a", ""], {"type": "array", "items": {"type": "string"}}, (("a", None), [])),  # text holds null
        ([""], {"type": "boolean"}, (None, [])),  # bool? binds a blank value to null
        ([" "], {"type": "boolean", "x-not-nullable": True}, (None, ["The value ' ' is invalid."])),  # bool cannot
        (["TRUE"], {"type": "boolean", "x-not-nullable": True}, (True, [])),
        (
            ["x", "not-a-guid"],
            {"type": "array", "items": {"type": "string", "format": "uuid"}},
            ((), ["The value 'x' is not valid.", "The value 'not-a-guid' is not valid."]),
        ),
    ],
)
def test_a_parameter_binds_its_first_value_or_each_of_a_list(
    raws: list[str], schema: dict[str, Any], expected: tuple[Any, list[str]]
) -> None:
    assert binding.bind(raws, schema) == expected
