"""The contract's paging rules (defaults, cap, depth ceiling, envelope arithmetic) in one place."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mockserver.text import quoted

DEFAULT_PAGE = 1
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
MAX_DEPTH = 1_000_000
INT32_MIN = -(2**31)
INT32_MAX = 2**31 - 1

_INTEGER = re.compile(r"(-?)0*([0-9]+)")


def parse_int32(raw: str) -> int | None:
    """An optional '-' and ASCII digits, within the 32-bit signed range; anything else is None."""
    match = _INTEGER.fullmatch(raw)
    # Leading zeros are allowed however many; past 10 significant digits it is out of range anyway,
    # and int() is never handed a string long enough to be slow.
    if match is None or len(match[2]) > 10:
        return None
    value = int(match[1] + match[2])
    return value if INT32_MIN <= value <= INT32_MAX else None


def not_an_int32(name: str, raw: str) -> str:
    return (
        f"The value '{quoted(raw)}' is not a valid integer for {name}: "
        f"use an optional '-' and digits, from {INT32_MIN} to {INT32_MAX}."
    )


def effective_page(page: int | None) -> int:
    return DEFAULT_PAGE if page is None or page < 1 else page


def effective_page_size(page_size: int | None) -> int:
    if page_size is None or page_size < 1:
        return DEFAULT_PAGE_SIZE
    return min(page_size, MAX_PAGE_SIZE)


def deepest_page(page_size: int) -> int:
    return MAX_DEPTH // page_size + 1


def depth_error(page: int, page_size: int) -> str | None:
    """The depth-ceiling message when (page - 1) * pageSize skips more than MAX_DEPTH rows."""
    if (page - 1) * page_size <= MAX_DEPTH:
        return None
    return (
        f"Page {page:,} is beyond the maximum retrieval depth of {MAX_DEPTH:,} rows "
        f"(the deepest page at a page size of {page_size} is {deepest_page(page_size):,}). "
        "Narrow the result set rather than paging so deep."
    )


@dataclass(frozen=True, slots=True)
class Window:
    """One page of a collection: which rows it covers and the envelope's counters."""

    page: int
    page_size: int
    total_count: int
    empty_past_last: bool = False
    """The real JIM's rule: a page past the last reports totalCount 0 and totalPages 0 (the docs: the true total)."""

    @property
    def start(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def stop(self) -> int:
        return min(self.start + self.page_size, self.total_count)

    @property
    def total_pages(self) -> int:
        return -(-self.total_count // self.page_size)

    def envelope_fields(self) -> dict[str, int | bool]:
        total_count, total_pages = self.total_count, self.total_pages
        if self.empty_past_last and self.page > total_pages:
            total_count = total_pages = 0
        return {
            "totalCount": total_count,
            "page": self.page,
            "pageSize": self.page_size,
            "totalPages": total_pages,
            "hasNextPage": self.page < total_pages,
            "hasPreviousPage": self.page > 1,
        }
