"""The connected systems as JIM's synchronisation routes show them: the list's headers (sorted and filtered as JIM's
QueryableExtensions do), each system's detail and its run profiles, every body rendered once at start-up.

JIM's shapes, in declaration order (System.Text.Json writes properties so): `ConnectedSystemHeader`
(src/JIM.Models/Staging/DTOs/ConnectedSystemHeader.cs) as ConnectedSystemRepository.GetConnectedSystemHeadersAsync
projects it, `ConnectedSystemDetailDto` (src/JIM.Web/Models/Api/ConnectedSystemDto.cs) and `RunProfileDto`
(src/JIM.Web/Models/Api/RunProfileDtos.cs).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from mockserver.world.activity import Activity
from mockserver.world.fixtures.systems import Systems
from mockserver.world.paging import INT32_MAX, INT32_MIN
from mockserver.world.times import iso, utc

DEFAULT_RUN_PROFILE_PAGE_SIZE = 100
"""ConnectedSystemRunProfile.PageSize's default."""
FULL_SYNCHRONISATION_DONE = ("Complete", "CompleteWithWarning")
"""The statuses of a Full Synchronisation that count as applying the configuration (ActivitiesRepository.cs,
GetLastFullSynchronisationStartsAsync)."""

# .NET's NumberStyles.Integer: white space either side, an optional sign, ASCII digits.
_DOTNET_INT = re.compile(r"[\t\n\v\f\r ]*([+-]?)0*([0-9]+)[\t\n\v\f\r ]*")


def dotnet_int(raw: str) -> int | None:
    """An Int32 as .NET's int.TryParse(raw, NumberStyles.Integer, InvariantCulture) reads it (what ASP.NET's
    `{id:int}` route constraint and an int filter value accept), else None."""
    match = _DOTNET_INT.fullmatch(raw)
    if match is None or len(match[2]) > 10:
        return None
    value = int(match[1] + match[2])
    return value if INT32_MIN <= value <= INT32_MAX else None


def last_full_synchronisations(activities: Iterable[Activity]) -> dict[int, datetime]:
    """When each system's last completed Full Synchronisation started (its `executed`), by system id."""
    last: dict[int, datetime] = {}
    for activity in activities:
        fields = activity.fields
        system = fields.get("connectedSystemId")
        if (
            system is None
            or activity.executed is None
            or not activity.is_run_profile
            or fields.get("targetOperationType") != "Execute"
            or fields.get("connectedSystemRunType") != "FullSynchronisation"
            or activity.status not in FULL_SYNCHRONISATION_DONE
        ):
            continue
        if system not in last or activity.executed > last[system]:
            last[system] = activity.executed
    return last


def header(record: Mapping[str, Any]) -> dict[str, Any]:
    # GetConnectedSystemHeadersAsync's projection: it never sets Status (so the enum's default, Active), and counts
    # the objects joined to a metaverse object as ConnectorsCount.
    return {
        "id": record["id"],
        "name": record["name"],
        "description": record.get("description"),
        "created": iso(utc(record["created"])),
        "status": "Active",
        "objectCount": record.get("objectCount", 0),
        "connectorsCount": record.get("joinedObjectCount", 0),
        "pendingExportObjectsCount": record.get("pendingExportCount", 0),
        "connectorName": record["connector"]["name"],
        "connectorId": record["connector"]["id"],
    }


def attribute(given: Mapping[str, Any], created: str) -> dict[str, Any]:
    external = given.get("externalId", False)
    return {
        "id": given["id"],
        "name": given["name"],
        "description": None,
        "className": None,
        "created": created,
        "type": given["type"],
        "typeSetByAdministrator": False,
        "attributePlurality": "MultiValued" if given.get("multiValued", False) else "SingleValued",
        "selected": True,
        "isExternalId": external,
        "isSecondaryExternalId": False,
        "selectionLocked": external,
        "writability": "Writable",
        "referencedObjectTypeId": None,
        "referencedObjectTypeName": None,
    }


def object_type(given: Mapping[str, Any]) -> dict[str, Any]:
    created = iso(utc(given["created"]))
    attributes = [attribute(a, created) for a in given.get("attributes", [])]
    return {
        "id": given["id"],
        "name": given["name"],
        "created": created,
        "selected": given.get("selected", True),
        "removeContributedAttributesOnObsoletion": False,
        "attributeCount": len(attributes),
        "tags": [],
        "isInternal": False,
        "attributes": attributes,
    }


def drift(last_full: datetime | None) -> dict[str, Any]:
    # ConfigurationDriftService: tracking on, and the sandbox records no configuration change since any run.
    return {
        "hasPendingChanges": False,
        "isDeterminable": last_full is not None,
        "neverFullySynchronised": last_full is None,
        "trackingDisabled": False,
        "lastFullSynchronisation": iso(last_full) if last_full is not None else None,
        "mostRecentChange": None,
        "changeCount": 0,
        "highestChangeClass": "NotClassified",
    }


def detail(record: Mapping[str, Any], last_full: datetime | None) -> dict[str, Any]:
    updated = record.get("lastUpdated")
    return {
        "id": record["id"],
        "name": record["name"],
        "description": record.get("description"),
        "created": iso(utc(record["created"])),
        "lastUpdated": iso(utc(updated)) if updated is not None else None,
        "status": record.get("status", "Active"),
        "settingValuesValid": True,
        "connector": {"id": record["connector"]["id"], "name": record["connector"]["name"]},
        "objectTypes": [object_type(t) for t in record.get("objectTypes", [])],
        "objectCount": record.get("objectCount", 0),
        "pendingExportCount": record.get("pendingExportCount", 0),
        "maxExportParallelism": record.get("maxExportParallelism"),
        "initialPasswordTimeToLive": None,
        "requireSecureTransport": record.get("requireSecureTransport", False),
        "unresolvedReferenceHandling": "Error",
        "configurationDrift": drift(last_full),
        "parkedInitialPasswordCount": 0,
        "expiredInitialPasswordCount": 0,
    }


