"""An activity's figures, computed from the tally of its items: the header's totals and the execution statistics.

Nothing here is stored in a fixture, so no figure can disagree with the items behind it. The
rules follow JIM's own aggregation: every item counts once under its change type (errored ones
too), once under its error type if it has one, and its outcome summary's counts add to the
matching counters.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockserver.world.items.tally import Tally

OUTCOME_COUNTERS: Mapping[str, str] = {
    # outcome type in an item's outcomeSummary -> the execution-statistics counter it adds to
    "Projected": "totalProjections",
    "Joined": "totalJoins",
    "AttributeFlow": "totalAttributeFlows",
    "Disconnected": "totalDisconnections",
    "DisconnectedOutOfScope": "totalDisconnectedOutOfScope",
    "OutOfScopeRetainJoin": "totalOutOfScopeRetainJoin",
    "DriftCorrection": "totalDriftCorrections",
    "Provisioned": "totalProvisioned",
    "Exported": "totalExported",
    "Deprovisioned": "totalDeprovisioned",
    # A queued deprovision is a pending export too; only its intent differs (as in JIM).
    "PendingExportCreated": "totalPendingExports",
    "DeprovisionQueued": "totalPendingExports",
    "PendingExportConfirmed": "totalPendingExportsConfirmed",
    "Created": "totalCreated",
}
OUTCOME_TYPES = frozenset(OUTCOME_COUNTERS)

CHANGE_COUNTERS: Mapping[str, str] = {"Add": "totalCsoAdds", "Update": "totalCsoUpdates", "Delete": "totalCsoDeletes"}

STATS_FIELDS = (
    "totalObjectsProcessed",
    "totalObjectChangeCount",
    "totalUnchanged",
    "totalObjectErrors",
    "totalObjectTypes",
    "totalCsoAdds",
    "totalCsoUpdates",
    "totalCsoDeletes",
    "totalProjections",
    "totalJoins",
    "totalAttributeFlows",
    "totalDisconnections",
    "totalDisconnectedOutOfScope",
    "totalOutOfScopeRetainJoin",
    "totalDriftCorrections",
    "totalProvisioned",
    "totalExported",
    "totalDeprovisioned",
    "totalPendingExports",
    "totalPendingExportsConfirmed",
    "totalPendingExportsRetrying",
    "totalPendingExportsFailed",
    "totalCreated",
)
"""The execution statistics, in the documented order."""

HEADER_TOTALS: Mapping[str, str] = {
    # header total -> the execution-statistics counter it shows
    "totalAdded": "totalCsoAdds",
    "totalUpdated": "totalCsoUpdates",
    "totalDeleted": "totalCsoDeletes",
    "totalProjected": "totalProjections",
    "totalJoined": "totalJoins",
    "totalAttributeFlows": "totalAttributeFlows",
    "totalDisconnected": "totalDisconnections",
    "totalProvisioned": "totalProvisioned",
    "totalExported": "totalExported",
    "totalDeprovisioned": "totalDeprovisioned",
    "totalPendingExports": "totalPendingExports",
    "totalErrors": "totalObjectErrors",
}
"""The header's summary counters, in the documented order."""

TOTALS: Mapping[str, str] = {
    **{total: HEADER_TOTALS[total] for total in list(HEADER_TOTALS)[:7]},
    "totalDisconnectedOutOfScope": "totalDisconnectedOutOfScope",
    "totalOutOfScopeRetainJoin": "totalOutOfScopeRetainJoin",
    "totalDriftCorrections": "totalDriftCorrections",
    **{total: HEADER_TOTALS[total] for total in ("totalProvisioned", "totalExported", "totalDeprovisioned")},
    "totalCreated": "totalCreated",
    **{total: HEADER_TOTALS[total] for total in ("totalPendingExports", "totalErrors")},
}
"""Every summary counter an activity has, in JIM's order (ActivityHeader): the documented ones and four more."""

EXCLUSION_FIELDS = ("entriesDiscardedByExcludedContainer", "totalEntriesDiscardedByExclusion")
"""Entries an import read and discarded because an excluded container carved them out: JIM's statistics have them.
No connected system of the sandbox excludes a container, so they are always empty and 0."""


def execution_stats(tally: Tally, objects_processed: int) -> dict[str, Any]:
    """The statistics of a run over these items, `objects_processed` objects in all: the documented ones, then
    EXCLUSION_FIELDS.

    Retrying and failed pending exports are JIM's ExportNotConfirmed and ExportConfirmationFailed
    error types, which are not in the documented vocabulary the sandbox's items use: always 0.
    """
    stats: dict[str, Any] = dict.fromkeys(STATS_FIELDS, 0)
    stats["totalObjectsProcessed"] = objects_processed
    stats["totalObjectChangeCount"] = tally.items
    stats["totalUnchanged"] = max(0, objects_processed - tally.items)
    stats["totalObjectErrors"] = sum(tally.error_types.values())
    stats["totalObjectTypes"] = sum(1 for count in tally.object_types.values() if count)
    for change, counter in CHANGE_COUNTERS.items():
        stats[counter] = tally.change_types[change]
    for outcome, count in tally.outcomes.items():
        stats[OUTCOME_COUNTERS[outcome]] += count
    stats.update({"entriesDiscardedByExcludedContainer": {}, "totalEntriesDiscardedByExclusion": 0})
    return stats


def header_totals(stats: Mapping[str, Any]) -> dict[str, int]:
    """Every counter of TOTALS, read from the statistics it shows."""
    return {total: stats[counter] for total, counter in TOTALS.items()}


NO_ITEMS = header_totals(execution_stats(Tally(), 0))
"""The totals of an activity without items (any activity that is not a run profile execution)."""
