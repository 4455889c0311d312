"""The schedule list's search and order, as JIM's SchedulingRepository.QueryScheduleHeadersByRangeAsync applies them
(src/JIM.PostgresData/Repositories/SchedulingRepository.cs; SchedulesController.GetAllAsync passes them on).

`search`: a schedule whose name or description contains the text, both lower-cased; blank text filters nothing.
`sortBy`, in any case: name; isEnabled (enabled, status); lastRunTime (lastRun); nextRunTime (nextRun); anything
else, or none, is created. `sortDescending` reverses it. PostgreSQL puts nulls last ascending and first descending;
JIM gives no tie-break (the database's order), the sandbox keeps ties in created order, then id, either way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mockserver.world.times import utc

Row = Mapping[str, Any]


def moment(field: str) -> Callable[[Row], tuple[bool, Any]]:
    def key(row: Row) -> tuple[bool, Any]:
        value = row[field]
        return (value is None, utc(value) if value is not None else None)

    return key


SORTS: dict[str, Callable[[Row], Any]] = {
    "name": lambda row: row["name"].lower(),
    "isenabled": lambda row: row["isEnabled"],
    "enabled": lambda row: row["isEnabled"],
    "status": lambda row: row["isEnabled"],
    "lastruntime": moment("lastRunTime"),
    "lastrun": moment("lastRunTime"),
    "nextruntime": moment("nextRunTime"),
    "nextrun": moment("nextRunTime"),
}
CREATED = moment("created")


def search(rows: Sequence[Row], text: str | None) -> list[Row]:
    if text is None or not text.strip():
        return list(rows)
    wanted = text.lower()
    return [r for r in rows if wanted in r["name"].lower() or wanted in (r["description"] or "").lower()]


def order(rows: Sequence[Row], sort_by: str | None, descending: bool) -> list[Row]:
    ties = sorted(rows, key=lambda r: (CREATED(r), r["id"]))
    # Python's sort is stable in reverse too: equal keys keep the tie order.
    return sorted(ties, key=SORTS.get((sort_by or "").lower(), CREATED), reverse=descending)
