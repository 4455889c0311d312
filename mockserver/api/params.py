"""The contract's parameter rules, which Connexion lacks: strict parsing, every error at once, the depth ceiling."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import unquote

from starlette.types import Scope

from mockserver import errors
from mockserver.api import binding
from mockserver.api.wording import DOCUMENTED_WORDING, Wording
from mockserver.http import MAX_QUERY_PARAMETERS, header_values
from mockserver.memo import Memo
from mockserver.scope import FIELDS, Params, set_params
from mockserver.startup import StartupError
from mockserver.world import paging

GUID = re.compile(binding.HYPHENATED)
PARSED_REQUESTS = 4096
"""Parsed requests kept across the operations (the memo `parameters`), least recently used out first."""
MEMO_QUERY_BYTES = 512
"""Longer queries are parsed every time, so the memo stays under a few megabytes."""

ParsedKey = tuple[object, bytes, tuple[tuple[str, str], ...], tuple[str, ...]]
"""What a request's parameters are a function of: the operation's rules, the query, the path, the checked headers."""


def query_pairs(query_string: bytes, max_fields: int | None = None) -> list[tuple[str, str]]:
    """The query's (name, value) pairs as `urllib.parse.parse_qsl(…, keep_blank_values=True)` reads the
    latin-1 text, more than `max_fields` a ValueError; only names and values that need it are unquoted."""
    text = query_string.decode("latin-1")
    if not text:
        return []
    if max_fields is not None and 1 + text.count("&") > max_fields:
        raise ValueError("Max number of fields exceeded")
    pairs: list[tuple[str, str]] = []
    for field in text.split("&"):
        if not field:
            continue
        name, _, value = field.partition("=")
        if "+" in name or "%" in name:
            name = unquote(name.replace("+", " "))
        if "+" in value or "%" in value:
            value = unquote(value.replace("+", " "))
        pairs.append((name, value))
    return pairs


def every_value(query_string: bytes, fold_case: bool = False) -> dict[str, list[str]]:
    """Query parameters with every value of a repeated one, in order (`fold_case` as for first_values)."""
    values: dict[str, list[str]] = {}
    for key, value in query_pairs(query_string):
        values.setdefault(key.lower() if fold_case else key, []).append(value)
    return values


def first_values(query_string: bytes, fold_case: bool = False) -> dict[str, str]:
    """Query parameters, the first value winning when one is repeated (Connexion's parser keeps the last).

    `fold_case`: keys lower-cased, so `PAGE` and `page` are one parameter (as ASP.NET binds them).
    More than MAX_QUERY_PARAMETERS is a 400, found by counting separators before anything is parsed."""
    values: dict[str, str] = {}
    try:
        pairs = query_pairs(query_string, MAX_QUERY_PARAMETERS)
    except ValueError:
        raise errors.too_many_parameters(MAX_QUERY_PARAMETERS) from None
    for key, value in pairs:
        values.setdefault(key.lower() if fold_case else key, value)
    return values


HeaderCheck = Callable[[str], tuple[Any, str | None]]
"""Parses one header's raw value: (value, None) or (None, message). Only headers given a check are read."""


class OperationRules:
    """One operation's declared path and query parameters, checked by their schema, every error collected.

    Built once per operation at start-up. Absent parameters take their schema's default (None
    without one); `page` and `pageSize`, when the operation has both, become their effective values
    and face the depth ceiling. Declared header parameters are read only when the app gives them a
    check (the Prefer header when the server honours it), so a server with every control off does
    no header work here.
    """

    def __init__(
        self,
        parameters: Sequence[Mapping[str, Any]],
        header_checks: Mapping[str, HeaderCheck] | None = None,
        wording: Wording = DOCUMENTED_WORDING,
        fold_query_case: bool = False,
        memo: Memo[ParsedKey, Params] | None = None,
    ) -> None:
        """`memo`: where parsed requests are kept, shared by the operations (one of their own without it)."""
        self.wording = wording
        self.fold_query_case = fold_query_case
        self.by_location: dict[str, list[Mapping[str, Any]]] = {}
        for param in parameters:
            if param["name"] not in FIELDS:
                raise StartupError(f"the spec declares a parameter {param['name']!r} the server has no field for")
            self.by_location.setdefault(param["in"], []).append(param)
        checks = header_checks or {}
        self.header_checks = [
            (param["name"], param["name"].lower().encode("latin-1"), checks[param["name"]])
            for param in self.by_location.get("header", [])
            if param["name"] in checks
        ]
        self.paged = {"page", "pageSize"} <= {p["name"] for p in self.by_location.get("query", [])}
        # Parameters an ASP.NET action binds itself (the jim list's filters): every value, keyed by their own name.
        self.bound = [param for param in self.by_location.get("query", []) if param.get("x-binding") == binding.ASPNET]
        self.by_location["query"] = [p for p in self.by_location.get("query", []) if p not in self.bound]
        # What parsing needs of each path and query parameter, looked up once: (name, the key it is read by,
        # its schema, its default, whether blank text counts as absent).
        self.plan = [
            [
                (
                    param["name"],
                    param["name"].lower() if fold_query_case and location == "query" else param["name"],
                    param.get("schema", {}),
                    param.get("schema", {}).get("default"),
                    wording.blank_text_is_null and param.get("schema", {}).get("type") == "string",
                )
                for param in self.by_location.get(location, [])
            ]
            for location in ("path", "query")
        ]
        # A request repeated (same query, path and checked headers) gets the Params already parsed
        # for it: parsing is a pure function of those. Refusals are not kept (an exception is never
        # kept), so every invalid request is parsed and reported afresh.
        self.memo: Memo[ParsedKey, Params] = memo or Memo("parameters", PARSED_REQUESTS)

    def __call__(self, scope: Scope) -> None:
        query_string: bytes = scope.get("query_string", b"")
        path = tuple(scope.get("path_params", {}).items())
        headers = tuple(header_values(scope, raw_name) for _, raw_name, _ in self.header_checks)
        if len(query_string) > MEMO_QUERY_BYTES:
            set_params(scope, self.parse(query_string, path, headers))
            return
        key = (self, query_string, path, headers)
        parsed = self.memo.get(key)
        if parsed is None:
            parsed = self.memo.put(key, self.parse(query_string, path, headers))
        set_params(scope, parsed)

    def parse(
        self, query_string: bytes, path_items: tuple[tuple[str, str], ...], header_values: tuple[str, ...]
    ) -> Params:
        """The parameters of one request from everything they depend on, or the catalogue's 400."""
        fold = self.fold_query_case
        query = first_values(query_string, fold)
        path = dict(path_items)
        wording = self.wording
        problems: dict[str, list[str]] = {}
        parsed: dict[str, Any] = {}
        for plan, raw_values in zip(self.plan, (path, query), strict=True):
            for name, key, schema, default, blank_is_absent in plan:
                raw = raw_values.get(key)
                if raw is None or (blank_is_absent and not raw.strip()):
                    parsed[name] = default
                    continue
                value, problem = check_value(name, str(raw), schema, wording)
                if problem:
                    problems.setdefault(wording.field(name), []).append(problem)
                parsed[name] = value
        for (name, _, check), raw in zip(self.header_checks, header_values, strict=True):
            value, problem = check(raw) if raw else (None, None)
            if problem:
                problems.setdefault(wording.field(name), []).append(problem)
            parsed[name] = value
        depth = None
        page_key, size_key = wording.field("page"), wording.field("pageSize")
        if (
            self.paged
            and page_key not in problems
            and size_key not in problems
            and not (problems and wording.depth_alone)
        ):
            parsed["page"] = paging.effective_page(parsed["page"])
            parsed["pageSize"] = paging.effective_page_size(parsed["pageSize"])
            depth = paging.depth_error(parsed["page"], parsed["pageSize"])
            if depth:
                depth = wording.depth(parsed["page"], parsed["pageSize"], depth)
                problems[page_key] = [depth]
        if self.bound:
            # After the depth ceiling: ASP.NET validates the paging object on its own, whatever else failed to bind.
            every = every_value(query_string, fold)
            for param in self.bound:
                raws = every.get(param["name"].lower() if fold else param["name"])
                if raws:
                    parsed[param["name"]], found = binding.bind(raws, param.get("schema", {}))
                    if found:
                        problems[param["name"]] = found
        if problems:
            # Reported with every other problem; its own message leads only when it is the one problem.
            if depth and len(problems) == 1:
                raise errors.validation_error(problems, message=depth)
            raise errors.validation_error(problems)
        return Params(**{FIELDS[name]: value for name, value in parsed.items() if value is not None})


def check_value(
    name: str, raw: str, schema: dict[str, Any], wording: Wording = DOCUMENTED_WORDING
) -> tuple[Any, str | None]:
    """Parse one raw value by its declared schema (type, format, enum, maxLength): (value, None) or (None, message)."""
    kind, fmt = schema.get("type"), schema.get("format")
    value: Any = raw
    if kind == "integer":
        value = paging.parse_int32(raw)
        if value is None:
            return None, wording.not_an_integer(name, raw)
    elif kind == "boolean":
        if raw not in ("true", "false"):
            return None, wording.not_allowed(name, raw, ["true", "false"])
        value = raw == "true"
    elif kind == "string" and fmt == "uuid":
        if not GUID.fullmatch(raw):
            return None, wording.not_a_guid(name, raw)
        value = raw.lower()
    if "enum" in schema and value not in schema["enum"]:
        return None, wording.not_allowed(name, raw, schema["enum"])
    if "maxLength" in schema and len(raw) > schema["maxLength"]:
        return None, wording.too_long(name, raw, schema["maxLength"])
    return value, None
