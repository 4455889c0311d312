"""What each profile promises, as the contract suite holds a server to it.

The suite judges a server from outside, so it keeps its own statement of each profile rather than
importing the server's: `documented` is openapi.yaml (the documentation); `jim` is how the real
JIM server answers (docs/profiles.md), its spec derived from openapi.yaml by the overlay the
server applies (only the overlay applier and the files' location are shared). Where the two
differ, the tests ask this module what to expect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from mockserver.profiles.overlay import overlaid_spec
from mockserver.resources import OVERLAYS, SPEC

HEADER_KEYS = frozenset({
    "id", "created", "executed", "status", "targetType", "targetOperationType", "targetName", "targetContext",
    "message", "initiatedByType", "initiatedById", "initiatedByName", "objectsToProcess", "objectsProcessed",
    "executionTime", "totalActivityTime", "connectedSystemRunType", "totalAdded", "totalUpdated", "totalDeleted",
    "totalProjected", "totalJoined", "totalAttributeFlows", "totalDisconnected", "totalProvisioned", "totalExported",
    "totalDeprovisioned", "totalPendingExports", "totalErrors", "childActivityCount",
})  # fmt: skip
"""An activity header as documented: every field, always present."""
TOTALS = frozenset(name for name in HEADER_KEYS if name.startswith("total")) - {"totalActivityTime"}
"""The documented summary counters of a header."""
JIM_TOTALS = frozenset(
    {"totalDisconnectedOutOfScope", "totalOutOfScopeRetainJoin", "totalDriftCorrections", "totalCreated"}
)
SCHEDULE_KEYS = frozenset(
    {"scheduleExecutionId", "scheduleStepIndex", "scheduledByScheduleId", "scheduledByScheduleName"}
)
DETAIL_ONLY_KEYS = frozenset({
    "parentActivityId", "connectedSystemId", "connectedSystemRunProfileId", "syncRuleId", "metaverseObjectId",
    "warningMessage", "errorMessage", "errorStackTrace", "executionStats",
})  # fmt: skip
STATS_KEYS = frozenset({
    "totalObjectsProcessed", "totalObjectChangeCount", "totalUnchanged", "totalObjectErrors", "totalObjectTypes",
    "totalCsoAdds", "totalCsoUpdates", "totalCsoDeletes", "totalProjections", "totalJoins", "totalAttributeFlows",
    "totalDisconnections", "totalDisconnectedOutOfScope", "totalOutOfScopeRetainJoin", "totalDriftCorrections",
    "totalProvisioned", "totalExported", "totalDeprovisioned", "totalPendingExports", "totalPendingExportsConfirmed",
    "totalPendingExportsRetrying", "totalPendingExportsFailed", "totalCreated",
})  # fmt: skip
JIM_DETAIL_KEYS = (HEADER_KEYS - TOTALS - {"childActivityCount"}) | DETAIL_ONLY_KEYS | SCHEDULE_KEYS | {
    "errorDetail", "exampleDataTemplateId", "phases", "changeReason", "configurationChangeVersion",
    "configurationChangeSnapshot",
}  # fmt: skip
"""JIM's ActivityDetailDto: no counters and no childActivityCount; steps, attribution, configuration changes."""
PAGING_PROPERTIES = frozenset({"page", "pageSize", "sortBy", "sortDirection", "filter"})
"""JIM's PaginationRequest: what it binds as an object, so ASP.NET reports its properties by their C# names."""
UNAVAILABLE = "The service is temporarily unavailable. Please retry after the indicated delay."
JIM_UNAVAILABLE = "The service is temporarily unavailable due to database connectivity. Please retry your request."


