"""ASP.NET model binding of an action's own parameters, for the parameters a spec marks `x-binding: aspnet`.

How ASP.NET Core turns a query value into an enum, a GUID, a bool or a DateTime (its type converters, then
EnumTypeModelBinder's check that an enum value is defined), and the messages its ModelStateDictionary
writes for a parameter (not a property: no name in the message). A collection binds each repeated value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from mockserver.text import quoted
from mockserver.world.paging import INT32_MAX, INT32_MIN

ASPNET = "aspnet"
"""The value of a parameter's `x-binding` that selects these rules."""
NOT_NULLABLE = "x-not-nullable"
"""A schema's mark for a value type that is not nullable (`bool`, not `bool?`): a blank value cannot bind to it."""

HYPHENATED = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
DOTNET_GUID = re.compile(
    r"\s*(?:(?P<n>[0-9a-fA-F]{32})|(?P<d>%s)|\{(?P<b>%s)\}|\((?P<p>%s)\))\s*" % ((HYPHENATED,) * 3)
)
"""What .NET's Guid.Parse accepts: 32 digits, the hyphenated form, or that form in braces or parentheses, any case,
blanks around (not the rare hexadecimal-struct form)."""
_NUMBER = re.compile(r"[+-]?[0-9]+")
_DATE_TIME = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)(?:[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,7}))?)?)?(Z|[+-]\d\d(?::?\d\d)?)?"
)


def guid(raw: str) -> str | None:
    """The GUID a value parses to as .NET reads it, hyphenated and lower case, or None."""
    match = DOTNET_GUID.fullmatch(raw)
    if match is None:
        return None
    text = next(group for group in match.groups() if group).replace("-", "").lower()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def date_time(raw: str) -> datetime | None:
    """An ISO 8601 date or date and time, in UTC: one with an offset converted, one without taken as UTC (JIM's
    server runs in UTC). DateTime.Parse accepts more forms (culture-dependent ones); the sandbox takes ISO only."""
    match = _DATE_TIME.fullmatch(raw.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    except ValueError:
        return None
    moment += timedelta(microseconds=round(int((fraction or "0").ljust(7, "0")) / 10))
    if zone in (None, "Z"):
        return moment.replace(tzinfo=UTC)
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    if offset > timedelta(hours=14):
        return None
    return moment.replace(tzinfo=timezone(sign * offset)).astimezone(UTC)


def enum(raw: str, names: Sequence[str]) -> tuple[str | None, str | None]:
    """EnumConverter then EnumTypeModelBinder: names in any case or numbers, comma-separated ones OR-ed together,
    then the value must be one the enum defines (its names are numbered from 0, in order)."""
    value = 0
    lowered = [name.lower() for name in names]
    for part in raw.split(","):
        text = part.strip()
        if _NUMBER.fullmatch(text) and INT32_MIN <= int(text) <= INT32_MAX:
            value |= int(text)
        elif text.lower() in lowered:
            value |= lowered.index(text.lower())
        else:
            return None, f"The value '{quoted(raw)}' is not valid."
    if not 0 <= value < len(names):
        return None, f"The value '{quoted(raw)}' is invalid."
    return names[value], None


def plain_text(schema: Mapping[str, Any]) -> bool:
    """A string that is only a string: a reference type, so a blank value binds to null without complaint."""
    return schema.get("type") == "string" and "format" not in schema and "enum" not in schema


def scalar(raw: str, schema: Mapping[str, Any]) -> tuple[Any, str | None]:
    """One value by its schema: (value, None) or (None, message); a blank one is null."""
    if not raw.strip():
        return None, None
    if plain_text(schema):
        return raw, None
    if "enum" in schema:
        return enum(raw, schema["enum"])
    form = schema.get("format")
    parsed: Any = None
    if form == "uuid":
        parsed = guid(raw)
    elif form == "date-time":
        parsed = date_time(raw)
    elif schema.get("type") == "boolean":
        parsed = {"true": True, "false": False}.get(raw.strip(" \t\r\n\0").lower())
    return (parsed, None) if parsed is not None else (None, f"The value '{quoted(raw)}' is not valid.")


def bind(raws: Sequence[str], schema: Mapping[str, Any]) -> tuple[Any, list[str]]:
    """A parameter's values (every one given, in order) as ASP.NET binds them: (value, messages). A scalar takes
    the first; a collection binds each, where a blank one is null, which only text may hold."""
    if schema.get("type") != "array":
        value, problem = scalar(raws[0], schema)
        if value is None and problem is None and schema.get(NOT_NULLABLE):
            problem = f"The value '{quoted(raws[0])}' is invalid."  # SimpleTypeModelBinder: ValueMustNotBeNull
        return value, [problem] if problem else []
    element = schema.get("items", {})
    values: list[Any] = []
    problems: list[str] = []
    for raw in raws:
        value, problem = scalar(raw, element)
        if problem is None and value is None and not plain_text(element):
            problem = f"The value '{quoted(raw)}' is invalid."
        if problem:
            problems.append(problem)
        else:
            values.append(value)
    return tuple(values), problems
