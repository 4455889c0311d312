"""docs/install.md says what the package does: the fixture's calls and settings, and its examples as they come out."""

from __future__ import annotations

import re

import yaml

from mockserver.settings import PROJECT_ROOT, Settings
from mockserver.testing import received
from mockserver.testing.served import Sandbox
from tests.testing.test_received import ITEMS, at

INSTALL = (PROJECT_ROOT / "docs" / "install.md").read_text(encoding="utf-8")
NOT_FOR_A_TEST = {"host", "port", "workers", "clock_origin"}
"""A test's sandbox listens on a free loopback port in one process, its clock its own."""


def section(heading: str) -> str:
    start = INSTALL.index(f"\n## {heading}")
    end = INSTALL.find("\n## ", start + 1)
    return INSTALL[start : end if end != -1 else None]


def test_the_marker_takes_every_setting_a_test_sandbox_has_and_the_docs_name_each() -> None:
    listed = section("In a client's test suite").split("**Settings for a test**")[1].split("[docs/controls.md]")[0]
    named = set(re.findall(r"`([a-z_]+)`", listed))
    assert named == set(Settings.model_fields) - NOT_FOR_A_TEST


def test_the_docs_table_names_every_call_of_the_fixture() -> None:
    table = section("In a client's test suite")
    documented = set(re.findall(r"^\| `([a-z_]+)\(", table, flags=re.MULTILINE))
    documented |= set(re.findall(r"`([a-z_]+)\(\)`", table))
    public = {name for name in dir(Sandbox) if not name.startswith("_") and callable(getattr(Sandbox, name))}
    assert documented == public


def test_the_failed_assertion_shown_is_what_the_fixture_says() -> None:
    requests = [at(0, page="1"), at(0.5, page="2"), at(1, path="/api/v1/activities")]
    said = f"AssertionError: {received.request_made(requests, 'GET', ITEMS, 3)}"
    assert f"```\n{said}\n```" in section("In a client's test suite")


def test_the_ci_example_in_the_docs_is_the_workflow_the_wheel_check_runs() -> None:
    workflow = (PROJECT_ROOT / "examples" / "ci" / "github-actions.yml").read_text(encoding="utf-8")
    assert f"```yaml\n{workflow}```" in section("In CI")
    steps = yaml.safe_load(workflow)["jobs"]["contract"]["steps"]
    run = " ".join(step.get("run", "") for step in steps)
    for needed in ("pip wheel", "pip install", "mockserver serve", "mockserver verify", "--report json"):
        assert needed in run, needed


def test_no_placeholder_stands_for_where_to_install_from() -> None:
    for page in [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        assert "OWNER/" not in text and "git+https://" not in text, page.name
