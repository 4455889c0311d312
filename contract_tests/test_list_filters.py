"""The activity list's filters: JIM applies them (AND across, OR within a repeated one), the documentation has none.

The oracle is JIM's query as its source states it (ActivitiesRepository.BuildTopLevelActivitiesQuery), applied
to the rows of the unfiltered list; how a value binds is ASP.NET's model binding of an action's parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from contract_tests.target import ACTIVITIES_URL, Target
from contract_tests.walk import walk

Row = dict[str, Any]
FIELDS = {
    "targetType": "targetType",
    "initiatorType": "initiatedByType",
    "operation": "targetOperationType",
    "status": "status",
    "connectedSystem": "targetContext",
    "runProfile": "targetName",
}


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def predicate(name: str, values: list[str], children: dict[str, int]) -> Callable[[Row], bool]:
    """JIM's predicate for one filter and its values (a repeated one: any of them)."""
    if name in FIELDS:
        return lambda row: row[FIELDS[name]] is not None and row[FIELDS[name]] in values
    if name == "outcome":
        return lambda row: any(row[f"total{value}"] > 0 for value in values)  # Errors: totalErrors, …
    if name == "initiatedById":
        return lambda row: row["initiatedById"] == values[0]
    if name == "hasChildActivities":
        return lambda row: (children[row["id"]] > 0) == (values[0] == "true")
    if name == "createdFrom":
        return lambda row: moment(row["created"]) >= moment(values[0])
    if name == "createdTo":
        return lambda row: moment(row["created"]) <= moment(values[0])
    if name == "initiatedBy":
        return lambda row: row["initiatedByName"] is not None and values[0].lower() in row["initiatedByName"].lower()
    if name == "scheduledOnly":
        return lambda row: (row["scheduledByScheduleId"] is not None) == (values[0] == "true")
    if name == "scheduleId":
        return lambda row: row["scheduledByScheduleId"] in values
    raise AssertionError(f"no oracle for {name}")


@pytest.fixture(scope="module")
def listed(target: Target) -> list[Row]:
    return walk(target, ACTIVITIES_URL, "headers")


@pytest.fixture(scope="module")
def children(target: Target, listed: list[Row]) -> dict[str, int]:
    """How many children each listed activity has (JIM's rows say 0, so ask)."""
    return {
        row["id"]: target.admin(target.activity_url(row["id"], "children"), pageSize=1).json()["totalCount"]
        for row in listed
    }


def first_value(listed: list[Row], field: str) -> str:
    value = next((row[field] for row in listed if row.get(field)), None)
    if value is None:
        pytest.skip(f"no listed activity has a {field}")
    return str(value)


