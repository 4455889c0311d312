"""The activity list: top-level activities, searched, filtered and sorted, every order built once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from mockserver.world.activity import Listed
from mockserver.world.filters import NO_FILTER, ListFilter
from mockserver.world.vocabulary import STATUSES, TARGET_TYPES

SORT_KEYS: dict[str, Callable[[Listed], Any]] = {
    "created": lambda a: a.created,
    # Nulls sort after every value, so first when descending (PostgreSQL's default, which JIM uses).
    "executed": lambda a: (a.executed is None, a.executed or datetime.min),
    "status": lambda a: STATUSES.index(a.status),
    "type": lambda a: TARGET_TYPES.index(a.fields["targetType"]),
    "target": lambda a: (a.fields["targetName"] is None, a.fields["targetName"] or ""),
}
DEFAULT_SORT = "created"
"""With no sortBy the list is in creation order, oldest first unless sortDirection=desc: what JIM does."""
SEARCHED_FIELDS = ("targetName", "targetContext", "initiatedByName")


def matches(activity: Listed, needle: str) -> bool:
    return any(needle in (activity.fields[name] or "").lower() for name in SEARCHED_FIELDS)


class Listing:
    """Top-level activities (those without a parent) in every sort order; children are listed under their parent."""

    def __init__(self, activities: Iterable[Listed]) -> None:
        self._by_id = sorted((a for a in activities if a.parent_id is None), key=lambda a: a.id)
        self._orders: dict[tuple[str, bool], tuple[Listed, ...]] = {}

    def order(self, sort_by: str, descending: bool) -> tuple[Listed, ...]:
        """Every top-level activity in one order, sorted when first asked for and kept: a listing with runs that move
        is rebuilt as they do, and most are asked for one order or two."""
        found = self._orders.get((sort_by, descending))
        if found is None:
            # Python's sort is stable, also in reverse, so id ascending breaks every tie, in both directions (as in
            # JIM).
            found = self._orders[(sort_by, descending)] = tuple(
                sorted(self._by_id, key=SORT_KEYS[sort_by], reverse=descending)
            )
        return found

    def top_level(
        self, sort_by: str | None, descending: bool, search: str | None, filters: ListFilter = NO_FILTER
    ) -> Sequence[Listed]:
        """`sort_by` one of SORT_KEYS (None: the default order)."""
        order: Sequence[Listed] = self.order(sort_by or DEFAULT_SORT, descending)
        tests = filters.tests()
        if search and not search.isspace():
            needle = search.lower()
            tests.append(lambda a: matches(a, needle))
        if not tests:
            return order
        return [a for a in order if all(test(a) for test in tests)]
