"""An activity's progress snapshot, as JIM's /progress answers it (JIM.Web/Models/Api/ActivityProgressDto.cs).

The snapshot is taken at `now`, the world's time: elapsed seconds count from when the activity started (or was
created, if it never started), whether or not it has finished, as JIM counts them. Throughput and the estimate
are JIM's: objects a second, and the objects left at that rate. JIM measures the rate over the polls it has seen
(src/JIM.Web/Services/ActivityEtaTracker.cs: none on the first, and none while nothing has been processed, the
count not having moved); the sandbox knows a live run's rate and gives it from the first object processed. Before
that, and for any activity not in progress, there is neither.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from mockserver.world.activity import Activity
from mockserver.world.runs.phases import current
from mockserver.world.times import iso, number


def percent(processed: int, total: int) -> float | None:
    """Percentage complete to one decimal (round half to even, as .NET's Math.Round), None when indeterminate."""
    if total <= 0:
        return None
    return round(min(100.0, max(0.0, processed / total * 100)), 1)


def progress(activity: Activity, now: datetime) -> dict[str, Any]:
    fields = activity.fields
    processed, total = fields["objectsProcessed"], fields["objectsToProcess"]
    started = activity.executed or activity.created
    rate = activity.rate if fields["status"] == "InProgress" and processed > 0 else None
    remaining = (total - processed) / rate if rate and total > 0 and total >= processed else None
    running, position, steps = current(activity.phases)
    done = percent(processed, total)
    return {
        "id": activity.id,
        "status": fields["status"],
        "message": fields["message"],
        "objectsProcessed": processed,
        "objectsToProcess": total,
        "percentComplete": number(done) if done is not None else None,
        "elapsedSeconds": number(max(0.0, (now - started).total_seconds())),
        "objectsPerSecond": number(rate) if rate is not None else None,
        "estimatedSecondsRemaining": number(remaining) if remaining is not None else None,
        "targetType": fields["targetType"],
        "runType": fields["connectedSystemRunType"],
        "operationCounts": dict(activity.operation_counts),
        "totalErrors": activity.totals["totalErrors"],
        "retrievedAt": iso(now),
        "phases": list(activity.phases),
        "currentPhase": running,
        "currentPhaseNumber": position,
        "totalPhases": steps,
    }


def progress_json(activity: Activity, now: datetime) -> bytes:
    return orjson.dumps(progress(activity, now))
