"""Benchmark the mock server against a bare-Starlette ceiling with wrk, and print one table.

    .venv/bin/python benchmarks/bench.py            # 3 runs of 5 s per scenario, about four minutes
    .venv/bin/python benchmarks/bench.py --quick    # 1 run of 2 s, a smoke test
    .venv/bin/python benchmarks/bench.py --peers    # Prism, Mockoon CLI and WireMock in the hot scenario too
    .venv/bin/python benchmarks/bench.py --started  # runs clients start, in-process (started_runs.py), no wrk

See benchmarks/README.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

try:
    import httpx
    import loadgen
    import peers
    import report
    import servers
    import started_runs
except ModuleNotFoundError as missing:
    raise SystemExit(
        f"bench.py: module {missing.name!r} is missing; run it with the project's virtualenv: "
        ".venv/bin/python benchmarks/bench.py"
    ) from missing

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
DEFAULT_JSON = BENCH_DIR / "results" / "latest.json"

ADMIN_HEADERS = {"X-Api-Key": "jim_ak_sandbox_admin"}
SEED_ACTIVITY = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
LARGE_ACTIVITY = "f6a7b8c9-d0e1-2345-f012-3456789abcde"
WARMUP_ACTIVITY = "0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f"
"""Generated, 600 items: warms the generator's code path without serving any page of the cold walk."""
PAGE_SIZE = 100
DEEPEST_PAGE = 10_001
"""The deepest page the contract allows at pageSize=100: (page - 1) * 100 may skip at most 1,000,000 rows."""
HEALTH_PATH = "/api/v1/health"
HOT_TARGET = f"/api/v1/activities/{SEED_ACTIVITY}/items?pageSize={PAGE_SIZE}"

# Default settings, access log included: its lines go to the server's log file, as they would to a terminal.
SERVE_FLAGS = ("--host", servers.HOST, "--port", "{port}")
"""Both servers' flags: loopback and the port filled in at start; everything else at its default."""

WALK_SEED = 20260405
QUICK_PAGES = 1_000
DEPTH_CONNECTIONS = 1
FETCH_CONCURRENCY = 8
WARMUP_S = 1
SETTLE_NOTED_S = 1.0
"""A server that takes this long to stop using the CPU after a run gets a note saying so."""
START_REQUESTS = 10
"""Requests sent after each cold start before VmHWM is read, so the peak includes serving, not just loading."""


def items_target(activity: str, page: int) -> str:
    """The request target for one page of an activity at the benchmark's page size."""
    return f"/api/v1/activities/{activity}/items?pageSize={PAGE_SIZE}&page={page}"


@dataclass(frozen=True, slots=True)
class Options:
    """The run's settings after --quick has filled in what was not given."""

    duration_s: int
    runs: int
    connections: int
    pages: int
    json_path: Path
    quick: bool
    peers: bool = False
    hot_only: bool = False
    started: bool = False

    def describe(self) -> str:
        """One line for the report header."""
        scope = "the hot scenario only" if self.hot_only else f"cold walk over {self.pages:,} distinct pages"
        return (
            f"wrk -t1 -c{self.connections}, {self.duration_s:g} s x {self.runs} run(s) per scenario, median reported; "
            + scope
            + ("; peers in the hot scenario" if self.peers else "")
        )


def positive(kind: type[int] | type[float]) -> Any:
    """An argparse type that accepts only numbers above zero."""

    def parse(text: str) -> int | float:
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be above zero, got {text}")
        return value

    return parse


