"""The sandbox's history as one consistent world: connected systems, their run profiles, and activities that agree.

A fixture gives only what cannot be computed (names, times, who, how many objects were in
scope); what can be computed is: a run profile activity's target, context and run type come
from its run profile, every total and statistic from its items, childActivityCount from the
activities naming it as their parent. What is given is checked against what is computed, and
the first disagreement stops start-up naming the file, the record and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from openapi_schema_validator import OAS30Validator

from mockserver.world import figures
from mockserver.world.activity import DETAIL_FIELDS, HEADER_FIELDS, Activity, build_activity
from mockserver.world.files import FixtureError, check_records, fixture_error, read_json, unique
from mockserver.world.items import ItemSource, check_generated, generated_items, load_item_file
from mockserver.world.pools import ItemPools
from mockserver.world.records import ACTIVITY_RECORD, COMPUTED_FIELDS, DERIVED_FROM_RUN_PROFILE, validator
from mockserver.world.systems import SYSTEMS_FILE, Systems
from mockserver.world.tally import Tally
from mockserver.world.vocabulary import RUN_PROFILE

ACTIVITIES_FILE = "activities.json"


@dataclass(frozen=True)
class Draft:
    """An activity read and checked on its own, before its children are known."""

    index: int
    fields: dict[str, Any]
    parent_id: str | None
    created: datetime
    executed: datetime | None
    items: ItemSource | None
    tally: Tally


def utc(text: str) -> datetime:
    """A fixture time (UTC_TIME), comparable with any other."""
    return datetime.fromisoformat(text).astimezone(UTC)


def seconds(timespan: str) -> float:
    match = re.fullmatch(r"(?:(\d+)\.)?(\d\d):(\d\d):(\d\d)(\.\d+)?", timespan)
    assert match is not None  # the record schema has checked the pattern
    days, hours, minutes, secs, fraction = match.groups()
    return int(days or 0) * 86_400 + int(hours) * 3_600 + int(minutes) * 60 + int(secs) + float(fraction or 0)


class ActivityReader:
    """Turns the records of activities.json into activities, checking each against the world."""

    def __init__(
        self,
        fixtures: Path,
        systems: Systems,
        item_validator: OAS30Validator,
        seed: int,
        change_names: Mapping[str, str] | None = None,
    ) -> None:
        self.fixtures = fixtures
        self.change_names = dict(change_names or {})
        self.path = fixtures / ACTIVITIES_FILE
        self.systems = systems
        self.item_validator = item_validator
        self.seed = seed
        self.sources: list[str] = [str(self.path)]
        self._pools: ItemPools | None = None
        self._checked: set[tuple[str, bool]] = set()

    def refuse(self, index: int, record: Mapping[str, Any], field: str, problem: str) -> FixtureError:
        return fixture_error(self.path, index, record.get("id"), field, problem)

    def read(self) -> dict[str, Activity]:
        records = check_records(self.path, read_json(self.path), validator(ACTIVITY_RECORD), "activity")
        unique(self.path, (r["id"] for r in records), "id")
        drafts = {record["id"]: self.draft(index, record) for index, record in enumerate(records)}
        children: dict[str, list[Draft]] = {activity_id: [] for activity_id in drafts}
        for draft in drafts.values():
            if draft.parent_id is not None:
                self.check_parent(draft, drafts)
                children[draft.parent_id].append(draft)
        activities = {}
        for activity_id, draft in drafts.items():
            # Children in creation order, id breaking ties (as JIM orders them).
            ordered = tuple(sorted((c.created, c.fields["id"]) for c in children[activity_id]))
            is_run_profile = draft.fields["targetType"] == RUN_PROFILE
            stats = figures.execution_stats(draft.tally, draft.fields["objectsProcessed"]) if is_run_profile else None
            totals = figures.header_totals(stats) if stats is not None else figures.NO_ITEMS
            self.check_status(draft, totals["totalErrors"])
            activities[activity_id] = build_activity(
                activity_id=activity_id,
                parent_id=draft.parent_id,
                created=draft.created,
                executed=draft.executed,
                fields=draft.fields,
                items=draft.items,
                totals=totals,
                stats=stats,
                children=tuple(child_id for _, child_id in ordered),
            )
        return activities

    def draft(self, index: int, record: dict[str, Any]) -> Draft:
        for name in record:
            if name in COMPUTED_FIELDS:
                raise self.refuse(index, record, name, "computed by the server (from run profiles, items and children)")
            if name not in ACTIVITY_RECORD["properties"]:
                raise self.refuse(index, record, name, "not a field of an activity record")
        fields: dict[str, Any] = {name: record.get(name) for name in (*HEADER_FIELDS, *DETAIL_FIELDS)}
        fields["objectsToProcess"] = record.get("objectsToProcess", 0)
        fields["objectsProcessed"] = record.get("objectsProcessed", 0)
        if record["targetType"] == RUN_PROFILE:
            self.fill_from_run_profile(index, record, fields)
        else:
            for name in ("runProfileId", "items"):
                if record.get(name) is not None:
                    raise self.refuse(index, record, name, "only Run Profile activities have one")
            system = record.get("connectedSystemId")
            if system is not None and system not in self.systems.names:
                raise self.refuse(index, record, "connectedSystemId", f"no connected system {system} in {SYSTEMS_FILE}")
        items = self.items(index, record)
        tally = items.tally() if items is not None else Tally()
        created = utc(record["created"])
        executed = utc(record["executed"]) if record["executed"] is not None else None
        draft = Draft(index, fields, record.get("parentActivityId"), created, executed, items, tally)
        self.check_figures(draft, record)
        return draft

    def fill_from_run_profile(self, index: int, record: dict[str, Any], fields: dict[str, Any]) -> None:
        if "runProfileId" not in record:
            raise self.refuse(index, record, "runProfileId", "a Run Profile activity names its run profile")
        for name in DERIVED_FROM_RUN_PROFILE:
            if name in record:
                raise self.refuse(index, record, name, "derived from runProfileId; remove it")
        profile = self.systems.run_profiles.get(record["runProfileId"])
        if profile is None:
            problem = f"no run profile {record['runProfileId']} in {SYSTEMS_FILE}"
            raise self.refuse(index, record, "runProfileId", problem)
        fields.update(
            targetName=profile.name,
            targetContext=profile.system_name,
            connectedSystemId=profile.system_id,
            connectedSystemRunProfileId=profile.id,
            connectedSystemRunType=profile.run_type,
        )

    def items(self, index: int, record: dict[str, Any]) -> ItemSource | None:
        spec = record["items"]
        if spec is None:
            return None
        if "file" in spec:
            try:
                item_path = (self.fixtures / spec["file"]).resolve()
            except (OSError, RuntimeError, ValueError) as exc:  # a symlink loop (RuntimeError before 3.13), a NUL
                raise self.refuse(index, record, "items.file", f"not a usable path: {exc}") from None
            if not item_path.is_relative_to(self.fixtures.resolve()):
                raise self.refuse(index, record, "items.file", f"must stay inside {self.fixtures}")
            self.sources.append(str(item_path))
            return load_item_file(item_path, self.item_validator, self.change_names)
        self._pools = self._pools or ItemPools(self.seed, self.change_names)
        generated = generated_items(self._pools, record["id"], spec["generate"])
        # Generated activities share their bodies: proving one full sample of each outcome vocabulary
        # (every change and error type) and each activity's own first and last item proves them all.
        kind = (spec["generate"].get("outcomes", "sync"), spec["generate"].get("errors", True))
        try:
            if kind not in self._checked:
                sample = generated_items(self._pools, "sample", {**spec["generate"], "count": 700})
                check_generated(sample, self.item_validator)
                self._checked.add(kind)
            check_generated(generated, self.item_validator, full=False)
        except ValueError as exc:
            raise self.refuse(index, record, "items.generate", str(exc)) from None
        return generated

    def check_figures(self, draft: Draft, record: dict[str, Any]) -> None:
        """What the fixture gives must agree with itself and with the items."""
        f, index = draft.fields, draft.index
        if f["objectsProcessed"] > f["objectsToProcess"]:
            problem = f"{f['objectsProcessed']:,} processed is more than the {f['objectsToProcess']:,} to process"
            raise self.refuse(index, record, "objectsProcessed", problem)
        if f["objectsProcessed"] < draft.tally.items:
            problem = f"{f['objectsProcessed']:,} processed, fewer than its {draft.tally.items:,} changed (its items)"
            raise self.refuse(index, record, "objectsProcessed", problem)
        if draft.executed is None:
            if f["status"] != "Cancelled":
                raise self.refuse(index, record, "executed", "only a Cancelled activity may never have started")
            if f["executionTime"] is not None:
                raise self.refuse(index, record, "executionTime", "an activity that never started has none")
        elif draft.executed < draft.created:
            raise self.refuse(index, record, "executed", "before the activity was created")
        if f["status"] == "InProgress" and f["totalActivityTime"] is not None:
            raise self.refuse(index, record, "totalActivityTime", "an activity in progress has not finished")
        timed = f["executionTime"] is not None and f["totalActivityTime"] is not None
        if timed and seconds(f["executionTime"]) > seconds(f["totalActivityTime"]):
            raise self.refuse(index, record, "executionTime", "longer than totalActivityTime")

    def check_status(self, draft: Draft, errors: int) -> None:
        """The status says what the items and messages show."""
        f, index, status = draft.fields, draft.index, draft.fields["status"]
        if status in ("Complete", "CompleteWithWarning") and errors:
            raise self.refuse(index, f, "status", f"{status} but {errors:,} items have errors: use CompleteWithError")
        if status == "CompleteWithError" and not errors:
            raise self.refuse(index, f, "status", "CompleteWithError but no item has an error")
        if status == "CompleteWithWarning" and f["warningMessage"] is None:
            raise self.refuse(index, f, "warningMessage", "a CompleteWithWarning activity says what the warning was")
        if status == "FailedWithError" and f["errorMessage"] is None:
            raise self.refuse(index, f, "errorMessage", "a FailedWithError activity says what failed")
        if status in ("Complete", "CompleteWithWarning", "CompleteWithError") and f["errorMessage"] is not None:
            raise self.refuse(index, f, "errorMessage", f"a {status} activity did not fail")

    def check_parent(self, draft: Draft, drafts: Mapping[str, Draft]) -> None:
        f, index = draft.fields, draft.index
        parent = drafts.get(draft.parent_id or "")
        if parent is None:
            raise self.refuse(index, f, "parentActivityId", f"no activity {draft.parent_id} in {ACTIVITIES_FILE}")
        seen = {f["id"]}
        ancestor: Draft | None = parent
        while ancestor is not None:
            if ancestor.fields["id"] in seen:
                raise self.refuse(index, f, "parentActivityId", "activities cannot be their own ancestors")
            seen.add(ancestor.fields["id"])
            ancestor = drafts.get(ancestor.parent_id or "")
        if draft.created < parent.created:
            raise self.refuse(index, f, "created", f"before its parent {parent.fields['id']} was created")
        if f["status"] == "InProgress" and parent.fields["status"] != "InProgress":
            raise self.refuse(index, f, "status", "InProgress under a parent that has finished")
