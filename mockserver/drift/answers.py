"""An answer as the drift report compares it: status, media type, the shape of its body, its values and headers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from mockserver.http import JSON

MASKED = frozenset({"timestamp", "traceId", "retrievedAt", "elapsedSeconds"})
"""Body fields that change with every request (or, for progress, with the moment it is asked): compared as present,
never by value."""
UNCOMPARED_HEADERS = frozenset(
    {"date", "server", "content-length", "transfer-encoding", "connection", "keep-alive", "set-cookie"}
)
"""Volatile or transport headers. The content type's media type has a column of its own; the whole header is
compared too, so that a parameter (`; charset=utf-8`) that differs is listed once."""
NONE = "(none)"
DROPPED, ADDED = "\N{MINUS SIGN}", "+"


# --- an answer, as compared ------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: str
    media_type: str
    shape: str
    """Compact, for the report."""
    form: str
    """Complete and key-order-free, for comparing."""
    leaves: Mapping[str, Sequence[str]]
    """Every leaf value as JSON, by its path with array indexes collapsed to `[]`, in the order sent."""
    headers: Mapping[str, str]
    """By lower-case name, a repeated header's values joined."""
    keys: tuple[str, ...] = ()
    """Every key's path in the body (`items[].id`), in the order sent."""


def answer(response: httpx.Response) -> Answer:
    status = str(response.status_code)
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower() or NONE
    headers = {
        name: ", ".join(response.headers.get_list(name))
        for name in sorted({name.lower() for name in response.headers})
        if name not in UNCOMPARED_HEADERS
    }
    if not response.content:
        return Answer(status, media_type, "(empty)", "(empty)", {}, headers)
    text = {"(body)": [orjson.dumps(response.content.decode("utf-8", "replace")).decode()]}
    if not (media_type == JSON or media_type.endswith("+json")):
        return Answer(status, media_type, media_type, media_type, text, headers)
    try:
        body = masked(orjson.loads(response.content))
    except orjson.JSONDecodeError:
        return Answer(status, media_type, "(not JSON)", "(not JSON)", text, headers)
    leaves: dict[str, list[str]] = {}
    collect(body, "", leaves)
    keys: dict[str, None] = {}
    key_paths(body, "", keys)
    return Answer(status, media_type, shape(body, limit=2), shape(body), leaves, headers, tuple(keys))


def masked(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: "(masked)" if key in MASKED else masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


def collect(value: Any, path: str, into: dict[str, list[str]]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            collect(item, f"{path}.{key}" if path else key, into)
    elif isinstance(value, list):
        for item in value:
            collect(item, f"{path}[]", into)
    else:
        into.setdefault(path or "(body)", []).append(orjson.dumps(value).decode())


def shape(value: Any, depth: int = 1, limit: int | None = None) -> str:
    """Keys and nesting without values: `{code, message, validationErrors{page[]}}`. Past `limit` levels an
    object is `{…}`; with no limit keys are sorted, so that what is sent counts and not its order."""
    if isinstance(value, dict):
        if limit is not None and depth > limit:
            return "{…}"
        keys = list(value) if limit is not None else sorted(value)
        return "{" + ", ".join(key + nested(value[key], depth + 1, limit) for key in keys) + "}"
    if isinstance(value, list):
        return nested(value, depth, limit)
    return "null" if value is None else type(value).__name__


def nested(value: Any, depth: int, limit: int | None) -> str:
    """What follows a key: nothing for a value, an object's keys, or `[]` around what its elements hold."""
    if isinstance(value, dict):
        return shape(value, depth, limit)
    if isinstance(value, list):
        inner = dict.fromkeys(nested(item, depth + 1, limit) for item in value)
        return "[" + " | ".join(e for e in (inner if limit is not None else sorted(inner)) if e) + "]"
    return ""


def key_paths(value: Any, path: str, into: dict[str, None]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            into[f"{path}{key}"] = None
            key_paths(item, f"{path}{key}.", into)
    elif isinstance(value, list):
        for item in value:
            key_paths(item, f"{path.rstrip('.')}[].", into)


def shape_change(left: Answer, right: Answer) -> tuple[str, ...] | None:
    """How the bodies' shapes differ: for bodies mostly alike (half their top-level keys shared), the keys the
    right adds and drops; otherwise both shapes, compact where that tells them apart."""
    if left.form == right.form:
        return None
    tops = [{key for key in answer.keys if "." not in key and "[" not in key} for answer in (left, right)]
    if tops[0] and tops[1] and 2 * len(tops[0] & tops[1]) >= len(tops[0] | tops[1]):
        text = "; ".join(
            part for part in (grouped(left.keys, right.keys, DROPPED), grouped(right.keys, left.keys, ADDED)) if part
        )
        if text:
            return (text,)
    return (left.shape, right.shape) if left.shape != right.shape else (left.form, right.form)


def grouped(keys: Sequence[str], others: Sequence[str], sign: str) -> str:
    """`sign parent{a, b}` for the keys not among `others` (not those under one already listed), by parent."""
    missing = set(others)
    groups: dict[str, list[str]] = {}
    shown: list[str] = []
    for key in keys:
        if key in missing or any(key.startswith(f"{top}.") or key.startswith(f"{top}[]") for top in shown):
            continue
        shown.append(key)
        parent, _, name = key.rpartition(".")
        groups.setdefault(parent, []).append(name)
    return "; ".join(f"{sign} {parent}{{{', '.join(names)}}}" for parent, names in groups.items())