def parse_options(argv: Sequence[str] | None) -> Options:
    """Command-line flags; --quick only changes the defaults, so --quick --runs 2 means what it says."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=positive(int), help="whole seconds per wrk run (default 5; 2 with --quick)")
    parser.add_argument(
        "--runs", type=positive(int), help="runs per scenario, and cold starts (default 3; 1 with --quick)"
    )
    parser.add_argument("--connections", type=positive(int), default=32, help="wrk connections (default 32)")
    parser.add_argument(
        "--pages",
        type=positive(int),
        help=f"distinct pages in the cold walk, at most {DEEPEST_PAGE:,} (default all; {QUICK_PAGES:,} with --quick)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke test: 1 run of 2 s each, fewer walk pages")
    parser.add_argument(
        "--peers",
        action="store_true",
        help="also measure Prism, Mockoon CLI and WireMock in the hot scenario (installed by npm on first use)",
    )
    parser.add_argument(
        "--hot-only", action="store_true", help="only the hot scenario: no depth, cold walk, workers or cold starts"
    )
    parser.add_argument(
        "--started",
        action="store_true",
        help="only issue 20's figures for runs clients start, in-process (started_runs.py; no wrk)",
    )
    parser.add_argument(
        "--json", type=Path, default=DEFAULT_JSON, help=f"where to write results (default {DEFAULT_JSON})"
    )
    args = parser.parse_args(argv)
    pages = args.pages or (QUICK_PAGES if args.quick else DEEPEST_PAGE)
    if pages > DEEPEST_PAGE:
        parser.error(
            f"--pages: at most {DEEPEST_PAGE:,} (the deepest page the contract serves at pageSize={PAGE_SIZE})"
        )
    return Options(
        duration_s=args.duration or (2 if args.quick else 5),
        runs=args.runs or (1 if args.quick else 3),
        connections=args.connections,
        pages=pages,
        json_path=args.json,
        quick=args.quick,
        peers=args.peers,
        hot_only=args.hot_only,
        started=args.started,
    )


@dataclass(slots=True)
class Bench:
    """What every scenario needs: the options, wrk, the pinning plan, a scratch folder, and a list of problems seen."""

    options: Options
    wrk: str
    pinning: servers.Pinning
    workdir: Path
    mockserver: Path
    lineup: peers.Lineup | None = None
    """The peers to measure in the hot scenario; None without --peers."""
    problems: list[str] = field(default_factory=list)

    def load(
        self, server: servers.RunningServer, targets: Path, connections: int, pinned: bool = True
    ) -> loadgen.WrkRun:
        """One measured wrk run against a server."""
        return self.wrk_run(server, targets, connections, self.options.duration_s, pinned)

    def warm_up(
        self, server: servers.RunningServer, targets: Path, pinned: bool = True, duration_s: int = WARMUP_S
    ) -> None:
        """An unrecorded short run, so first-request costs do not land in run 1."""
        self.wrk_run(server, targets, self.options.connections, duration_s, pinned)

    def wrk_run(
        self, server: servers.RunningServer, targets: Path, connections: int, duration_s: int, pinned: bool
    ) -> loadgen.WrkRun:
        """Build and run one wrk command, on the load-generator CPU when pinned."""
        cpus = self.pinning.loadgen_cpus if pinned else None
        command = loadgen.wrk_command(
            self.wrk, server.base_url + "/", targets, ADMIN_HEADERS, connections, duration_s, cpus
        )
        return loadgen.run_wrk(command, duration_s)

    def ours(
        self,
        name: str = "ours",
        fixtures: Path | None = None,
        workers: int | None = None,
        pinned: bool = True,
        extra: Sequence[str] = (),
    ) -> servers.ServerSpec:
        """`mockserver serve` with its defaults apart from the address and the options asked for."""
        argv = [str(self.mockserver), "serve", *SERVE_FLAGS, *extra]
        if fixtures is not None:
            argv += ["--fixtures", str(fixtures)]
        if workers is not None:
            argv += ["--workers", str(workers)]
        cpus = self.pinning.server_cpus if pinned else None
        return servers.ServerSpec(name=name, argv=argv, ready_path=HEALTH_PATH, cpus=cpus)

    def ceiling(self, bodies_file: Path, ready_target: str) -> servers.ServerSpec:
        """benchmarks/ceiling.py serving the stored bodies, on the same CPU as ours."""
        argv = [sys.executable, str(BENCH_DIR / "ceiling.py"), *SERVE_FLAGS, "--bodies", str(bodies_file)]
        return servers.ServerSpec(name="ceiling", argv=argv, ready_path=ready_target, cpus=self.pinning.server_cpus)

    def note_log(self, server: servers.RunningServer) -> None:
        """Record error lines a stopped server left in its output."""
        lines = server.log_problems()
        if lines:
            self.problems.append(
                f"{server.spec.name}: {len(lines)} error line(s) in its log, first: {lines[0].strip()}"
            )

    def note_errors(self, rows: Iterable[report.Row]) -> None:
        """Record non-2xx responses and socket errors wrk counted."""
        for row in rows:
            if row.status_errors or row.socket_errors:
                self.problems.append(
                    f"{row.scenario} / {row.server}: {row.status_errors} responses >= 400 and "
                    f"{row.socket_errors} socket errors/timeouts over {sum(r.requests for r in row.runs):,} requests"
                )


def progress(message: str) -> None:
    """Progress goes to stderr, so stdout holds only the report."""
    print(message, file=sys.stderr, flush=True)


def walk_pages(count: int) -> list[int]:
    """`count` distinct pages of 1..DEEPEST_PAGE in a pseudo-random order that is the same on every run."""
    return random.Random(WALK_SEED).sample(range(1, DEEPEST_PAGE + 1), count)


async def fetch_bodies(base_url: str, targets: Sequence[str]) -> dict[str, bytes]:
    """GET every target once, concurrently; anything but 200 stops the benchmark, since it would measure errors."""
    limits = httpx.Limits(max_connections=FETCH_CONCURRENCY)
    gate = asyncio.Semaphore(FETCH_CONCURRENCY)
    async with httpx.AsyncClient(base_url=base_url, headers=ADMIN_HEADERS, timeout=60.0, limits=limits) as client:

        async def one(target: str) -> tuple[str, bytes]:
            async with gate:
                response = await client.get(target)
            if response.status_code != 200:
                raise servers.ServerError(f"ours answered {response.status_code} for {target}: {response.text[:300]}")
            return target, response.content

        return dict(await asyncio.gather(*(one(target) for target in targets)))


def reference_bodies(bench: Bench, targets: Sequence[str]) -> dict[str, bytes]:
    """Fetch the ceiling's bodies from a throwaway instance of ours, so no measured server starts pre-warmed."""
    progress(f"fetching {len(targets):,} reference bodies from ours ...")
    with servers.running(bench.ours("ours-reference"), bench.workdir) as reference:
        bodies = asyncio.run(fetch_bodies(reference.base_url, targets))
    bench.note_log(reference)
    return bodies


