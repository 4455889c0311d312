"""The jim_sandbox pytest plugin, as a client's test suite meets it: a pytest run of its own in a folder of its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from mockserver.settings import PROJECT_ROOT

RUN_TIMEOUT = 300

SUITE = """
import httpx
import pytest

ITEMS = "/api/v1/activities/a1b2c3d4-e5f6-7890-abcd-ef1234567890/items"
seen = {}


def get(sandbox, **params):
    return httpx.get(sandbox.base_url + ITEMS, headers={"X-Api-Key": sandbox.admin_key}, params=params, timeout=10)


def test_default_a(jim_sandbox):
    seen["default_a"] = jim_sandbox.base_url
    assert get(jim_sandbox, pageSize=1).json()["items"][0]["objectChangeType"] == "Updated"  # conftest: jim


def test_default_b(jim_sandbox):
    assert jim_sandbox.base_url == seen["default_a"], "the same settings share one sandbox"


@pytest.mark.jim_sandbox(profile="documented", prefer=True)
def test_marked(jim_sandbox):
    assert jim_sandbox.base_url != seen["default_a"]
    assert get(jim_sandbox, pageSize=1).json()["items"][0]["objectChangeType"] == "Update"
    outage = {"X-Api-Key": jim_sandbox.admin_key, "Prefer": "code=503"}
    assert httpx.get(jim_sandbox.base_url + ITEMS, headers=outage).status_code == 503


@pytest.mark.parametrize("run", [1, 2])
@pytest.mark.jim_sandbox(rate_limit=True, rate_limit_per_key=2, journal_size=10)
def test_stateful(jim_sandbox, run):
    statuses = [get(jim_sandbox, page=page).status_code for page in (1, 2, 3)]
    assert statuses == [200, 200, 429], "each test gets a fresh rate-limit window"
    assert [entry["status"] for entry in jim_sandbox.journal()] == [429, 200, 200], "and a journal of its own"
    jim_sandbox.clear_journal()
    assert jim_sandbox.journal() == []


def test_recorded_a(jim_sandbox):
    get(jim_sandbox, page=1)
    jim_sandbox.assert_request_made("GET", ITEMS, count=1)
    assert [(r.method, r.path, r.query, r.status) for r in jim_sandbox.requests("GET", ITEMS)] == [
        ("GET", ITEMS, {"page": ["1"]}, 200)
    ]


def test_recorded_b(jim_sandbox):
    assert jim_sandbox.base_url == seen["default_a"], "shared, with the journal on"
    jim_sandbox.assert_no_requests()  # the earlier tests' requests are not this test's
    get(jim_sandbox)
    with pytest.raises(AssertionError, match=r"expected GET /api/v1/.*/items 2 times, received it once;"):
        jim_sandbox.assert_request_made("GET", ITEMS, count=2)


@pytest.mark.jim_sandbox(prefer=True)
def test_impatient(jim_sandbox):
    limited = {"X-Api-Key": jim_sandbox.admin_key, "Prefer": "code=429, retry-after=30"}
    assert httpx.get(jim_sandbox.base_url + ITEMS, headers=limited).status_code == 429
    get(jim_sandbox)
    with pytest.raises(AssertionError, match=r"did not wait for Retry-After: GET .* after 429 Retry-After: 30"):
        jim_sandbox.assert_retry_after_respected()


@pytest.mark.jim_sandbox(journal_size=0)
def test_journal_off(jim_sandbox):
    with pytest.raises(RuntimeError, match="this sandbox.s journal is off [(]journal_size=0[)]"):
        jim_sandbox.requests()


@pytest.mark.jim_sandbox(fault_rate=1.0)
def test_chaos(jim_sandbox):
    assert {get(jim_sandbox).status_code for _ in range(3)} <= {500, 503}


def test_reader(jim_sandbox):
    response = httpx.get(jim_sandbox.base_url + ITEMS, headers={"X-Api-Key": jim_sandbox.reader_key}, timeout=10)
    assert response.status_code == 403


def follow(sandbox, sleep):
    # A client's poller: /progress every 2 seconds until the run ends, sleeping with the `sleep` it is given.
    url = sandbox.base_url + "/api/v1/activities/a37fa88f-3aed-4d06-b5b1-1571bdd6b0b2/progress"
    while (progress := httpx.get(url, headers={"X-Api-Key": sandbox.admin_key}, timeout=10).json())["status"] == (
        "InProgress"
    ):
        sleep(2)
    return progress


