"""The parts of `benchmarks/bench.py --peers` that need no network or server: who can run, the pins, the notes."""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from mockserver.settings import PROJECT_ROOT

BENCH_DIR = PROJECT_ROOT / "benchmarks"
TARGET = "/api/v1/activities/a1b2c3d4-e5f6-7890-abcd-ef1234567890/items?pageSize=100"
KEY = {"X-Api-Key": "jim_ak_sandbox_admin"}


@pytest.fixture(scope="module")
def bench_modules() -> Iterator[dict[str, ModuleType]]:
    # benchmarks/ is a folder of scripts that import each other by bare name, not a package.
    sys.path.insert(0, str(BENCH_DIR))
    try:
        yield {name: importlib.import_module(name) for name in ("peers", "report", "loadgen")}
    finally:
        sys.path.remove(str(BENCH_DIR))


@pytest.fixture(scope="module")
def peers(bench_modules: dict[str, ModuleType]) -> ModuleType:
    return bench_modules["peers"]


def by_name(peers: ModuleType, name: str) -> object:
    return next(peer for peer in peers.PEERS if peer.name == name)


@pytest.mark.parametrize(
    ("on_path", "installed", "expected"),
    [
        ({"node", "npm", "java"}, False, {"prism": [], "mockoon": [], "wiremock": []}),
        ({"node", "npm"}, False, {"prism": [], "mockoon": [], "wiremock": ["java"]}),
        ({"java"}, False, {"prism": ["node", "npm"], "mockoon": ["node", "npm"], "wiremock": ["npm"]}),
        ({"node", "java"}, True, {"prism": [], "mockoon": [], "wiremock": []}),
        (set(), True, {"prism": ["node"], "mockoon": ["node"], "wiremock": ["java"]}),
    ],
    ids=["all-there", "no-java", "no-node", "installed-without-npm", "installed-nothing-on-path"],
)
def test_a_peer_needs_its_runtime_and_npm_only_until_installed(
    peers: ModuleType, on_path: set[str], installed: bool, expected: dict[str, list[str]]
) -> None:
    def which(tool: str) -> str | None:
        return f"/usr/bin/{tool}" if tool in on_path else None

    found = {peer.name: peers.missing_tools(peer, which, installed) for peer in peers.PEERS}
    assert found == expected


@pytest.mark.parametrize(
    ("name", "tools", "expected"),
    [
        (
            "wiremock",
            ["java"],
            "wiremock: not measured: java is not on PATH (Debian: apt-get install default-jre-headless)",
        ),
        (
            "prism",
            ["node", "npm"],
            "prism: not measured: node and npm are not on PATH (Debian: apt-get install nodejs npm)",
        ),
    ],
)
def test_a_missing_tool_is_named_with_the_package_that_brings_it(
    peers: ModuleType, name: str, tools: list[str], expected: str
) -> None:
    assert peers.unavailable(by_name(peers, name), tools) == expected


def test_the_peers_are_pinned_exactly_at_the_issues_major_versions_and_locked_alike(peers: ModuleType) -> None:
    pinned = json.loads((peers.PEERS_DIR / "package.json").read_text(encoding="utf-8"))["dependencies"]
    assert set(pinned) == {peer.package for peer in peers.PEERS}
    assert peers.locked_versions(peers.LOCK_FILE.read_text(encoding="utf-8"), pinned) == pinned
    majors = {package: version.split(".")[0] for package, version in pinned.items()}
    assert majors == {"@stoplight/prism-cli": "5", "@mockoon/cli": "9", "wiremock": "3"}


def test_the_wiremock_stub_answers_only_the_keyed_hot_request_with_ours_exact_bytes(peers: ModuleType) -> None:
    body = '{"items":[{"displayName":"Zoë Ångström"}],"totalCount":1}'.encode()
    stub = peers.stub_mapping(peers.Reference(TARGET, KEY, body, "application/json"))
    wire = json.loads(json.dumps(stub))  # as WireMock reads the mapping file
    assert wire["request"] == {
        "method": "GET",
        "url": TARGET,
        "headers": {"X-Api-Key": {"equalTo": "jim_ak_sandbox_admin"}},
    }
    assert wire["response"]["body"].encode("utf-8") == body
    assert wire["response"]["headers"] == {"Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("bodies", "expected"),
    [
        ([b"ours!"] * 3, "the same 5 bytes as ours (checked)"),
        ([b"fixed"] * 3, "a different body: 5 bytes on every request (ours: 5)"),
        ([b"a", b"bb", b"a"], "a different body, generated per request: 1-2 bytes over 3 requests (ours: 5)"),
    ],
    ids=["ours", "fixed", "varying"],
)
def test_the_note_says_whether_a_peer_sends_ours_bytes_a_fixed_body_or_a_varying_one(
    peers: ModuleType, bodies: list[bytes], expected: str
) -> None:
    assert peers.describe_bodies(bodies, peers.Reference(TARGET, KEY, b"ours!", "application/json")) == expected


def test_the_headline_divides_ours_by_the_fastest_measured_peer(bench_modules: dict[str, ModuleType]) -> None:
    peers, report, loadgen = bench_modules["peers"], bench_modules["report"], bench_modules["loadgen"]

    def row(server: str, requests: int, scenario: str = "hot") -> object:
        run = loadgen.WrkRun(requests, 1.0, 0, 1.0, 2.0, 3.0, 0, 0)
        return report.Row(scenario, server, 32, runs=[run])

    lineup = peers.Lineup(ready=[by_name(peers, "prism"), by_name(peers, "wiremock")])
    rows = [row("ours", 3000), row("ceiling", 9000), row("prism", 1000), row("wiremock", 1500), row("mockoon", 2900)]
    rows.append(row("wiremock", 2500, scenario="cold walk"))
    fastest, relative = peers.fastest(lineup, rows)
    assert (fastest.server, relative) == ("wiremock", 2.0)
    assert peers.fastest(lineup, rows[:2]) == (None, None)