def write_bodies(path: Path, bodies: Mapping[str, bytes]) -> Path:
    """The ceiling's input: {target: body text}; JSON bodies are UTF-8, so the bytes survive the round trip."""
    path.write_text(json.dumps({target: body.decode("utf-8") for target, body in bodies.items()}), encoding="utf-8")
    return path


def mismatches(server: servers.RunningServer, bodies: Mapping[str, bytes]) -> list[str]:
    """Targets on which a server's answer differs from the stored bytes; the comparison is void if they differ."""
    found = []
    with httpx.Client(base_url=server.base_url, headers=ADMIN_HEADERS, timeout=60.0) as client:
        for target, body in bodies.items():
            response = client.get(target)
            if response.status_code != 200 or response.content != body:
                found.append(
                    f"{server.spec.name}: {target} answered {response.status_code}, "
                    f"{len(response.content)} bytes, not the {len(body)} stored bytes"
                )
    return found


def sample(bodies: Mapping[str, bytes], targets: Sequence[str], size: int = 5) -> dict[str, bytes]:
    """The first and last few targets with their bodies: a cheap identity check that warms almost nothing."""
    chosen = list(dict.fromkeys([*targets[:size], *targets[-size:]]))
    return {target: bodies[target] for target in chosen}


def hot_and_depth(bench: Bench, bodies: Mapping[str, bytes]) -> list[report.Row]:
    """The same URL over and over, every server (peers too) taking its turn run by run; then depth on the same ours."""
    options = bench.options
    targets = loadgen.write_targets(bench.workdir / "hot.txt", [HOT_TARGET])
    stored = {HOT_TARGET: bodies[HOT_TARGET]}
    bodies_file = write_bodies(bench.workdir / "hot-bodies.json", stored)
    ours_row = report.Row("hot", "ours", options.connections)
    # The jim profile adds its security headers and the web-UI routing check: this row shows their cost.
    jim_row = report.Row("hot", "ours, jim", options.connections)
    ceiling_row = report.Row("hot", "ceiling", options.connections)
    with contextlib.ExitStack() as stack:
        ours = stack.enter_context(servers.running(bench.ours(), bench.workdir))
        jim = stack.enter_context(
            servers.running(bench.ours(name="ours-jim", extra=("--profile", "jim")), bench.workdir)
        )
        ceiling = stack.enter_context(servers.running(bench.ceiling(bodies_file, HOT_TARGET), bench.workdir))
        bench.problems += mismatches(ours, stored) + mismatches(ceiling, stored)
        bench.problems += mismatches(jim, {target: past_tense(body) for target, body in stored.items()})
        others = start_peers(bench, stack, ours)
        measured = [(ours, ours_row), (jim, jim_row), (ceiling, ceiling_row), *others]
        for server in (ours, jim, ceiling):
            bench.warm_up(server, targets)
        for server, _ in others:
            bench.warm_up(server, targets, duration_s=peers.WARMUP_S)
        settled: dict[str, float] = {}
        for server, _ in measured:
            server.settle()
        for run in range(options.runs):
            for server, row in measured:
                row.runs.append(bench.load(server, targets, options.connections))
                # A JVM or node goes on compiling and collecting after its load, on the CPU the next
                # server measured uses: wait for it, so one server's tail is not the next one's cost.
                settled[row.server] = max(settled.get(row.server, 0.0), server.settle())
            progress(
                f"hot  run {run + 1}/{options.runs}, req/s: "
                + ", ".join(f"{row.server} {row.runs[-1].rps:,.0f}" for _, row in measured)
            )
        for server, row in measured:
            row.rss_mb = server.peak_rss_mb()
        depth_rows = [] if options.hot_only else depth(bench, ours)
    for server, row in measured:
        bench.note_log(server)
        if server is ours or server is jim:
            row.memos = server.memo_figures()
        if row is not ceiling_row:
            row.ratio = ratio(row.rps, ceiling_row.rps)
    for _, row in measured:
        if settled.get(row.server, 0.0) >= SETTLE_NOTED_S:
            row.notes.append(f"{row.server}: kept the server CPU busy up to {settled[row.server]:.1f} s after a run")
    relative = ratio(jim_row.rps, ours_row.rps)
    if relative is not None:
        jim_row.notes.append(f"{relative:.2f} of the documented profile's throughput")
    return [row for _, row in measured] + depth_rows