def run_profile(given: Mapping[str, Any], system_id: int) -> dict[str, Any]:
    return {
        "id": given["id"],
        "name": given["name"],
        "connectedSystemId": system_id,
        "runType": given["runType"],
        "pageSize": given.get("pageSize", DEFAULT_RUN_PROFILE_PAGE_SIZE),
        "partitionName": given.get("partitionName"),
        "targetsDeselectedPartition": False,
        "filePath": given.get("filePath"),
        "verifyImportContentHashes": given.get("verifyImportContentHashes", False),
    }


Test = Callable[[Any, Any], bool]

STRING_OPERATORS: dict[str, Test] = {
    "eq": lambda value, given: value == given,
    "ne": lambda value, given: value != given,
    "contains": lambda value, given: value is not None and given in value,
    "startswith": lambda value, given: value is not None and value.startswith(given),
    "endswith": lambda value, given: value is not None and value.endswith(given),
}
INT_OPERATORS: dict[str, Test] = {
    "eq": lambda value, given: value == given,
    "ne": lambda value, given: value != given,
    "gt": lambda value, given: value > given,
    "gte": lambda value, given: value >= given,
    "lt": lambda value, given: value < given,
    "lte": lambda value, given: value <= given,
}
STRING_FIELDS = frozenset({"name", "description", "connectorName"})
INT_FIELDS = frozenset({"id", "objectCount", "connectorsCount", "pendingExportObjectsCount", "connectorId"})


@dataclass(frozen=True)
class ConnectedSystems:
    """Every system's header (in the list's default order, by name), detail and run profiles, as JSON bytes."""

    headers: tuple[Mapping[str, Any], ...] = ()
    header_json: Mapping[int, bytes] | None = None
    detail_json: Mapping[int, bytes] | None = None
    run_profiles_json: Mapping[int, bytes] | None = None

    def detail(self, system_id: int) -> bytes | None:
        return (self.detail_json or {}).get(system_id)

    def run_profiles(self, system_id: int) -> bytes | None:
        return (self.run_profiles_json or {}).get(system_id)

    def rows(self, ids: Sequence[int]) -> list[bytes]:
        rendered = self.header_json or {}
        return [rendered[i] for i in ids]

    def select(self, sort_by: str | None, descending: bool, filter_text: str | None) -> list[int]:
        """The ids the list holds, in its order: JIM's ApplyFilter, then ApplySort (QueryableExtensions.cs)."""
        rows = [h for h in self.headers if matches(h, filter_text)]
        key = property_name(sort_by)
        if key is not None:
            # LINQ's OrderBy and OrderByDescending are stable: ties keep the default (name) order. .NET puts null
            # before any string.
            present = [h for h in rows if h[key] is not None]
            absent = [h for h in rows if h[key] is None]
            present.sort(key=lambda h: utc(h[key]) if key == "created" else h[key], reverse=descending)
            rows = [*present, *absent] if descending else [*absent, *present]
        return [h["id"] for h in rows]


def property_name(name: str | None) -> str | None:
    """A header property named in any case (reflection with BindingFlags.IgnoreCase), else None."""
    if name is None or not name.strip():
        return None
    wanted = name.lower()
    return next((field for field in HEADER_FIELDS if field.lower() == wanted), None)


HEADER_FIELDS = tuple(
    header({"id": 0, "name": "", "created": "2000-01-01T00:00:00Z", "connector": {"id": 0, "name": ""}})
)


def matches(row: Mapping[str, Any], filter_text: str | None) -> bool:
    """`property:operator:value`: anything JIM cannot apply (no such property, operator or type, a bad number)
    filters nothing; a string operator on a null value matches nothing (where JIM's would throw)."""
    if filter_text is None or not filter_text.strip():
        return True
    parts = filter_text.split(":", 2)
    if len(parts) < 3:
        return True
    name, operator, given = parts[0], parts[1].lower(), parts[2]
    field = property_name(name) if name.strip() else None
    if field in STRING_FIELDS:
        test = STRING_OPERATORS.get(operator)
        return test is None or test(row[field], given)
    if field in INT_FIELDS:
        number, compare = dotnet_int(given), INT_OPERATORS.get(operator)
        return number is None or compare is None or compare(row[field], number)
    return True


def connected_systems(systems: Systems, activities: Iterable[Activity]) -> ConnectedSystems:
    """Render every system once; the configuration drift from the history's Full Synchronisations."""
    last_full = last_full_synchronisations(activities)
    headers = sorted((header(r) for r in systems.records), key=lambda h: (h["name"], h["id"]))
    return ConnectedSystems(
        headers=tuple(headers),
        header_json={h["id"]: orjson.dumps(h) for h in headers},
        detail_json={r["id"]: orjson.dumps(detail(r, last_full.get(r["id"]))) for r in systems.records},
        run_profiles_json={
            r["id"]: orjson.dumps(sorted((run_profile(p, r["id"]) for p in r["runProfiles"]), key=lambda p: p["id"]))
            for r in systems.records
        },
    )
