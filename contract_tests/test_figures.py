"""Every activity's figures are the counts over its items and children, walked through the API from the list down.

The oracle below is written from the contract's description of each figure (openapi.yaml,
"Figures" and the ExecutionStats fields), not from the server's code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from contract_tests.expect import Expected
from contract_tests.target import ACTIVITIES_URL, Target
from contract_tests.walk import walk

RUN_PROFILE = "ConnectedSystemRunProfile"
WALK_LIMIT = 20_000
"""Activities with more items than this are checked by their figures' arithmetic, not by walking every page."""

OUTCOME_COUNTERS = {
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
    "PendingExportCreated": "totalPendingExports",
    "DeprovisionQueued": "totalPendingExports",
    "PendingExportConfirmed": "totalPendingExportsConfirmed",
    "Created": "totalCreated",
}
ERROR_COUNTERS = {
    "ExportNotConfirmed": "totalPendingExportsRetrying",
    "ExportConfirmationFailed": "totalPendingExportsFailed",
}
CHANGE_COUNTERS = {"Add": "totalCsoAdds", "Update": "totalCsoUpdates", "Delete": "totalCsoDeletes"}
"""By the documented names; a profile may send others (Expected.change_names)."""


def change_counters(profile: Expected) -> dict[str, str]:
    """The counter each change type counts towards, by the name the profile sends."""
    return {profile.change_names[name]: counter for name, counter in CHANGE_COUNTERS.items()}


HEADER_TOTALS = {
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
    # JIM's header has four more, each the statistic of the same name.
    "totalDisconnectedOutOfScope": "totalDisconnectedOutOfScope",
    "totalOutOfScopeRetainJoin": "totalOutOfScopeRetainJoin",
    "totalDriftCorrections": "totalDriftCorrections",
    "totalCreated": "totalCreated",
}


def expected_stats(items: list[dict[str, Any]], objects_processed: int, profile: Expected) -> dict[str, int]:
    """The statistics the contract prescribes for a run over these items, change types named as `profile` names them."""
    stats: Counter[str] = Counter()
    for item in items:
        stats[change_counters(profile)[item["objectChangeType"]]] += 1
        if item["errorType"] is not None:
            stats["totalObjectErrors"] += 1
            if item["errorType"] in ERROR_COUNTERS:
                stats[ERROR_COUNTERS[item["errorType"]]] += 1
        for pair in (item["outcomeSummary"] or "").split(","):
            if pair:
                name, count = pair.split(":")
                stats[OUTCOME_COUNTERS[name]] += int(count)
    stats["totalObjectsProcessed"] = objects_processed
    stats["totalObjectChangeCount"] = len(items)
    stats["totalUnchanged"] = max(0, objects_processed - len(items))
    stats["totalObjectTypes"] = len({i["connectedSystemObjectType"] for i in items} - {None})
    return dict(stats)


def nonzero(stats: dict[str, int]) -> dict[str, int]:
    return {name: value for name, value in stats.items() if value}


def every_activity(target: Target) -> Iterator[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]:
    """(header as listed, detail, children) for every activity: the list's, then each one's children, depth first."""
    stack = [(header, None) for header in reversed(walk(target, ACTIVITIES_URL, "headers"))]
    while stack:
        header, parent = stack.pop()
        response = target.admin(target.activity_url(header["id"]))
        assert response.status_code == 200, response.text[:300]
        detail = response.json()
        assert detail["parentActivityId"] == parent, (header["id"], detail["parentActivityId"], parent)
        children = walk(target, target.activity_url(header["id"], "children"), "headers")
        yield header, detail, children
        stack += [(child, header["id"]) for child in reversed(children)]


@pytest.fixture(scope="module")
def activities(target: Target) -> list[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]:
    walked = list(every_activity(target))
    ids = [header["id"] for header, _, _ in walked]
    assert len(ids) == len(set(ids)), "an activity is reachable twice"
    return walked


def test_every_activity_is_reached_once_and_shows_the_same_header_everywhere(
    target: Target, activities: list[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]
) -> None:
    profile = target.profile
    for header, detail, _ in activities:
        assert set(header) == profile.header_keys and set(detail) == profile.detail_keys, header["id"]
        shared = profile.header_keys & profile.detail_keys
        assert {name: detail[name] for name in shared} == {name: header[name] for name in shared}, header["id"]