def start_peers(
    bench: Bench, stack: contextlib.ExitStack, ours: servers.RunningServer
) -> list[tuple[servers.RunningServer, report.Row]]:
    """With --peers: each peer that starts and answers the hot request, on the server CPU, stopped with `stack`."""
    if bench.lineup is None or not bench.lineup.ready:
        return []
    reference = peers.reference(ours, HOT_TARGET, ADMIN_HEADERS)
    running, problems = peers.start(stack, bench.lineup, reference, bench.workdir, bench.pinning.server_cpus)
    bench.problems += problems
    return [
        (server, report.Row("hot", server.spec.name, bench.options.connections, notes=[note]))
        for server, note in running
    ]


def past_tense(body: bytes) -> bytes:
    """A documented page as the jim profile serves it: the same items, JIM's change-type names."""
    for documented, jim in ((b"Add", b"Added"), (b"Update", b"Updated"), (b"Delete", b"Deleted")):
        body = body.replace(b'"objectChangeType":"%b"' % documented, b'"objectChangeType":"%b"' % jim)
    return body


def depth(bench: Bench, ours: servers.RunningServer) -> list[report.Row]:
    """p50 of page 1 against page 10,001 of the 1.5M-item activity at low concurrency: does deep paging cost more?"""
    rows = []
    for page in (1, DEEPEST_PAGE):
        targets = loadgen.write_targets(bench.workdir / f"depth-{page}.txt", [items_target(LARGE_ACTIVITY, page)])
        rows.append((report.Row(f"depth page {page:,}", "ours", DEPTH_CONNECTIONS), targets))
    for run in range(bench.options.runs):
        for row, targets in rows:
            row.runs.append(bench.load(ours, targets, DEPTH_CONNECTIONS))
        progress(
            f"depth run {run + 1}/{bench.options.runs}: "
            + ", ".join(f"{r.scenario} p50 {r.runs[-1].p50_ms:.2f} ms" for r, _ in rows)
        )
    shallow, deep = rows[0][0], rows[1][0]
    deep.ratio = ratio(deep.p50_ms, shallow.p50_ms)
    return [shallow, deep]


