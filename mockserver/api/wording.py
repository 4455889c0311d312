"""How validation problems are worded: the Wording a profile supplies, and the documented contract's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from mockserver.text import quoted
from mockserver.world import paging


def not_a_guid(name: str, raw: str) -> str:
    form = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    return f"The value '{quoted(raw)}' is not a valid GUID for {name}: use the form {form}."


def too_long(name: str, raw: str, limit: int) -> str:
    return f"The value of {name} is {len(raw):,} characters long: use at most {limit:,}."


def not_allowed(name: str, raw: str, allowed: Sequence[Any]) -> str:
    return f"The value '{quoted(raw)}' is not valid for {name}: use one of {', '.join(str(a) for a in allowed)}."


class Wording(Protocol):
    """How a profile words validation problems, and the key each parameter is reported under."""

    depth_alone: bool
    """True: the depth ceiling is checked only when every other parameter is good."""
    blank_text_is_null: bool
    """True: a blank text value is taken as absent (ASP.NET's ConvertEmptyStringToNull)."""

    def field(self, name: str) -> str: ...
    def not_an_integer(self, name: str, raw: str) -> str: ...
    def not_a_guid(self, name: str, raw: str) -> str: ...
    def not_allowed(self, name: str, raw: str, allowed: Sequence[Any]) -> str: ...
    def too_long(self, name: str, raw: str, limit: int) -> str: ...
    def depth(self, page: int, page_size: int, documented: str) -> str: ...


class DocumentedWording:
    """The contract's messages: each names the parameter and says what would be accepted."""

    depth_alone = False  # the contract reports the depth ceiling with every other bad parameter
    blank_text_is_null = False

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
