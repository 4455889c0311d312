"""Request validation the contract needs and Connexion lacks: strict parsing, all errors at once, the depth ceiling."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import parse_qsl

from connexion.middleware.request_validation import (
    RequestValidationAPI,
    RequestValidationMiddleware,
    RequestValidationOperation,
)
from connexion.operations import AbstractOperation
from connexion.validators import ParameterValidator
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import errors, paging
from mockserver.auth import all_values

GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
SCOPE_KEY = "mockserver.params"
"""Where the validated, effective parameters are left in `scope["extensions"]` for the handler."""

HeaderCheck = Callable[[str], tuple[Any, str | None]]
"""Parses one header's raw value: (value, None) or (None, message). Only headers given a check are read."""


def first_values(query_string: bytes, fold_case: bool = False) -> dict[str, str]:
    """Query parameters, the first value winning when one is repeated (Connexion's parser keeps the last).

    `fold_case`: keys lower-cased, so `PAGE` and `page` are one parameter (as ASP.NET binds them)."""
    values: dict[str, str] = {}
    for key, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        values.setdefault(key.lower() if fold_case else key, value)
    return values


def not_a_guid(name: str, raw: str) -> str:
    form = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    return f"The value '{paging.quoted(raw)}' is not a valid GUID for {name}: use the form {form}."


def too_long(name: str, raw: str, limit: int) -> str:
    return f"The value of {name} is {len(raw):,} characters long: use at most {limit:,}."


class Wording(Protocol):
    """How a profile words validation problems, and the key each parameter is reported under."""

    depth_alone: bool
    """True: the depth ceiling is checked only when every other parameter is good."""

    def field(self, name: str) -> str: ...
    def not_an_integer(self, name: str, raw: str) -> str: ...
    def not_a_guid(self, name: str, raw: str) -> str: ...
    def not_allowed(self, name: str, raw: str, allowed: Sequence[Any]) -> str: ...
    def too_long(self, name: str, raw: str, limit: int) -> str: ...
    def depth(self, page: int, page_size: int, documented: str) -> str: ...


class DocumentedWording:
    """The contract's messages: each names the parameter and says what would be accepted."""

    depth_alone = False  # the contract reports the depth ceiling with every other bad parameter

    def field(self, name: str) -> str:
        return name

    def not_an_integer(self, name: str, raw: str) -> str:
        return paging.not_an_int32(name, raw)

    def not_a_guid(self, name: str, raw: str) -> str:
        return not_a_guid(name, raw)

    def not_allowed(self, name: str, raw: str, allowed: Sequence[Any]) -> str:
        return not_allowed(name, raw, allowed)

    def too_long(self, name: str, raw: str, limit: int) -> str:
        return too_long(name, raw, limit)

    def depth(self, page: int, page_size: int, documented: str) -> str:
        return documented


DOCUMENTED_WORDING = DocumentedWording()


class ContractParameterValidator(ParameterValidator):  # type: ignore[misc]
    """Validates the operation's declared path and query parameters by their schema, collecting every error.

    Absent parameters take their schema's default (None without one); `page` and `pageSize`, when
    the operation has both, become their effective values and face the depth ceiling.

    Declared header parameters are read only when the app gives them a check (the Prefer header when
    the server honours it), so a server with every control off does no header work here.
    """

    def __init__(
        self,
        *args: Any,
        header_checks: Mapping[str, HeaderCheck] | None = None,
        wording: Wording = DOCUMENTED_WORDING,
        fold_query_case: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.wording = wording
        self.fold_query_case = fold_query_case
        checks = header_checks or {}
        self.header_checks = [
            (param["name"], param["name"].lower().encode("latin-1"), checks[param["name"]])
            for param in self.parameters.get("header", [])
            if param["name"] in checks
        ]

    def validate(self, scope: Scope) -> None:
        fold = self.fold_query_case
        query = first_values(scope.get("query_string", b""), fold)
        path = scope.get("path_params", {})
        wording = self.wording
        problems: dict[str, list[str]] = {}
        parsed: dict[str, Any] = {}
        for location, raw_values in (("path", path), ("query", query)):
            for param in self.parameters.get(location, []):
                name = param["name"]
                raw = raw_values.get(name.lower() if fold and location == "query" else name)
                if raw is None:
                    parsed[name] = param.get("schema", {}).get("default")
                    continue
                value, problem = check_value(name, str(raw), param.get("schema", {}), wording)
                if problem:
                    problems.setdefault(wording.field(name), []).append(problem)
                parsed[name] = value
        for name, raw_name, check in self.header_checks:
            raw = all_values(scope, raw_name)
            value, problem = check(raw) if raw else (None, None)
            if problem:
                problems.setdefault(wording.field(name), []).append(problem)
            parsed[name] = value
        depth = None
        page_key, size_key = wording.field("page"), wording.field("pageSize")
        if (
            "page" in parsed
            and "pageSize" in parsed
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
        if problems:
            # Reported with every other problem; its own message leads only when it is the one problem.
            if depth and len(problems) == 1:
                raise errors.validation_error(problems, message=depth)
            raise errors.validation_error(problems)
        scope.setdefault("extensions", {})[SCOPE_KEY] = parsed


def not_allowed(name: str, raw: str, allowed: Sequence[Any]) -> str:
    return f"The value '{paging.quoted(raw)}' is not valid for {name}: use one of {', '.join(str(a) for a in allowed)}."


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
    elif kind == "string" and fmt == "uuid":
        if not GUID.fullmatch(raw):
            return None, wording.not_a_guid(name, raw)
        value = raw.lower()
    if "enum" in schema and value not in schema["enum"]:
        return None, wording.not_allowed(name, raw, schema["enum"])
    if "maxLength" in schema and len(raw) > schema["maxLength"]:
        return None, wording.too_long(name, raw, schema["maxLength"])
    return value, None


class ContractValidationOperation:
    """Validates with one validator built at start-up; Connexion builds a parser and a validator per request."""

    def __init__(self, next_app: ASGIApp, operation: AbstractOperation, options: Mapping[str, Any]) -> None:
        self.next_app = next_app
        self.validator = ContractParameterValidator(operation.parameters, uri_parser=None, **options)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.validator.validate(scope)
        await self.next_app(scope, receive, send)


class ContractValidationAPI(RequestValidationAPI):  # type: ignore[misc]
    def __init__(self, *args: Any, validator_options: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        # Set before the base class builds the operations.
        self.validator_options = dict(validator_options or {})
        super().__init__(*args, **kwargs)

    def make_operation(self, operation: AbstractOperation) -> ContractValidationOperation | RequestValidationOperation:
        if operation.request_body:
            # Operations with a body keep Connexion's full validation (this API has none today).
            return super().make_operation(operation)
        return ContractValidationOperation(self.next_app, operation, self.validator_options)


class ContractValidationMiddleware(RequestValidationMiddleware):  # type: ignore[misc]
    """Connexion's request-validation position in the stack, with the contract's parameter rules.

    Keyword arguments go to every operation's ContractParameterValidator (header_checks, wording,
    fold_query_case)."""

    api_cls = ContractValidationAPI

    def __init__(self, app: ASGIApp, **validator_options: Any) -> None:
        super().__init__(app)
        self.validator_options = validator_options

    def add_api(self, specification: Any, **kwargs: Any) -> Any:
        return super().add_api(specification, validator_options=self.validator_options, **kwargs)
