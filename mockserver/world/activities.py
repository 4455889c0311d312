"""The sandbox's history as one consistent world: connected systems, their run profiles, and activities that agree.

A fixture gives only what cannot be computed (names, times, who, how many objects were in scope, how long
each step took); what can be computed is: a run profile activity's target, context and run type come from
its run profile, every total and statistic from its items, childActivityCount from the activities naming it
as their parent, a schedule step's attribution from its parent execution. What is given is checked against
what is computed, and the first disagreement stops start-up naming the file, the record and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

from openapi_schema_validator import OAS30Validator

from mockserver.world import checks, figures, schedules
from mockserver.world.activity import Activity, build_activity
from mockserver.world.files import FixtureError, check_records, fixture_error, read_json, unique
from mockserver.world.generator import GeneratedActivity
from mockserver.world.items import FirstItems, ItemSource, check_generated, generated_items, load_item_file
from mockserver.world.live import LiveActivity, Moment
from mockserver.world.phases import Timeline
from mockserver.world.pools import ItemPools
from mockserver.world.records import ACTIVITY_RECORD, COMPUTED_FIELDS, DERIVED_FROM_RUN_PROFILE, validator
from mockserver.world.shapes import DETAIL_FIELDS, HEADER_FIELDS, JIM_DETAIL_FIELDS, Shape
from mockserver.world.systems import SYSTEMS_FILE, Systems
from mockserver.world.tally import Tally
from mockserver.world.times import utc
from mockserver.world.vocabulary import CHANGE_TYPES, RUN_PROFILE

ACTIVITIES_FILE = "activities.json"


@dataclass(frozen=True)
class Draft:
    """An activity read and checked on its own, before its children are known."""

    index: int
    record: Mapping[str, Any]
    fields: dict[str, Any]
    parent_id: str | None
    created: datetime
    executed: datetime | None
    items: ItemSource | None
    """As recorded by the world's start (the first of a live run's final items)."""
    tally: Tally
    timeline: Timeline | None


class ActivityReader:
    """Turns the records of activities.json into activities, checking each against the world."""

    def __init__(
        self,
        fixtures: Path,
        systems: Systems,
        item_validator: OAS30Validator,
        seed: int,
        shape: Shape,
        change_names: Mapping[str, str] | None = None,
    ) -> None:
        self.fixtures = fixtures
        self.shape = shape
        self.change_names = dict(change_names or {})
        self.path = fixtures / ACTIVITIES_FILE
        self.systems = systems
        self.item_validator = item_validator
        self.seed = seed
        self.sources: list[str] = [str(self.path)]
        self.drafts: dict[str, Draft] = {}
        self.children: dict[str, tuple[str, ...]] = {}
        self.executions: dict[str, schedules.Execution] = {}
        self.final_items: dict[str, ItemSource | None] = {}
        self._pools: ItemPools | None = None
        self._checked: set[tuple[str, bool]] = set()

    def refuser(self, index: int, record: Mapping[str, Any]) -> checks.Refuse:
        def refuse(field: str, problem: str) -> NoReturn:
            raise fixture_error(self.path, index, record.get("id"), field, problem)

        return refuse

    def read(self) -> dict[str, Activity]:
        """Every activity as it stands at the world's start."""
        records = check_records(self.path, read_json(self.path), validator(ACTIVITY_RECORD), "activity")
        unique(self.path, (r["id"] for r in records), "id")
        try:
            self.executions = schedules.executions(records)
        except schedules.ScheduleError as exc:
            self.refuser(exc.index, records[exc.index])("schedule", str(exc))
        self.drafts = {record["id"]: self.draft(index, record) for index, record in enumerate(records)}
        children: dict[str, list[Draft]] = {activity_id: [] for activity_id in self.drafts}
        for draft in self.drafts.values():
            if draft.parent_id is not None:
                self.check_parent(draft)
                children[draft.parent_id].append(draft)
        # Children in creation order, id breaking ties (as JIM orders them).
        self.children = {
            parent: tuple(child for _, child in sorted((c.created, c.fields["id"]) for c in found))
            for parent, found in children.items()
        }
        return {activity_id: self.assemble(activity_id) for activity_id in self.drafts}

    def assemble(self, activity_id: str, moment: Moment | None = None) -> Activity:
        """The activity as it stands, or (a live one) at `moment`: its figures from its items, its JSON built."""
        draft = self.drafts[activity_id]
        fields, items, tally, ended, rate = draft.fields, draft.items, draft.tally, None, None
        if moment is not None:
            fields, ended, rate = dict(moment.fields), moment.ended, moment.rate
            final = self.final_items[activity_id]
            if isinstance(final, GeneratedActivity) and moment.items is not None:
                items = FirstItems(final, moment.items)
                tally = items.tally()
        stats = (
            figures.execution_stats(tally, fields["objectsProcessed"]) if fields["targetType"] == RUN_PROFILE else None
        )
        totals = figures.header_totals(stats) if stats is not None else figures.NO_ITEMS
        checks.status(fields, totals["totalErrors"], self.refuser(draft.index, draft.record))
        parent = self.executions.get(draft.parent_id or "")
        steps = self.children.get(draft.parent_id or "", ())
        return build_activity(
            shape=self.shape,
            activity_id=activity_id,
            parent_id=draft.parent_id,
            created=draft.created,
            executed=draft.executed,
            fields=fields,
            items=items,
            totals=totals,
            stats=stats,
            children=self.children[activity_id],
            phases=draft.timeline.rows(checks.state_of(fields["status"]), ended) if draft.timeline else (),
            attribution=schedules.attribution(parent, steps.index(activity_id)) if parent else None,
            operation_counts={
                self.change_names.get(name, name): tally.change_types[name]
                for name in CHANGE_TYPES
                if tally.change_types[name]
            },
            rate=rate,
        )

    def draft(self, index: int, record: dict[str, Any]) -> Draft:
        refuse = self.refuser(index, record)
        for name in record:
            if name in COMPUTED_FIELDS:
                refuse(name, "computed by the server (from run profiles, items and children)")
            if name not in ACTIVITY_RECORD["properties"]:
                refuse(name, "not a field of an activity record")
        fields: dict[str, Any] = {
            name: record.get(name) for name in (*HEADER_FIELDS, *DETAIL_FIELDS, *JIM_DETAIL_FIELDS)
        }
        fields["objectsToProcess"] = record.get("objectsToProcess", 0)
        fields["objectsProcessed"] = record.get("objectsProcessed", 0)
        if record["targetType"] == RUN_PROFILE:
            self.fill_from_run_profile(record, fields, refuse)
        else:
            for name in ("runProfileId", "items"):
                if record.get(name) is not None:
                    refuse(name, "only Run Profile activities have one")
            system = record.get("connectedSystemId")
            if system is not None and system not in self.systems.names:
                refuse("connectedSystemId", f"no connected system {system} in {SYSTEMS_FILE}")
        items = self.final_items[record["id"]] = self.items(index, record)
        live = record.get("live")
        if live is not None and items is not None:
            recorded = live.get("itemsAsOf")
            if not isinstance(items, GeneratedActivity) or recorded is None or recorded > items.count:
                problem = "a live run's items are generated: say how many of them (at most all) it had as of live.asOf"
                refuse("live.itemsAsOf", problem)
            items = FirstItems(items, recorded)
        tally = items.tally() if items is not None else Tally()
        created = utc(record["created"])
        executed = utc(record["executed"]) if record["executed"] is not None else None
        checks.figures(fields, tally.items, created, executed, refuse)
        checks.steps(record, fields, executed, refuse)
        timeline = None
        if record.get("phases") is not None and executed is not None:
            timeline = Timeline(fields["connectedSystemRunType"], record["phases"], executed)
        return Draft(index, record, fields, record.get("parentActivityId"), created, executed, items, tally, timeline)

    def fill_from_run_profile(self, record: dict[str, Any], fields: dict[str, Any], refuse: checks.Refuse) -> None:
        if "runProfileId" not in record:
            refuse("runProfileId", "a Run Profile activity names its run profile")
        for name in DERIVED_FROM_RUN_PROFILE:
            if name in record:
                refuse(name, "derived from runProfileId; remove it")
        profile = self.systems.run_profiles.get(record["runProfileId"])
        if profile is None:
            refuse("runProfileId", f"no run profile {record['runProfileId']} in {SYSTEMS_FILE}")
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
                self.refuser(index, record)("items.file", f"not a usable path: {exc}")
            if not item_path.is_relative_to(self.fixtures.resolve()):
                self.refuser(index, record)("items.file", f"must stay inside {self.fixtures}")
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
            self.refuser(index, record)("items.generate", str(exc))
        return generated

    def check_parent(self, draft: Draft) -> None:
        refuse = self.refuser(draft.index, draft.record)
        parent = self.drafts.get(draft.parent_id or "")
        if parent is None:
            refuse("parentActivityId", f"no activity {draft.parent_id} in {ACTIVITIES_FILE}")
        seen = {draft.fields["id"]}
        ancestor: Draft | None = parent
        while ancestor is not None:
            if ancestor.fields["id"] in seen:
                refuse("parentActivityId", "activities cannot be their own ancestors")
            seen.add(ancestor.fields["id"])
            ancestor = self.drafts.get(ancestor.parent_id or "")
        if draft.created < parent.created:
            refuse("created", f"before its parent {parent.fields['id']} was created")
        if draft.fields["status"] == "InProgress" and parent.fields["status"] != "InProgress":
            refuse("status", "InProgress under a parent that has finished")

    def live(self) -> list[LiveActivity]:
        """The records that move with the clock (after read()), each checked against the world."""
        found = []
        for draft in self.drafts.values():
            spec = draft.record.get("live")
            final = self.final_items[draft.fields["id"]]
            children = [self.drafts[child] for child in self.children[draft.fields["id"]]]
            checks.live(
                spec,
                draft.fields,
                {"items": draft.items.count if draft.items else None, "final": final.count if final else None},
                [(child.fields["status"], child.record.get("live") is not None) for child in children],
                self.refuser(draft.index, draft.record),
            )
            if spec is None:
                continue
            found.append(
                LiveActivity(
                    id=draft.fields["id"],
                    fields=draft.fields,
                    created=draft.created,
                    executed=draft.executed or draft.created,
                    final_status=spec["status"],
                    final_message=spec["message"],
                    progress_message=spec.get("progressMessage"),
                    items_at_start=draft.items.count if draft.items is not None else None,
                    final_items=final.count if final is not None else None,
                    runs=draft.fields["targetType"] == RUN_PROFILE,
                )
            )
        return found


__all__ = ["ActivityReader", "FixtureError"]