def cold_walk(bench: Bench, bodies: Mapping[str, bytes], walk: Sequence[str]) -> list[report.Row]:
    """Distinct pages of the large activity, a fresh ours per run (nothing cached), one ceiling throughout."""
    options = bench.options
    targets = loadgen.write_targets(bench.workdir / "walk.txt", walk)
    warm = loadgen.write_targets(bench.workdir / "warm.txt", [items_target(WARMUP_ACTIVITY, p) for p in range(1, 7)])
    stored = {target: bodies[target] for target in walk}
    bodies_file = write_bodies(bench.workdir / "walk-bodies.json", stored)
    ours_row = report.Row("cold walk", "ours", options.connections)
    # The default writes an access-log line per request; this row shows what that line costs.
    quiet_row = report.Row("cold walk", "ours, no log", options.connections)
    ceiling_row = report.Row("cold walk", "ceiling", options.connections)
    with servers.running(bench.ceiling(bodies_file, walk[0]), bench.workdir) as ceiling:
        bench.problems += mismatches(ceiling, sample(stored, walk))
        bench.warm_up(ceiling, targets)
        for run in range(options.runs):
            ours_row.runs.append(fresh_cold_run(bench, targets, warm, sample(stored, walk), ours_row))
            quiet_row.runs.append(
                fresh_cold_run(bench, targets, warm, sample(stored, walk), quiet_row, ("--no-access-log",))
            )
            ceiling_row.runs.append(bench.load(ceiling, targets, options.connections))
            progress(
                f"cold run {run + 1}/{options.runs}: ours {ours_row.runs[-1].rps:,.0f} req/s, "
                f"without the access log {quiet_row.runs[-1].rps:,.0f} req/s, "
                f"ceiling {ceiling_row.runs[-1].rps:,.0f} req/s"
            )
        ceiling_row.rss_mb = ceiling.peak_rss_mb()
    bench.note_log(ceiling)
    if ceiling_row.runs and max(r.requests for r in ceiling_row.runs) > len(walk):
        ceiling_row.notes.append("ceiling went round the walk more than once (it has no cache, so this is harmless)")
    wrapped = [run.requests for run in ours_row.runs if run.requests + options.connections > len(walk)]
    if wrapped:
        ours_row.notes.append(
            f"{len(wrapped)} of {len(ours_row.runs)} ours cold run(s) sent more requests ({max(wrapped):,}) "
            f"than the walk has pages ({len(walk):,}): some pages were served twice"
        )
    ours_row.ratio = ratio(ours_row.rps, ceiling_row.rps)
    quiet_row.ratio = ratio(quiet_row.rps, ceiling_row.rps)
    return [ours_row, quiet_row, ceiling_row]


def fresh_cold_run(
    bench: Bench, targets: Path, warm: Path, check: Mapping[str, bytes], row: report.Row, extra: Sequence[str] = ()
) -> loadgen.WrkRun:
    """Start ours, warm it on pages outside the walk, walk once, then check a few bodies and note its peak RSS."""
    with servers.running(bench.ours(extra=extra), bench.workdir) as ours:
        bench.warm_up(ours, warm)
        result = bench.load(ours, targets, bench.options.connections)
        bench.problems += mismatches(ours, check)
        row.rss_mb = max(row.rss_mb or 0.0, ours.peak_rss_mb())
    bench.note_log(ours)
    row.memos = ours.memo_figures()
    return result