def test_child_activity_count_is_the_number_of_children_in_creation_order(
    target: Target, activities: list[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]
) -> None:
    for header, _, children in activities:
        counted = len(children) if target.profile.counts_children_in_rows else 0  # JIM's rows never count
        assert header["childActivityCount"] == counted, header["id"]
        order = [(child["created"], child["id"]) for child in children]
        assert order == sorted(order), f"children of {header['id']} are not in (created, id) order"


def test_activities_without_items_have_no_statistics_and_zero_totals(
    target: Target, activities: list[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]
) -> None:
    others = [(header, detail) for header, detail, _ in activities if header["targetType"] != RUN_PROFILE]
    if not others:
        pytest.skip("the target lists no activity that is not a Run Profile activity")
    for header, detail in others:
        assert detail["executionStats"] is None, header["id"]
        assert all(header[total] == 0 for total in HEADER_TOTALS if total in header), header["id"]
        stats = target.admin(target.activity_url(header["id"], "stats"))
        target.assert_error(stats, 400, "BAD_REQUEST")


def test_every_run_profile_activitys_figures_are_the_counts_over_its_items(
    target: Target, activities: list[tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]]
) -> None:
    runs = [(header, detail) for header, detail, _ in activities if header["targetType"] == RUN_PROFILE]
    walked = 0
    for header, detail in runs:
        if target.clock is None and header["status"] == "InProgress":
            # A live server's clock runs: a moving run's figures and items are read at different moments.
            # It is checked in-process, where the clock stands still, and once ended by test_progress.
            continue
        response = target.admin(target.activity_url(header["id"], "stats"))
        assert response.status_code == 200, response.text[:300]
        stats = response.json()
        assert detail["executionStats"] == stats, header["id"]
        shown = {total: counter for total, counter in HEADER_TOTALS.items() if total in target.profile.header_keys}
        assert {total: header[total] for total in shown} == {t: stats[c] for t, c in shown.items()}, header["id"]
        assert header["objectsProcessed"] <= header["objectsToProcess"], header["id"]
        first_page = target.items(header["id"], pageSize=1).json()
        assert first_page["totalCount"] == stats["totalObjectChangeCount"], header["id"]
        if stats["totalObjectChangeCount"] > WALK_LIMIT:
            assert_figures_add_up(stats, header["objectsProcessed"])
            assert_sampled_items_are_all_counted(target, header["id"], stats["totalObjectChangeCount"])
            continue
        items = walk(target, target.items_url(header["id"]), "items")
        expected = expected_stats(items, header["objectsProcessed"], target.profile)
        assert nonzero(stats) == nonzero(expected), header["id"]
        walked += 1
    assert walked or not runs, "no run profile activity was small enough to walk"


def assert_figures_add_up(stats: dict[str, int], objects_processed: int) -> None:
    """What must hold between the figures of a run too large to walk in a test."""
    changes = stats["totalCsoAdds"] + stats["totalCsoUpdates"] + stats["totalCsoDeletes"]
    assert changes == stats["totalObjectChangeCount"], stats
    assert stats["totalObjectsProcessed"] == objects_processed >= stats["totalObjectChangeCount"], stats
    assert stats["totalUnchanged"] == objects_processed - stats["totalObjectChangeCount"], stats
    assert stats["totalObjectErrors"] <= stats["totalObjectChangeCount"], stats
    assert stats["totalObjectTypes"] >= 1, stats


def assert_sampled_items_are_all_counted(target: Target, activity: str, count: int) -> None:
    """Pages from the start, middle and end hold only what the figures count, so the arithmetic covers every item."""
    last_page = -(-count // 100)
    for page in sorted({1, last_page // 2 or 1, min(last_page, 10_001)}):
        for item in target.items(activity, page=page, pageSize=100).json()["items"]:
            assert item["objectChangeType"] in change_counters(target.profile), item
            for pair in (item["outcomeSummary"] or "").split(","):
                assert not pair or pair.split(":")[0] in OUTCOME_COUNTERS, item
