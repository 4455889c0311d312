"""The drift report: between the profiles it lists what jim-observed.md records and nothing else, docs/profiles.md
holds its latest copy, and it finds nothing between a server and itself, in-process or over HTTP."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from mockserver.cli import main
from mockserver.drift import markdown, report
from mockserver.drift.answers import DROPPED
from mockserver.drift.probes import PROBES
from mockserver.profiles.jim import JIM_CSP
from mockserver.settings import PROJECT_ROOT
from scripts.contract_live import free_port, wait_until_healthy

DOCS_PAGE = PROJECT_ROOT / "docs" / "profiles.md"

# Every probe on which the jim profile answers otherwise than the documented one, what differs (by the
# report's columns; "headers" for a header of that probe alone), and the fact of JIM's source it shows
# (jim-observed.md, jim-source.md).
DIFFERENCES = {
    # Vocabulary: objectChangeType uses past-tense names; Add, Update, Delete never occur. Headers: what an
    # action answers is application/json; charset=utf-8 and carries api-supported-versions (listed once, here).
    "a page of items": {"values", "headers"},
    # Paging: a page past the last has totalCount 0 and totalPages 0.
    "past the last page": {"values"},
    # Errors: validation failures are problem details, PascalCase keys, no code;
    # "The value 'abc' is not valid for Page." ...
    "page not an integer": {"body shape", "values"},
    # ... for a page or pageSize out of range too ...
    "pageSize beyond 32 bits": {"body shape", "values"},
    # ... and for the depth ceiling, in JIM's words.
    "beyond the depth ceiling": {"body shape", "values"},
    # Errors: 401 is {"error": "Unauthorized", "message": "Authentication required"}, no code.
    "no key": {"body shape", "values"},
    # Errors: 403 has an empty body.
    "key without the Administrator role": {"content type", "body shape", "headers"},
    # Paging: sortDirection must be exactly asc or desc (case-sensitive) ...
    "sortDirection in capitals": {"status", "body shape"},
    # ... sortBy at most 100 characters ...
    "sortBy of 101 characters": {"status", "body shape"},
    # ... filter at most 500.
    "filter of 501 characters": {"status", "body shape"},
    # Paging: query keys are case-insensitive.
    "query keys in capitals": {"values"},
    # Errors: a malformed id never reaches the API, it falls through to the web UI ...
    "id not a GUID": {"status", "content type", "body shape", "headers"},
    # ... which, without a key, is JIM's 401 (its message is listed once, for "no key").
    "id not a GUID, no key": {"body shape"},
    # Shapes: a header has four more counters and the schedule attribution; childActivityCount is 0 in rows.
    "the list": {"body shape", "values"},
    # The list: its filters apply (AND across, OR within) ...
    "a filter the list applies": {"body shape", "values"},
    # ... and a value that cannot be bound is a 400 naming the parameter.
    "a filter value that cannot be bound": {"status", "body shape"},
    # The list: sortBy takes aliases in any case ...
    "sortBy as an alias": {"status", "body shape"},
    # ... and anything else is the default order ...
    "sortBy unknown": {"status", "body shape"},
    # ... in which executed orders as created.
    "sortBy executed": {"body shape", "values"},
    # Paging: past the last page of the list, totalCount 0 ...
    "the list past its last page": {"values"},
    # Shapes: the detail has no counters and no childActivityCount, and has phases, errorDetail, … ...
    "an activity": {"body shape"},
    # ... the statistics the exclusion figures ...
    "its statistics": {"body shape"},
    # ... progress counts operations in JIM's vocabulary ...
    "its progress": {"body shape"},
    # ... and a row of the children has the header's.
    "child activities": {"body shape"},
    # Paging: past the last page of children, totalCount 0 ...
    "children past the last page": {"values"},
    # ... and children validate sortDirection (sortBy, filter) as items do.
    "children, sortDirection in capitals": {"status", "body shape"},
    # Errors: the 503 of a database outage, in JIM's words.
    "a database outage": {"values"},
    # Connected systems: validation in JIM's style, and JIM's {connectedSystemId:int} route (the web UI answers
    # what it refuses; it takes a sign).
    "connected systems, sortDirection in capitals": {"body shape", "values"},
    "connected system id not an integer": {"status", "content type", "body shape"},
    "connected system id with a sign": {"status", "body shape"},
    # Worker tasks: JIM's {id:guid} route (the web UI answers what it refuses).
    "worker task id not a GUID": {"status", "content type", "body shape"},
    # Schedules: the list binds sortDescending as ASP.NET binds a bool (any case), where the documented profile takes
    # true or false exactly; JIM's {id:guid} route (SchedulesController) as well.
    "schedules, sortDescending in capitals": {"status", "body shape"},
    "schedule id not a GUID": {"status", "content type", "body shape"},
    # Errors: 429 carries Retry-After: 60 (where the documented rule counts down the window).
    "rate limit, no key": {"headers"},
}
# Keys, limits, headers: every API response carries JIM's security headers.
EVERY_RESPONSE = {
    ("content-security-policy", "(none)", JIM_CSP),
    ("permissions-policy", "(none)", "camera=(), microphone=(), geolocation=()"),
    ("referrer-policy", "(none)", "strict-origin-when-cross-origin"),
    ("x-content-type-options", "(none)", "nosniff"),
    ("x-frame-options", "(none)", "DENY"),
}


@pytest.fixture(scope="module")
def builtin() -> report.Report:
    return report.compare("documented", "jim")


def test_the_profiles_page_holds_the_report_of_the_built_in_profiles(builtin: report.Report) -> None:
    expected = markdown.as_markdown(builtin, "documented", "jim")
    assert markdown.section(DOCS_PAGE.read_text(encoding="utf-8")) == expected, (
        "docs/profiles.md's drift report is out of date: run `make drift ARGS=--write-readme` "
        "(or `.venv/bin/mockserver drift --write-readme`) and commit the result"
    )


def test_the_profiles_differ_exactly_where_jim_observed_says(builtin: report.Report) -> None:
    assert {row.probe.name: set(row.aspects) for row in builtin.differing} == DIFFERENCES
    assert {(c.where, c.left, c.right) for c in builtin.every_response} == EVERY_RESPONSE


def test_every_probe_is_reported_as_differing_or_agreeing(builtin: report.Report) -> None:
    assert [row.probe for row in builtin.rows] == list(PROBES)
    assert {row.probe.name for row in builtin.agreeing} == {p.name for p in PROBES} - set(DIFFERENCES)


@pytest.mark.parametrize(
    ("probe", "shown"),
    [
        (
            "a page of items",
            ['items[].objectChangeType: "Update" → "Updated"', '"Add" → "Added"', '"Delete" → "Deleted"'],
        ),
        ("past the last page", ["totalCount: 248 → 0", "totalPages: 5 → 0"]),
        ("query keys in capitals", ["page: 1 → 2", "pageSize: 25 → 5"]),
        ("rate limit, no key", ["Retry-After: (counts down) → 60"]),
        ("the list", ["items[].childActivityCount: 2 → 0", "+ items[]{totalDisconnectedOutOfScope"]),
        ("a filter the list applies", ["totalCount: 19 → 1"]),
        ("an activity", [f"{DROPPED} {{totalAdded", "childActivityCount}", "+ {errorDetail", "phases"]),
        ("its progress", [f"{DROPPED} operationCounts{{Add, Update, Delete}}; + operationCounts{{Added, Updated"]),
        ("a database outage", ["…unavailable due to database connectivit…"]),
    ],
)
def test_example_values_show_the_difference(builtin: report.Report, probe: str, shown: list[str]) -> None:
    row = markdown.as_markdown(builtin, "documented", "jim").split(f"| {probe}: ", 1)[1].split("\n", 1)[0]
    for text in shown:
        assert text in row, row


@pytest.mark.parametrize(
    ("left", "right", "shown"),
    [
        (
            '"Page 2 is too deep. Narrow it."',
            '"Page 2 is too deep. Stop."',
            ('"Page 2 is too deep. Narrow it."', '"Page 2 is too deep. Stop."'),
        ),
        ('"' + "word " * 10 + 'left"', '"' + "word " * 10 + 'right"', ('…word left"', '…word right"')),
        ('"' + "a" * 50 + 'x"', '"' + "a" * 50 + 'y"', ("…" + "a" * 20 + 'x"', "…" + "a" * 20 + 'y"')),
    ],
)
def test_values_alike_for_most_of_their_width_are_shown_from_where_they_part(
    left: str, right: str, shown: tuple[str, str]
) -> None:
    assert report.excerpts(left, right) == shown


@pytest.mark.parametrize("profile", ["documented", "jim"])
def test_a_profile_differs_from_itself_nowhere(profile: str) -> None:
    same = report.compare(profile, profile)
    assert not same.differs, markdown.as_markdown(same, profile, profile)
    assert markdown.as_markdown(same, profile, profile).endswith(f"No differences: all {len(PROBES)} probes agree.\n")


@pytest.fixture(scope="module")
def served_jim() -> Iterator[str]:
    """The jim profile served over HTTP, rate limits on (JIM's 30 a minute per address without a key), Prefer honoured
    (for the probe of a database outage), and the run in progress kept in progress for the test's length."""
    port = free_port()
    serve = ["serve", "--port", str(port), "--profile", "jim", "--rate-limit", "--prefer", "--log-level", "warning"]
    serve += ["--live-run-seconds", "86400"]
    server = subprocess.Popen([sys.executable, "-m", "mockserver", *serve, "--no-access-log"])
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}/api/v1/health", server)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_served_jim_profile_over_http_gives_the_built_in_report(builtin: report.Report, served_jim: str) -> None:
    live = report.compare("documented", served_jim)
    assert markdown.as_markdown(live, "documented", "jim") == markdown.as_markdown(builtin, "documented", "jim")