def workers_available(mockserver: Path) -> bool:
    """Whether this version of `mockserver serve` has a --workers option."""
    completed = subprocess.run([str(mockserver), "serve", "--help"], capture_output=True, text=True, check=False)
    return "--workers" in completed.stdout


def workers(bench: Bench) -> list[report.Row]:
    """Hot throughput with 1 and 2 uvicorn workers, both unpinned and alternating, so only the worker count differs."""
    options = bench.options
    targets = loadgen.write_targets(bench.workdir / "workers.txt", [HOT_TARGET])
    one = report.Row("workers=1, unpinned", "ours", options.connections)
    two = report.Row("workers=2, unpinned", "ours", options.connections)
    with (
        servers.redis_server(bench.workdir) as redis_url,
        servers.running(bench.ours("ours-1-worker", pinned=False), bench.workdir) as single,
        servers.running(
            bench.ours("ours-2-workers", workers=2, pinned=False, extra=("--redis-url", redis_url)), bench.workdir
        ) as double,
    ):
        for server in (single, double):
            bench.warm_up(server, targets, pinned=False)
        for run in range(options.runs):
            for server, row in ((single, one), (double, two)):
                row.runs.append(bench.load(server, targets, options.connections, pinned=False))
            progress(
                f"workers run {run + 1}/{options.runs}: 1 worker {one.runs[-1].rps:,.0f} req/s, "
                f"2 workers {two.runs[-1].rps:,.0f} req/s"
            )
        one.rss_mb, two.rss_mb = single.peak_rss_mb(), double.peak_rss_mb()
    bench.note_log(single)
    bench.note_log(double)
    two.ratio = ratio(two.rps, one.rps)
    return [one, two]


def shared_state(bench: Bench, walk: Sequence[str]) -> list[report.Row]:
    """The fixture history with `--redis-url` against without, hot page and cold walk, a fresh server per run, taking
    turns: the history never asks Redis, so the ratios show what sharing state costs it (none, within the spread)."""
    options = bench.options
    hot = loadgen.write_targets(bench.workdir / "shared-hot.txt", [HOT_TARGET])
    cold = loadgen.write_targets(bench.workdir / "shared-walk.txt", walk)
    warm = loadgen.write_targets(bench.workdir / "shared-warm.txt", [items_target(WARMUP_ACTIVITY, p) for p in (1, 2)])
    rows = {
        (kind, store): report.Row(f"{kind}, {store} store", "ours", options.connections)
        for kind in ("hot", "cold walk")
        for store in ("memory", "redis")
    }
    with servers.redis_server(bench.workdir) as redis_url:
        for run in range(options.runs):
            for store, extra in (("memory", ()), ("redis", ("--redis-url", redis_url))):
                with servers.running(bench.ours(f"ours-{store}-store", extra=extra), bench.workdir) as ours:
                    bench.warm_up(ours, warm)
                    rows[("cold walk", store)].runs.append(bench.load(ours, cold, options.connections))
                    bench.warm_up(ours, hot)
                    rows[("hot", store)].runs.append(bench.load(ours, hot, options.connections))
                    rows[("hot", store)].rss_mb = ours.peak_rss_mb()
                bench.note_log(ours)
            progress(
                f"shared state run {run + 1}/{options.runs}: hot "
                f"{rows[('hot', 'memory')].runs[-1].rps:,.0f} / {rows[('hot', 'redis')].runs[-1].rps:,.0f} req/s, "
                f"cold {rows[('cold walk', 'memory')].runs[-1].rps:,.0f} / "
                f"{rows[('cold walk', 'redis')].runs[-1].rps:,.0f} req/s (memory / redis)"
            )
    for kind in ("hot", "cold walk"):
        rows[(kind, "redis")].ratio = ratio(rows[(kind, "redis")].rps, rows[(kind, "memory")].rps)
    return list(rows.values())


