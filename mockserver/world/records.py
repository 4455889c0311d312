"""The record schemas fixture files are checked against, beyond the spec's own: what a fixture may give."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft7Validator

from mockserver.world import figures
from mockserver.world.paging import INT32_MAX
from mockserver.world.pools import OUTCOMES
from mockserver.world.shapes import SCHEDULE_FIELDS
from mockserver.world.vocabulary import INITIATOR_TYPES, OPERATION_TYPES, RUN_TYPES, STATUSES, TARGET_TYPES

LOWER_GUID = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
UTC_TIME = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z$"
TIMESPAN = r"^(\d+\.)?([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,7})?$"
"""A .NET TimeSpan as JIM writes it: [d.]hh:mm:ss[.fffffff]."""
MAX_GENERATED = 100_000_000
MAX_SECONDS = 100 * 86_400
"""The longest a step of a run may take in a fixture: 100 days."""

GUID = {"type": "string", "pattern": LOWER_GUID}
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
        "id": GUID,
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
        "errorDetail": NULLABLE_TEXT,
        "exampleDataTemplateId": NULLABLE_ID,
        "changeReason": NULLABLE_TEXT,
        "configurationChangeVersion": NULLABLE_ID,
        "phases": {
            "description": "run profile activities: seconds each step it entered took, in run order; null for the"
            " step running now (world/phases.py)",
            "type": "object",
            "additionalProperties": {"type": ["number", "null"], "minimum": 0, "maximum": MAX_SECONDS},
        },
        "schedule": {
            "description": "a schedule execution (targetType Schedule): the schedule and this execution of it",
            "type": "object",
            "required": ["id", "executionId"],
            "additionalProperties": False,
            "properties": {"id": GUID, "executionId": GUID},
        },
        "live": {
            "description": "an activity in progress that moves with the clock (world/live.py): the state given is as of"
            " `asOf`; it ends in `status` and `message`",
            "type": "object",
            "required": ["asOf", "status", "message"],
            "additionalProperties": False,
            "properties": {
                "asOf": {"type": "string", "pattern": UTC_TIME, "format": "date-time"},
                "status": {"enum": [status for status in STATUSES if status != "InProgress"]},
                "message": {"type": "string"},
                "progressMessage": {"type": "string", "pattern": "{processed}"},
                "itemsAsOf": COUNT,
            },
        },
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
    {*figures.TOTALS, "childActivityCount", "executionStats", "connectedSystemRunType", "connectedSystemRunProfileId"}
    | {*SCHEDULE_FIELDS, "configurationChangeSnapshot"}
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