@pytest.mark.parametrize("run", [1, 2])
@pytest.mark.jim_sandbox(hand_turned_clock=True)
def test_hand_turned(jim_sandbox, run):
    # The run ends 60 s of the world's time after its start: 31 polls, 2 s apart, and never a real sleep. The second
    # test shares the sandbox and finds its clock back at the start.
    assert follow(jim_sandbox, jim_sandbox.advance)["status"] == "Complete"
    assert len(jim_sandbox.requests("GET")) == 31
    jim_sandbox.assert_polled_no_faster_than(2)


def fired_by_the_scheduler(sandbox):
    url = sandbox.base_url + "/api/v1/schedule-executions"
    rows = httpx.get(url, headers={"X-Api-Key": sandbox.admin_key}, params={"pageSize": 100}, timeout=10).json()
    return [row for row in rows["items"] if row["initiatedByName"] == "Scheduler Service"]


@pytest.mark.jim_sandbox(hand_turned_clock=True, scheduler=True)
def test_schedules_fire(jim_sandbox):
    jim_sandbox.advance(3600)  # past Hourly Entra ID Delta's next run time, 08:00
    (execution,) = fired_by_the_scheduler(jim_sandbox)
    headers = {"X-Api-Key": jim_sandbox.admin_key}
    url = jim_sandbox.base_url + "/api/v1/schedule-executions/" + execution["id"]
    steps = httpx.get(url, headers=headers, timeout=10).json()["steps"]
    for step in steps:
        url = jim_sandbox.base_url + "/api/v1/activities/" + step["activityId"]
        activity = httpx.get(url, headers=headers, timeout=10).json()
        assert (activity["scheduleExecutionId"], activity["initiatedByType"]) == (execution["id"], "System")
    assert len(steps) == 2


@pytest.mark.jim_sandbox(hand_turned_clock=True)
def test_schedules_wait_to_be_asked(jim_sandbox):
    jim_sandbox.advance(3600)
    assert fired_by_the_scheduler(jim_sandbox) == []


def test_not_hand_turned(jim_sandbox):
    with pytest.raises(RuntimeError, match="hand_turned_clock=True"):
        jim_sandbox.advance(1)


@pytest.mark.jim_sandbox(rate_limit_per_key=0)
def test_bad_setting(jim_sandbox):
    pass
"""
CONFTEST = """
import pytest


@pytest.fixture(scope="session")
def jim_sandbox_settings():
    return {"profile": "jim", "access_log": False}
"""


def run_pytest(folder: Path, *arguments: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`env`: variables set for the run, on top of this process's."""
    # As strict as a client suite may be: unknown markers and any warning are errors.
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--strict-markers", "-W", "error", "-rA"]
    command += arguments
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        command, cwd=folder, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False, env=environment
    )


def test_a_client_suite_gets_sandboxes_by_marker_shared_unless_they_keep_state(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_client.py").write_text(SUITE)
    done = run_pytest(tmp_path)
    lines = done.stdout.splitlines()
    passed = sorted(line.split("::")[1] for line in lines if line.startswith("PASSED "))
    assert passed == [
        "test_chaos",
        "test_default_a",
        "test_default_b",
        "test_hand_turned[1]",
        "test_hand_turned[2]",
        "test_impatient",
        "test_journal_off",
        "test_marked",
        "test_not_hand_turned",
        "test_reader",
        "test_recorded_a",
        "test_recorded_b",
        "test_schedules_fire",
        "test_schedules_wait_to_be_asked",
        "test_stateful[1]",
        "test_stateful[2]",
    ], done.stdout[-3000:]
    assert [line.split(" - ")[0] for line in lines if line.startswith("ERROR ")] == [
        "ERROR test_client.py::test_bad_setting"
    ]
    said = "jim_sandbox: mockserver: bad settings: rate_limit_per_key: Input should be greater than or equal to 1"
    assert said in done.stdout, done.stdout[-3000:]
    assert done.returncode == 1


def test_the_example_client_suite_passes_from_a_folder_of_its_own(tmp_path: Path) -> None:
    shutil.copytree(PROJECT_ROOT / "examples" / "client-suite", tmp_path / "client-suite")
    done = run_pytest(tmp_path, "client-suite")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    paged = "PASSED client-suite/test_activity_client.py::test_the_client_pages_through_all_248_items_of_the_documented"
    assert paged in done.stdout, done.stdout[-3000:]