def fixtures_without_large(workdir: Path) -> Path:
    """A copy of the fixtures without the 1.5M-item activity, to see what it costs at start-up."""
    copy = workdir / "fixtures-without-large"
    shutil.copytree(PROJECT_ROOT / "fixtures", copy)
    activities_file = copy / "activities.json"
    records = json.loads(activities_file.read_text(encoding="utf-8"))
    kept = [record for record in records if record.get("id") != LARGE_ACTIVITY]
    if len(kept) == len(records):
        raise servers.ServerError(f"{LARGE_ACTIVITY} is not in fixtures/activities.json any more")
    activities_file.write_text(json.dumps(kept, indent=2), encoding="utf-8")
    return copy


def cold_starts(bench: Bench) -> list[report.StartRow]:
    """Spawn-to-first-200 time and peak RSS after a few requests, with and without the large activity, alternating."""
    variants = {
        "with the 1.5M-item activity": None,
        "without it (--fixtures copy)": fixtures_without_large(bench.workdir),
    }
    starts: dict[str, list[float]] = {name: [] for name in variants}
    peaks: dict[str, list[float]] = {name: [] for name in variants}
    for run in range(bench.options.runs):
        for name, fixtures in variants.items():
            with servers.running(bench.ours("ours-start", fixtures=fixtures), bench.workdir) as server:
                serve_a_few(server)
                starts[name].append(server.start_s)
                peaks[name].append(server.peak_rss_mb())
            bench.note_log(server)
        progress(
            f"start run {run + 1}/{bench.options.runs}: "
            + ", ".join(f"{n} {1000 * starts[n][-1]:.0f} ms" for n in variants)
        )
    return [report.StartRow(name, starts[name], peaks[name]) for name in variants]


def serve_a_few(server: servers.RunningServer) -> None:
    """A handful of ordinary requests, so the peak RSS reflects a server that has served something."""
    with httpx.Client(base_url=server.base_url, headers=ADMIN_HEADERS, timeout=30.0) as client:
        for _ in range(START_REQUESTS):
            response = client.get(HOT_TARGET)
            if response.status_code != 200:
                raise servers.ServerError(f"{server.spec.name} answered {response.status_code} for {HOT_TARGET}")


def ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


@dataclass(slots=True)
class Results:
    """Everything one invocation measured."""

    rows: list[report.Row]
    starts: list[report.StartRow]
    workers_note: str | None


def run_scenarios(bench: Bench) -> Results:
    """All scenarios in order; each stops its own servers before the next starts."""
    if bench.options.hot_only:
        rows = hot_and_depth(bench, reference_bodies(bench, [HOT_TARGET]))
        bench.note_errors(rows)
        return Results(rows, [], "workers: not measured (--hot-only)")
    walk = [items_target(LARGE_ACTIVITY, page) for page in walk_pages(bench.options.pages)]
    bodies = reference_bodies(bench, [HOT_TARGET, *walk])
    rows = hot_and_depth(bench, bodies)
    rows += cold_walk(bench, bodies, walk)
    del bodies
    workers_note = None
    if workers_available(bench.mockserver):
        rows += workers(bench)
        rows += shared_state(bench, walk)
    else:
        workers_note = "workers: --workers not available"
        progress(workers_note)
    starts = cold_starts(bench)
    bench.note_errors(rows)
    return Results(rows, starts, workers_note)


