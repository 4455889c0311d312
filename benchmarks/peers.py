"""Other mock servers measured beside ours in the hot scenario: Prism, Mockoon CLI and WireMock, pinned by npm."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import report
import servers

PEERS_DIR = Path(__file__).resolve().parent / "peers"
NODE_MODULES = PEERS_DIR / "node_modules"
LOCK_FILE = PEERS_DIR / "package-lock.json"
STAMP = NODE_MODULES / ".installed"
"""Written after a successful `npm ci`; older than the lock file means the pins changed since."""
OPENAPI = PEERS_DIR.parent.parent / "openapi.yaml"
NPM_CI = ("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
"""No install scripts: the only one in the tree is a usage-reporting hook (@scarf/scarf)."""
INSTALL_TIMEOUT_S = 900
CHECK_FETCHES = 3
"""Requests per peer before it is measured: enough to tell a fixed body from one generated per request."""
CHECK_TIMEOUT_S = 30.0
WARMUP_S = 5
"""Seconds of a peer's unrecorded first run: longer than ours, as a JVM and node compile hot paths while serving."""

DEBIAN_PACKAGE = {"node": "nodejs", "npm": "npm", "java": "default-jre-headless"}
"""What provides each tool the peers need, for the message when one is missing."""


@dataclass(frozen=True, slots=True)
class Peer:
    """One peer: the npm package that carries it, what it runs on, and how it is set up."""

    name: str
    package: str
    runtime: str
    same_bytes: bool
    """True when it is given ours' exact response to send; otherwise it serves its own idea of the page."""
    setup: str
    """How it is started and what its logging does, for the report's notes."""


PEERS = (
    Peer(
        "prism",
        "@stoplight/prism-cli",
        "node",
        same_bytes=False,
        setup="static examples from openapi.yaml; request log off (-v silent)",
    ),
    Peer(
        "mockoon",
        "@mockoon/cli",
        "node",
        same_bytes=False,
        setup="its import of openapi.yaml; it logs every request and has no option to stop that",
    ),
    Peer(
        "wiremock",
        "wiremock",
        "java",
        same_bytes=True,
        setup="one stub mapping; request log and request journal off",
    ),
)


@dataclass(frozen=True, slots=True)
class Reference:
    """The hot request and ours' answer to it, which WireMock is set up to repeat and the checks compare with."""

    target: str
    headers: Mapping[str, str]
    body: bytes
    content_type: str


@dataclass(slots=True)
class Lineup:
    """The peers that can run here, their versions, and one line for each one that cannot."""

    ready: list[Peer] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    runtimes: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """`prism 5.16.0, mockoon 9.9.0 on node v20.20.2; ...`: what was measured, for the report."""
        runtimes = dict.fromkeys(peer.runtime for peer in self.ready)
        return "; ".join(
            ", ".join(f"{p.name} {self.versions[p.package]}" for p in self.ready if p.runtime == runtime)
            + f" on {self.runtimes[runtime]}"
            for runtime in runtimes
        )


def missing_tools(peer: Peer, which: Callable[[str], str | None], installed: bool) -> list[str]:
    """The executables a peer needs that are not on PATH; npm only while the peers are not installed yet."""
    needed = [peer.runtime] if installed else [peer.runtime, "npm"]
    return [tool for tool in dict.fromkeys(needed) if which(tool) is None]


def unavailable(peer: Peer, tools: Sequence[str]) -> str:
    """One line saying what is missing for a peer and how to get it."""
    verb = "is" if len(tools) == 1 else "are"
    packages = " ".join(DEBIAN_PACKAGE[tool] for tool in tools)
    return f"{peer.name}: not measured: {' and '.join(tools)} {verb} not on PATH (Debian: apt-get install {packages})"


def locked_versions(lock_text: str, packages: Iterable[str]) -> dict[str, str]:
    """The version package-lock.json pins for each top-level package."""
    entries = json.loads(lock_text)["packages"]
    return {package: entries[f"node_modules/{package}"]["version"] for package in packages}


def installed() -> bool:
    """Whether `npm ci` completed since the lock file last changed."""
    return STAMP.exists() and STAMP.stat().st_mtime >= LOCK_FILE.stat().st_mtime


