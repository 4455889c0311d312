"""Where the fixture history sits in time (`--epoch`): at its own dates, or moved whole to end at another moment.

Moved, every time a fixture gives is moved by the same offset, so the history keeps its shape: the same
gaps between runs, the same durations, the same order. A fixture's own "now" (its history's end) is the
`live.asOf` of its live records, or else the latest moment it records; moved, that is the epoch's moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from mockserver.world.times import iso, seconds, utc

TIME_FIELDS = frozenset({"created", "executed", "lastUpdated", "asOf", "lastRunTime", "nextRunTime", "queuedAt"})
"""The fields of fixture records, at any depth, that are times: an activity's created, executed and live.asOf; a
connected system's and its object types' created, and its lastUpdated; a schedule's created, lastUpdated,
lastRunTime and nextRunTime, and its executions' queuedAt. (A key's expiresAt is judged by the wall.)"""


def history_end(records: Iterable[Mapping[str, Any]]) -> datetime:
    """The activities' own "now": the live.asOf of their live records (start-up checks that they agree), else the
    latest moment they record (a creation, or the end of a run that took executionTime)."""
    moments = []
    for record in records:
        live = record.get("live")
        if live is not None:
            return utc(live["asOf"])
        moments.append(utc(record["created"]))
        if record.get("executed") is not None and record.get("executionTime") is not None:
            moments.append(utc(record["executed"]) + timedelta(seconds=seconds(record["executionTime"])))
    return max(moments)


def shifted(value: Any, offset: timedelta) -> Any:
    """A record (or a list of them) with every time moved by `offset`; unchanged, the same object, when it is 0."""
    if not offset:
        return value
    if isinstance(value, Mapping):
        return {
            name: iso(utc(item) + offset) if name in TIME_FIELDS and isinstance(item, str) else shifted(item, offset)
            for name, item in value.items()
        }
    if isinstance(value, list):
        return [shifted(item, offset) for item in value]
    return value