def legend(bench: Bench, results: Results) -> list[str]:
    """How to read the table, plus whatever this run noticed."""
    lines = [
        "ratio: hot and cold walk = server req/s / ceiling req/s (1.00 = no cost beyond bare Starlette);",
        "       depth = p50 page 10,001 / p50 page 1; workers = 2-worker req/s / 1-worker req/s;",
        "       redis store = req/s with --redis-url / req/s without (the fixture history never asks Redis).",
        "spread: (max - min) / median of req/s across runs.  4xx/5xx: responses >= 400 (wrk's count; every target",
        "       answered 200 beforehand).  sock err: connect/read/write errors and timeouts (> 10 s).",
        "RSS MB: peak resident set (VmHWM) at the end of the scenario, summed over the server's processes.",
    ]
    if not bench.options.hot_only:
        lines += [
            f"cold walk: {bench.options.pages:,} distinct pages of {LARGE_ACTIVITY} in a fixed shuffled",
            f"       order (seed {WALK_SEED}); a fresh ours per run, so it has served none of them before.",
            f"depth: -c{DEPTH_CONNECTIONS} on the warm hot-scenario server, the same page again and again.",
        ]
    lines += peers.legend(bench.lineup, results.rows)
    if results.workers_note:
        lines.append(results.workers_note)
    else:
        lines += [
            "workers: server and wrk unpinned on all CPUs; wrk competes with the workers for CPU,",
            "       so the 2-worker figure understates what 2 workers serve alone.",
        ]
    lines += [f"note: {note}" for row in results.rows for note in row.notes]
    lines += [f"{row.scenario} / {row.server}, last run: {memo}" for row in results.rows for memo in row.memos]
    lines.append("problems: " + ("none seen" if not bench.problems else ""))
    lines += [f"  - {problem}" for problem in bench.problems]
    return lines


def payload(bench: Bench, info: report.Machine, results: Results) -> dict[str, Any]:
    """The JSON written next to the table."""
    return {
        "machine": asdict(info),
        "options": {
            "duration_s": bench.options.duration_s,
            "runs": bench.options.runs,
            "connections": bench.options.connections,
            "walk_pages": bench.options.pages,
            "walk_seed": WALK_SEED,
            "quick": bench.options.quick,
            "peers": bench.options.peers,
            "hot_only": bench.options.hot_only,
            "pinned": bench.pinning.used,
        },
        "rows": [row.as_json() for row in results.rows],
        "cold_start": [start.as_json() for start in results.starts],
        "workers": results.workers_note or "measured",
        "peers": peers.summary(bench.lineup, results.rows),
        "problems": bench.problems,
    }


def mockserver_executable() -> Path:
    """The mockserver console script of the virtualenv running us."""
    candidate = Path(sys.prefix) / "bin" / "mockserver"
    if candidate.exists():
        return candidate
    found = shutil.which("mockserver")
    if found is None:
        raise SystemExit("bench.py: no mockserver executable; run it with the project's virtualenv: .venv/bin/python")
    return Path(found)


def interrupt(signum: int, frame: FrameType | None) -> None:
    """Treat SIGTERM like Ctrl-C, so the finally blocks stop every server we started."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, measure, print the table, write the JSON."""
    options = parse_options(argv)
    if options.started:
        return started_runs.main(["--quick"] if options.quick else [])
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started with SIGINT ignored
    signal.signal(signal.SIGTERM, interrupt)
    command = shlex.join([sys.executable, *sys.argv])
    try:
        wrk = loadgen.ensure_wrk()
        pinning = servers.plan_pinning()
        info = report.machine(command, loadgen.wrk_version(wrk), pinning.description)
        with tempfile.TemporaryDirectory(prefix="mockserver-bench-") as scratch:
            bench = Bench(options, wrk, pinning, Path(scratch), mockserver_executable())
            if options.peers:
                bench.lineup = peers.line_up(progress)
            results = run_scenarios(bench)
    except KeyboardInterrupt:
        progress("interrupted: every server started has been stopped")
        return 130
    except (loadgen.LoadError, servers.ServerError, subprocess.CalledProcessError) as exc:
        progress(f"bench.py: {exc}")
        return 1
    load_after = os.getloadavg()[0]
    lines = [
        *report.render_header(info, options.describe(), load_after),
        "",
        *report.render_table(results.rows),
        "",
        *([*report.render_starts(results.starts), ""] if results.starts else []),
        *legend(bench, results),
    ]
    print("\n".join(lines))
    report.write_json(options.json_path, payload(bench, info, results) | {"load_after": load_after, "table": lines})
    print(f"\nresults written to {options.json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