@dataclass(frozen=True)
class Expected:
    name: str
    overlay: Path | None
    change_names: Mapping[str, str]
    """Each documented change type (Add, Update, Delete) by the name this profile sends."""
    true_total_past_last_page: bool
    """Past the last page of any paged operation: the true totalCount (documented) or 0 (jim)."""
    problem_details: bool
    """Validation errors: the JIM envelope (documented) or ASP.NET problem details (jim)."""
    pascal_case_keys: bool
    """The key a bad paging parameter is reported under: `page` (documented) or `Page` (jim)."""
    jim_auth_bodies: bool
    """401 `{error, message}` and an empty 403 (jim), or the envelope (documented)."""
    depth_reported_with_others: bool
    """Whether the depth ceiling is reported beside other bad parameters (documented) or only alone (jim)."""
    non_guid_id_is_web_ui: bool
    """A non-GUID id: 400 VALIDATION_ERROR (documented) or the web UI's answer (jim)."""
    dotnet_guid_forms: bool
    """Ids as 32 digits, or in braces or parentheses, name the activity (jim, as .NET parses GUIDs) or are 400s."""
    validates_sort_and_filter: bool
    """Execution items and child activities validate sortBy/sortDirection/filter (jim) or ignore them as unknown."""
    query_keys_fold_case: bool
    """`PAGE=2` is `page=2` (jim) or an unknown parameter (documented)."""
    security_headers: bool
    """JIM's security headers on every response (jim); documented sends none unless asked."""
    fixed_retry_after: int | None
    header_keys: frozenset[str]
    """The fields of a row of the list or of child activities."""
    detail_keys: frozenset[str]
    stats_keys: frozenset[str]
    counts_children_in_rows: bool
    """A row's childActivityCount counts its children (documented) or is always 0 (jim); the jim detail has none."""
    list_filters: bool
    """The list applies JIM's filters (status, outcome, createdFrom, …) (jim) or ignores them as unknown."""
    sort_by_aliases: bool
    """The list's sortBy: one of five keys or a 400 (documented), or any text in any case, aliases taken, anything
    else (executed included) the created order (jim)."""
    json_type: str
    """The full Content-Type of JSON an operation answers (its 200s, 400s, 401s and 404s)."""
    api_versions: str | None
    """The api-supported-versions header on what an operation answers (jim), or none."""
    unavailable_message: str
    repeated_key_joined: bool = False
    """The key header sent twice: read as one value, comma-joined, which is no key (jim: 401), or as the one key
    both name (documented)."""
    aspnet_paths: bool = False
    """An API path's fixed segments in any case, and its version as `v1.0`, name the same operation (jim, as
    ASP.NET routes), or no route (documented: 404)."""

    def sort_key(self, sort_by: str | None) -> str | None:
        """The order the list takes for a sortBy: itself, or, in JIM's, `created` for `executed` (its query has no
        case for it)."""
        return "created" if self.sort_by_aliases and sort_by == "executed" else sort_by

    @property
    def change_types(self) -> frozenset[str]:
        """The change types the sandbox's items carry (the seed activity has all three)."""
        return frozenset(self.change_names.values())

    def key(self, name: str) -> str:
        """The key under which a bad parameter is reported: JIM's paging object's properties in PascalCase, an
        action's own parameters (the list's filters) by their name."""
        return name[:1].upper() + name[1:] if self.pascal_case_keys and name in PAGING_PROPERTIES else name

    @cached_property
    def spec(self) -> dict[str, Any]:
        return overlaid_spec(SPEC, self.overlay)


DOCUMENTED = Expected(
    name="documented",
    overlay=None,
    change_names={"Add": "Add", "Update": "Update", "Delete": "Delete"},
    true_total_past_last_page=True,
    problem_details=False,
    pascal_case_keys=False,
    jim_auth_bodies=False,
    depth_reported_with_others=True,
    non_guid_id_is_web_ui=False,
    dotnet_guid_forms=False,
    validates_sort_and_filter=False,
    query_keys_fold_case=False,
    security_headers=False,
    fixed_retry_after=None,
    header_keys=HEADER_KEYS,
    detail_keys=HEADER_KEYS | DETAIL_ONLY_KEYS,
    stats_keys=STATS_KEYS,
    counts_children_in_rows=True,
    list_filters=False,
    sort_by_aliases=False,
    json_type="application/json",
    api_versions=None,
    unavailable_message=UNAVAILABLE,
)
JIM = Expected(
    name="jim",
    overlay=OVERLAYS / "jim.overlay.yaml",
    change_names={"Add": "Added", "Update": "Updated", "Delete": "Deleted"},
    true_total_past_last_page=False,
    problem_details=True,
    pascal_case_keys=True,
    jim_auth_bodies=True,
    depth_reported_with_others=False,
    non_guid_id_is_web_ui=True,
    dotnet_guid_forms=True,
    validates_sort_and_filter=True,
    query_keys_fold_case=True,
    security_headers=True,
    fixed_retry_after=60,
    header_keys=HEADER_KEYS | JIM_TOTALS | SCHEDULE_KEYS,
    detail_keys=JIM_DETAIL_KEYS,
    stats_keys=STATS_KEYS | {"entriesDiscardedByExcludedContainer", "totalEntriesDiscardedByExclusion"},
    counts_children_in_rows=False,
    list_filters=True,
    sort_by_aliases=True,
    json_type="application/json; charset=utf-8",
    api_versions="1.0",
    unavailable_message=JIM_UNAVAILABLE,
    repeated_key_joined=True,
    aspnet_paths=True,
)
PROFILES = {expected.name: expected for expected in (DOCUMENTED, JIM)}