FILTERS: list[tuple[str, Callable[[list[Row]], dict[str, list[str]]]]] = [
    ("one status", lambda _: {"status": ["FailedWithError"]}),
    ("two statuses", lambda _: {"status": ["Complete", "Cancelled"]}),
    ("target type", lambda _: {"targetType": ["ConnectedSystemRunProfile"]}),
    ("operations", lambda _: {"operation": ["ImportSchema", "Delete"]}),
    ("initiator type", lambda _: {"initiatorType": ["User"]}),
    ("errors", lambda _: {"outcome": ["Errors"]}),
    ("outcomes", lambda _: {"outcome": ["Projected", "Exported"]}),
    ("initiator", lambda rows: {"initiatedById": [first_value(rows, "initiatedById")]}),
    ("with children", lambda _: {"hasChildActivities": ["true"]}),
    ("without children", lambda _: {"hasChildActivities": ["false"]}),
    ("created from", lambda rows: {"createdFrom": [sorted(r["created"] for r in rows)[len(rows) // 2]]}),
    ("created to", lambda rows: {"createdTo": [sorted(r["created"] for r in rows)[len(rows) // 2]]}),
    ("connected systems", lambda rows: {"connectedSystem": [first_value(rows, "targetContext"), "nowhere"]}),
    ("run profile", lambda rows: {"runProfile": [first_value(rows, "targetName")]}),
    ("initiator's name", lambda rows: {"initiatedBy": [first_value(rows, "initiatedByName")[1:4].upper()]}),
    ("scheduled", lambda _: {"scheduledOnly": ["true"]}),
    ("unscheduled", lambda _: {"scheduledOnly": ["false"]}),
    ("AND across", lambda rows: {"status": ["Complete"], "connectedSystem": [first_value(rows, "targetContext")]}),
]


@pytest.mark.parametrize("case", [name for name, _ in FILTERS])
def test_each_filter_keeps_exactly_the_matching_activities(
    target: Target, listed: list[Row], children: dict[str, int], case: str
) -> None:
    params = dict(FILTERS)[case](listed)
    found = walk(target, ACTIVITIES_URL, "headers", **params)
    if not target.profile.list_filters:  # the documentation has no filters: unknown parameters, ignored
        assert [row["id"] for row in found] == [row["id"] for row in listed]
        return
    tests = [predicate(name, values, children) for name, values in params.items()]
    assert [row["id"] for row in found] == [row["id"] for row in listed if all(test(row) for test in tests)], params


@pytest.mark.parametrize(
    ("given", "same_as"),
    [
        ({"status": "failedwitherror"}, {"status": "FailedWithError"}),  # names in any case
        ({"status": "5"}, {"status": "FailedWithError"}),  # or by the number the enum gives them
        ({"hasChildActivities": " TRUE "}, {"hasChildActivities": "true"}),
        ({"createdFrom": "2026-04-04"}, {"createdFrom": "2026-04-04T00:00:00Z"}),  # a date is its midnight, UTC
        ({"createdFrom": "2026-04-04T02:00:00+02:00"}, {"createdFrom": "2026-04-04T00:00:00Z"}),
        ({"STATUS": "FailedWithError"}, {"status": "FailedWithError"}),  # query keys in any case
        ({"createdFrom": "", "initiatedBy": "  "}, {}),  # blank: no filter
    ],
)
def test_filter_values_bind_as_aspnet_binds_them(
    target: Target, given: dict[str, str], same_as: dict[str, str]
) -> None:
    if not target.profile.list_filters:
        target.not_in_profile("its list has no filters (test_each_filter_keeps_exactly_the_matching_activities)")
    answer, expected = target.activities(pageSize=100, **given), target.activities(pageSize=100, **same_as)
    assert answer.status_code == expected.status_code == 200, answer.text[:300]
    assert answer.json() == expected.json()


def test_a_guid_binds_in_any_form_net_parses(target: Target, listed: list[Row]) -> None:
    if not target.profile.list_filters:
        target.not_in_profile("its list has no filters")
    principal = first_value(listed, "initiatedById")
    braced = "{" + principal.upper() + "}"
    assert target.activities(initiatedById=braced).json() == target.activities(initiatedById=principal).json()


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"status": "Bogus"}, {"status": ["The value 'Bogus' is not valid."]}),
        ({"status": "99"}, {"status": ["The value '99' is invalid."]}),  # a number the enum does not define
        ({"status": ""}, {"status": ["The value '' is invalid."]}),  # null, which an enum value cannot hold
        ({"outcome": ["Errors", "Mistakes"]}, {"outcome": ["The value 'Mistakes' is not valid."]}),
        ({"hasChildActivities": "yes"}, {"hasChildActivities": ["The value 'yes' is not valid."]}),
        ({"initiatedById": "not-a-guid"}, {"initiatedById": ["The value 'not-a-guid' is not valid."]}),
        ({"createdTo": "yesterday"}, {"createdTo": ["The value 'yesterday' is not valid."]}),
        ({"scheduleId": ["x"]}, {"scheduleId": ["The value 'x' is not valid."]}),
        (
            {"targetType": "Nothing", "page": "abc"},
            {"targetType": ["The value 'Nothing' is not valid."], "Page": ["The value 'abc' is not valid for Page."]},
        ),
    ],
)
def test_a_filter_value_that_cannot_be_bound_is_a_400_naming_the_parameter(
    target: Target, params: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    response = target.activities(**params)
    if not target.profile.list_filters:
        if "page" in params:
            target.not_in_profile("a filter with a bad page is judged by the page alone (test_paging)")
        assert response.status_code == 200, response.text[:300]
        return
    named = ["page" if key == "Page" else key for key in errors]
    rejection = target.assert_validation_error(response, *named)
    assert {target.profile.key(name): rejection.errors[name] for name in named} == errors
