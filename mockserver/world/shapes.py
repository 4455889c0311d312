"""Which fields an activity's header, detail and statistics carry, in order: the documented shapes, and the record a
profile gives for its own. The world computes every field once; a shape only picks and orders them."""

from __future__ import annotations

from dataclasses import dataclass

from mockserver.world.items.figures import HEADER_TOTALS, STATS_FIELDS

HEADER_FIELDS = (
    "id",
    "created",
    "executed",
    "status",
    "targetType",
    "targetOperationType",
    "targetName",
    "targetContext",
    "message",
    "initiatedByType",
    "initiatedById",
    "initiatedByName",
    "objectsToProcess",
    "objectsProcessed",
    "executionTime",
    "totalActivityTime",
    "connectedSystemRunType",
)
"""The header's own fields, in the documented order (JIM's too); the totals follow them."""

DETAIL_FIELDS = (
    "connectedSystemId",
    "connectedSystemRunProfileId",
    "syncRuleId",
    "metaverseObjectId",
    "warningMessage",
    "errorMessage",
    "errorStackTrace",
)
"""The documented detail-only fields, after childActivityCount."""

SCHEDULE_FIELDS = ("scheduleExecutionId", "scheduleStepIndex", "scheduledByScheduleId", "scheduledByScheduleName")
"""A schedule step's attribution: which execution of which schedule ran it, and as which step."""


@dataclass(frozen=True)
class Shape:
    header: tuple[str, ...]
    """The fields of a header (a row of the list and of children), in order."""
    detail: tuple[str, ...]
    stats: tuple[str, ...]
    counts_children_in_rows: bool
    """Whether a row's childActivityCount counts its children (the documentation) or is always 0 (JIM)."""


DOCUMENTED_HEADER = (*HEADER_FIELDS, *HEADER_TOTALS, "childActivityCount")
DOCUMENTED = Shape(
    header=DOCUMENTED_HEADER,
    detail=("id", "parentActivityId", *DOCUMENTED_HEADER[1:], *DETAIL_FIELDS, "executionStats"),
    stats=STATS_FIELDS,
    counts_children_in_rows=True,
)
"""The documentation's shapes (openapi.yaml)."""

JIM_DETAIL_FIELDS = ("errorDetail", "exampleDataTemplateId", "changeReason", "configurationChangeVersion")
"""Detail fields JIM has and the documentation does not, that a fixture may give (null when it does not)."""