def test_rewriting_the_report_keeps_everything_outside_the_markers() -> None:
    page = DOCS_PAGE.read_text(encoding="utf-8")
    assert markdown.with_section(page, markdown.section(page)) == page
    rewritten = markdown.with_section(page, "a new report\n")
    assert markdown.section(rewritten) == "a new report\n"
    start, end = rewritten.index(markdown.SECTION_START), page.index(markdown.SECTION_END)
    assert rewritten[:start] == page[:start] and rewritten.endswith(page[end:])


@pytest.mark.parametrize(
    ("arguments", "status"),
    [
        (["--check"], 1),
        ([], 0),
        (["--left", "jim", "--check"], 0),
        (["--right", "documented", "--check"], 0),
    ],
)
def test_check_exits_1_only_when_the_servers_differ(arguments: list[str], status: int) -> None:
    result = CliRunner().invoke(main, ["drift", "--no-rate-limit-probe", *arguments])
    assert result.exit_code == status, result.output
    assert result.output.startswith("Left `"), result.output


@pytest.mark.parametrize(
    ("arguments", "status", "message"),
    [
        (["--right", "staging"], 2, "neither a profile"),
        (["--right", "jim", "--base-url", "http://127.0.0.1:1"], 2, "give one of them"),
        (["--base-url", "http://127.0.0.1:1", "--write-readme"], 2, "documented against jim"),
    ],
)
def test_bad_targets_are_usage_errors(arguments: list[str], status: int, message: str) -> None:
    result = CliRunner().invoke(main, ["drift", *arguments])
    assert result.exit_code == status and message in result.output, result.output


def test_an_unreachable_url_exits_3() -> None:
    result = CliRunner().invoke(main, ["drift", "--base-url", f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 3, result.output
    assert "cannot reach" in result.output