def install(progress: Callable[[str], None]) -> str | None:
    """`npm ci` in benchmarks/peers with its output on stderr and a deadline; None on success, else why it failed."""
    progress(f"peers: installing the pinned peers into {NODE_MODULES} with npm ci (about 200 MB, a minute or two) ...")
    started = time.perf_counter()
    process = subprocess.Popen(
        NPM_CI, cwd=PEERS_DIR, stdin=subprocess.DEVNULL, stdout=sys.stderr, stderr=sys.stderr, start_new_session=True
    )
    try:
        code = process.wait(timeout=INSTALL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"`npm ci` in {PEERS_DIR} did not finish within {INSTALL_TIMEOUT_S} s"
    finally:
        servers.stop(process)  # its own session: a Ctrl-C here must not leave npm running
    if code != 0:
        return (
            f"`npm ci` in {PEERS_DIR} failed with exit {code} (is the npm registry reachable? its output is on stderr)"
        )
    STAMP.touch()
    progress(f"peers: installed in {time.perf_counter() - started:.0f} s")
    return None


def line_up(progress: Callable[[str], None], which: Callable[[str], str | None] = shutil.which) -> Lineup:
    """Install the peers if needed and sort them into those that can run and those that cannot, with the reason."""
    lineup = Lineup()
    done = installed()
    candidates = []
    for peer in PEERS:
        tools = missing_tools(peer, which, done)
        if tools:
            lineup.skipped.append(unavailable(peer, tools))
        else:
            candidates.append(peer)
    failure = install(progress) if candidates and not done else None
    if failure:
        lineup.skipped += [f"{peer.name}: not measured: {failure}" for peer in candidates]
    else:
        lineup.ready = candidates
        lineup.versions = locked_versions(LOCK_FILE.read_text(encoding="utf-8"), [p.package for p in candidates])
        lineup.runtimes = {peer.runtime: runtime_version(peer.runtime) for peer in candidates}
    for line in lineup.skipped:
        progress(line)
    return lineup


def runtime_version(runtime: str) -> str:
    """`node v20.20.2` or `openjdk 17.0.15`: what the peers ran on, for the report."""
    flag = "--version" if runtime == "node" else "-version"
    try:
        completed = subprocess.run([runtime, flag], capture_output=True, text=True, check=False, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return f"{runtime} (version unknown)"
    words = (completed.stdout or completed.stderr).replace('"', "").split()
    if runtime == "java" and len(words) > 2:
        return f"{words[0]} {words[2]}"  # from `openjdk version "17.0.15" 2025-04-15`
    return f"{runtime} {words[0] if words else '(version unknown)'}"


def reference(server: servers.RunningServer, target: str, headers: Mapping[str, str]) -> Reference:
    """Ours' answer to the hot request, fetched from the running server the peers are compared with."""
    with httpx.Client(base_url=server.base_url, headers=dict(headers), timeout=CHECK_TIMEOUT_S) as client:
        response = client.get(target)
    if response.status_code != 200:
        raise servers.ServerError(f"ours answered {response.status_code} for {target}: {response.text[:300]}")
    return Reference(target, headers, response.content, response.headers.get("content-type", ""))


def stub_mapping(reference: Reference) -> dict[str, object]:
    """A WireMock mapping that answers the hot request, key header included, with ours' exact bytes."""
    return {
        "request": {
            "method": "GET",
            "url": reference.target,
            "headers": {name: {"equalTo": value} for name, value in reference.headers.items()},
        },
        # An inline body (not a body file) so WireMock sends Content-Length rather than chunks, as ours does.
        "response": {
            "status": 200,
            "body": reference.body.decode("utf-8"),
            "headers": {"Content-Type": reference.content_type},
        },
    }


def spec(peer: Peer, reference: Reference, workdir: Path, cpus: str | None) -> servers.ServerSpec:
    """How to start a peer on {port} of the loopback interface, ready when it answers the hot request."""
    bin_dir = NODE_MODULES / ".bin"
    address = servers.HOST
    if peer.name == "prism":
        argv = [str(bin_dir / "prism"), "mock", str(OPENAPI), "--host", address, "--port", "{port}", "-v", "silent"]
    elif peer.name == "mockoon":
        argv = [str(bin_dir / "mockoon-cli"), "start", "--data", str(OPENAPI), "--hostname", address]
        argv += ["--port", "{port}", "--disable-log-to-file", "--disable-admin-api"]
    else:
        root = workdir / "wiremock"
        (root / "mappings").mkdir(parents=True, exist_ok=True)
        (root / "mappings" / "hot.json").write_text(json.dumps(stub_mapping(reference)), encoding="utf-8")
        jar = next((NODE_MODULES / "wiremock" / "build").glob("wiremock-standalone-*.jar"), None)
        if jar is None:
            raise servers.ServerError(
                f"no wiremock-standalone jar under {NODE_MODULES}: delete that folder to reinstall"
            )
        argv = ["java", "-jar", str(jar), "--bind-address", address, "--port", "{port}", "--root-dir", str(root)]
        argv += ["--disable-request-logging", "--no-request-journal", "--disable-banner"]
    return servers.ServerSpec(peer.name, argv, reference.target, dict(reference.headers), cpus)


def describe_bodies(bodies: Sequence[bytes], reference: Reference) -> str:
    """What a peer sent for the hot request, measured against ours' body."""
    sizes = sorted({len(body) for body in bodies})
    if all(body == reference.body for body in bodies):
        return f"the same {len(reference.body):,} bytes as ours (checked)"
    if len(set(bodies)) == 1:
        return f"a different body: {sizes[0]:,} bytes on every request (ours: {len(reference.body):,})"
    return (
        f"a different body, generated per request: {sizes[0]:,}-{sizes[-1]:,} bytes over {len(bodies)} requests "
        f"(ours: {len(reference.body):,})"
    )


def check(server: servers.RunningServer, peer: Peer, reference: Reference) -> tuple[list[str], str]:
    """Problems that void a peer's row (an empty list means measure it), and a note on what it sends."""
    with httpx.Client(base_url=server.base_url, timeout=CHECK_TIMEOUT_S) as client:
        answers = [client.get(reference.target, headers=dict(reference.headers)) for _ in range(CHECK_FETCHES)]
        keyless = client.get(reference.target).status_code
    wrong = [answer.status_code for answer in answers if answer.status_code != 200]
    if wrong:
        return [f"{peer.name}: not measured: it answered {wrong[0]} to the hot request with the key header"], ""
    problems = []
    content_type = answers[0].headers.get("content-type", "")
    if peer.same_bytes and (content_type != reference.content_type or answers[0].content != reference.body):
        problems.append(f"{peer.name}: its answer differs from ours ({content_type!r}): the comparison is void")
    bodies = [answer.content for answer in answers]
    key = "checks the key header" if keyless != 200 else "answers 200 without the key header too"
    return problems, f"{peer.name}: {describe_bodies(bodies, reference)}; {key}; {peer.setup}"


def start(
    stack: contextlib.ExitStack, lineup: Lineup, reference: Reference, workdir: Path, cpus: str | None
) -> tuple[list[tuple[servers.RunningServer, str]], list[str]]:
    """Start and check each ready peer inside `stack`; (running peer, note) pairs and the problems seen.

    A peer that will not start or answers wrongly is left out with a problem line: the rest still run."""
    running: list[tuple[servers.RunningServer, str]] = []
    problems: list[str] = []
    for peer in lineup.ready:
        try:
            server = stack.enter_context(servers.running(spec(peer, reference, workdir, cpus), workdir))
        except servers.ServerError as exc:
            print(exc, file=sys.stderr)
            problems.append(f"{peer.name}: not measured: {str(exc).splitlines()[0]} (its log's tail is on stderr)")
            continue
        try:
            found, note = check(server, peer, reference)
        except httpx.HTTPError as exc:
            found, note = [f"{peer.name}: not measured: the check request failed: {exc!r}"], ""
        problems += found
        if note:
            running.append((server, note))
        else:
            servers.stop(server.process)
    return running, problems


def fastest(lineup: Lineup, rows: Sequence[report.Row]) -> tuple[report.Row | None, float | None]:
    """The hot row of the peer with the most req/s, and ours' hot req/s divided by it (the issue's target figure)."""
    names = {peer.name for peer in lineup.ready}
    measured = [row for row in rows if row.scenario == "hot" and row.server in names and row.rps > 0]
    ours = next((row for row in rows if row.scenario == "hot" and row.server == "ours"), None)
    if not measured or ours is None:
        return None, None
    top = max(measured, key=lambda row: row.rps)
    return top, ours.rps / top.rps


def legend(lineup: Lineup | None, rows: Sequence[report.Row]) -> list[str]:
    """The report's lines on the peers: what ran, the headline ratio, and what could not run; none without --peers."""
    if lineup is None:
        return []
    if not lineup.ready:
        return ["peers: none could run here:", *lineup.skipped]
    top, relative = fastest(lineup, rows)
    lines = [
        f"peers: {lineup.describe()};",
        f"       each on the server CPU like ours, in turn with it, after a {WARMUP_S} s warm-up.",
    ]
    if top is not None and relative is not None:
        lines.append(f"ours hot / fastest peer = {relative:.2f} ({top.server}, {top.rps:,.0f} req/s)")
    return lines + lineup.skipped


def summary(lineup: Lineup | None, rows: Sequence[report.Row]) -> dict[str, Any] | None:
    """The peers' part of the JSON (their rows are among the others); None without --peers."""
    if lineup is None:
        return None
    top, relative = fastest(lineup, rows)
    return {
        "versions": {peer.name: lineup.versions[peer.package] for peer in lineup.ready},
        "runtimes": lineup.runtimes,
        "not_measured": lineup.skipped,
        "fastest_peer": top.server if top else None,
        "ours_hot_over_fastest_peer": relative,
    }
