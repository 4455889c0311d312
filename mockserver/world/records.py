"""The record schemas fixture files are checked against, beyond the spec's own: what a fixture may give."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft7Validator

from mockserver.world import figures
from mockserver.world.paging import INT32_MAX
from mockserver.world.pools import OUTCOMES
from mockserver.world.vocabulary import INITIATOR_TYPES, OPERATION_TYPES, RUN_TYPES, STATUSES, TARGET_TYPES

LOWER_GUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
UTC_TIME = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$"
TIMESPAN = r"^(\d+\.)?([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,7})?$"
"""A .NET TimeSpan as JIM writes it: [d.]hh:mm:ss[.fffffff]."""
MAX_GENERATED = 100_000_000

NULLABLE_TEXT = {"type": ["string", "null"]}
NULLABLE_GUID = {"type": ["string", "null"], "pattern": LOWER_GUID}
NULLABLE_ID = {"type": ["integer", "null"], "minimum": 1, "maximum": INT32_MAX}
COUNT = {"type": "integer", "minimum": 0, "maximum": INT32_MAX}

ACTIVITY_RECORD: dict[str, Any] = {
    "type": "object",
    "required": [
        "id",
        "targetType",
        "targetOperationType",
        "status",
        "created",
        "executed",
        "initiatedByType",
        "items",
    ],
    "properties": {
        "id": {"type": "string", "pattern": LOWER_GUID},
        "parentActivityId": NULLABLE_GUID,
        "created": {"type": "string", "pattern": UTC_TIME, "format": "date-time"},
        "executed": {"type": ["string", "null"], "pattern": UTC_TIME, "format": "date-time"},
        "status": {"enum": list(STATUSES)},
        "targetType": {"enum": list(TARGET_TYPES)},
        "targetOperationType": {"enum": list(OPERATION_TYPES)},
        "runProfileId": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
        "targetName": NULLABLE_TEXT,
        "targetContext": NULLABLE_TEXT,
        "message": NULLABLE_TEXT,
        "initiatedByType": {"enum": list(INITIATOR_TYPES)},
        "initiatedById": NULLABLE_GUID,
        "initiatedByName": NULLABLE_TEXT,
        "objectsToProcess": COUNT,
        "objectsProcessed": COUNT,
        "executionTime": {"type": ["string", "null"], "pattern": TIMESPAN},
        "totalActivityTime": {"type": ["string", "null"], "pattern": TIMESPAN},
        "connectedSystemId": NULLABLE_ID,
        "syncRuleId": NULLABLE_ID,
        "metaverseObjectId": NULLABLE_GUID,
        "warningMessage": NULLABLE_TEXT,
        "errorMessage": NULLABLE_TEXT,
        "errorStackTrace": NULLABLE_TEXT,
        "items": {
            "description": "null (no items), {'file': path relative to fixtures/} or {'generate': {'count': n, …}}",
            "type": ["object", "null"],
            "minProperties": 1,
            "maxProperties": 1,
            "additionalProperties": False,
            "properties": {
                "file": {"type": "string", "minLength": 1},
                "generate": {
                    "type": "object",
                    "required": ["count"],
                    "additionalProperties": False,
                    "properties": {
                        "count": {"type": "integer", "minimum": 0, "maximum": MAX_GENERATED},
                        "outcomes": {"enum": list(OUTCOMES)},
                        "errors": {"type": "boolean"},
                    },
                },
            },
        },
    },
}
COMPUTED_FIELDS = frozenset(
    {*figures.HEADER_TOTALS, "childActivityCount", "executionStats", "connectedSystemRunType"}
    | {"connectedSystemRunProfileId"}
)
DERIVED_FROM_RUN_PROFILE = ("targetName", "targetContext", "connectedSystemId")

SYSTEM_RECORD = {
    "type": "object",
    "required": ["id", "name", "runProfiles"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
        "name": {"type": "string", "minLength": 1},
        "runProfiles": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name", "runType"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer", "minimum": 1, "maximum": INT32_MAX},
                    "name": {"type": "string", "minLength": 1},
                    "runType": {"enum": list(RUN_TYPES)},
                },
            },
        },
    },
}


def validator(schema: dict[str, Any]) -> Draft7Validator:
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)
