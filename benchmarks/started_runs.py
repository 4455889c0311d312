"""Runs clients start, measured in-process (no HTTP, no wrk): issue 20's speed and memory figures, never asserted.

    .venv/bin/python benchmarks/started_runs.py            # about a minute
    .venv/bin/python benchmarks/started_runs.py --quick    # a few seconds: the smoke test's settings
    make bench ARGS=--started                              # the same, from bench.py

Each figure is a ratio against a baseline measured in the same process, in the same rounds, taking turns:

- **items**: a started, finished run's 100-item pages, each (run, page) asked once, against the cold walk's
  pages of the 1,500,000-item fixture activity (`profile_request.py`'s cold scenario); µs a request, best round.
- **execute**: `POST …/run-profiles/{id}/execute` (a fresh app each round: the store keeps at most 10,000 runs)
  against the same cold item page; µs a request, best round.
- **memory**: the process's RSS after 10,000 runs started through the app (POST execute) and finished (the
  hand-turned clock moved past their end), the list, a run's progress and its items read, against the same
  process before any run started, having read the same fixture answers; measured first, in a process that has
  held nothing else.

The app is built as `profile_request.py` builds it (default settings, the access log on, written nowhere) but
with a hand-turned clock (`ManualClock`), so a run's state depends only on what the script sets.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import logging.config
import os
import sys
import time
from collections.abc import Sequence
from contextlib import redirect_stderr
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from mockserver.app import create_app
from mockserver.serving import log_config
from mockserver.settings import Settings
from mockserver.world.runs.clock import ManualClock

sys.path.insert(0, str(Path(__file__).resolve().parent))
from profile_request import COLD_PAGES, LARGE_ACTIVITY, request

EXECUTE = "/api/v1/synchronisation/connected-systems/{system}/run-profiles/{profile}/execute"
RUN_PROFILE = (1, 2)
"""Corporate LDAP's Full Import: the run profile whose runs the figures start."""
FINISHED_AFTER = 86_400.0
"""Seconds the clock is moved on so that every started run has ended."""
RUNS_FOR_MEMORY = 10_000
ITEMS_FEW_RUNS = 200
"""Fewer than the 256 finished runs' activities RunActivities keeps built (world/runs/run_activity.py)."""
ITEMS_MANY_RUNS = 5_000


@dataclass
class Answer:
    status: int = 0
    body: bytes = b""


async def call(app: Any, scope: dict[str, Any]) -> Answer:
    answer = Answer()
    parts: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer.status = message["status"]
        elif message["type"] == "http.response.body":
            parts.append(message.get("body", b""))

    await app(dict(scope), receive, send)
    answer.body = b"".join(parts)
    return answer


def post(path: str) -> dict[str, Any]:
    return request(path, "") | {"method": "POST"}


def execute_scope() -> dict[str, Any]:
    system, profile = RUN_PROFILE
    return post(EXECUTE.format(system=system, profile=profile))


async def timed(app: Any, scopes: Sequence[dict[str, Any]], expect: int) -> float:
    """Seconds to send every request (each through `call`, the baseline's too); any other status stops the run."""
    started = time.perf_counter()
    statuses = {(await call(app, scope)).status for scope in scopes}
    taken = time.perf_counter() - started
    if statuses != {expect}:
        raise SystemExit(f"started_runs.py: expected only {expect}, got {sorted(statuses)}")
    return taken


def new_app() -> tuple[Any, ManualClock]:
    clock = ManualClock()
    return create_app(Settings(), clock=clock), clock


def cold_pages(count: int, offset: int) -> list[dict[str, Any]]:
    pages = [1 + (offset + n) % COLD_PAGES for n in range(count)]
    return [request(f"/api/v1/activities/{LARGE_ACTIVITY}/items", f"pageSize=100&page={p}") for p in pages]


async def start_runs(app: Any, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        answer = await call(app, execute_scope())
        if answer.status != 202:
            raise SystemExit(f"started_runs.py: execute answered {answer.status}: {answer.body[:200]!r}")
        ids.append(orjson.loads(answer.body)["activityId"])
    return ids


async def run_pages(app: Any, ids: Sequence[str]) -> list[dict[str, Any]]:
    """Every 100-item page of each run, run by run."""
    scopes = []
    for activity_id in ids:
        # Its item count from a one-item page: a window the walk never asks for, so the page memo has not seen one.
        first = await call(app, request(f"/api/v1/activities/{activity_id}/items", "pageSize=1"))
        pages = -(-orjson.loads(first.body)["totalCount"] // 100)
        scopes += [
            request(f"/api/v1/activities/{activity_id}/items", f"pageSize=100&page={p}") for p in range(1, pages + 1)
        ]
    return scopes


async def items(rounds: int, per_round: int, runs: int) -> dict[str, Any]:
    """Finished started runs' pages against the fixture activity's cold pages, in the same app: `runs` runs, their
    pages asked in turn (the page memo keeps 64, so a page comes round again only long after it was evicted)."""
    app, clock = new_app()
    await timed(app, cold_pages(200, COLD_PAGES // 2), 200)  # warm-up, pages the rounds never reach
    ids = await start_runs(app, runs)
    clock.advance(FINISHED_AFTER)
    pages = await run_pages(app, ids)
    scopes = [pages[n % len(pages)] for n in range(rounds * per_round)]
    pages_a_run = len(pages) / runs
    started_best = fixture_best = float("inf")
    for n in range(rounds):
        fixture_best = min(fixture_best, await timed(app, cold_pages(per_round, n * per_round), 200))
        batch = scopes[n * per_round : (n + 1) * per_round]
        started_best = min(started_best, await timed(app, batch, 200))
    started_us, fixture_us = started_best / per_round * 1e6, fixture_best / per_round * 1e6
    return {
        "started_us": started_us,
        "fixture_us": fixture_us,
        "ratio": started_us / fixture_us,
        "runs": runs,
        "pages_a_run": pages_a_run,
    }


async def execute(rounds: int, per_round: int, existing: int) -> dict[str, Any]:
    """POST execute against a cold item page; each round a fresh app, holding `existing` runs already."""
    started_best = cold_best = float("inf")
    for n in range(rounds):
        app, _clock = new_app()
        await timed(app, cold_pages(200, COLD_PAGES // 2), 200)
        await start_runs(app, existing)
        cold_best = min(cold_best, await timed(app, cold_pages(per_round, n * per_round), 200))
        started_best = min(started_best, await timed(app, [execute_scope()] * per_round, 202))
    execute_us, cold_us = started_best / per_round * 1e6, cold_best / per_round * 1e6
    return {"execute_us": execute_us, "cold_us": cold_us, "ratio": execute_us / cold_us, "existing": existing}


def rss_kb() -> tuple[int, int]:
    """VmRSS and VmHWM (the peak) of this process, in kB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


async def reads(app: Any, run_id: str | None) -> dict[str, float]:
    """The answers read before and after: the list, a progress and an item page; ms each (the run's, if any)."""
    target = run_id or LARGE_ACTIVITY
    taken = {}
    for name, scope in (
        ("list", request("/api/v1/activities", "pageSize=100")),
        ("progress", request(f"/api/v1/activities/{target}/progress", "")),
        ("items", request(f"/api/v1/activities/{target}/items", "pageSize=100")),
    ):
        began = time.perf_counter()
        answer = await call(app, scope)
        taken[name] = (time.perf_counter() - began) * 1e3
        if answer.status != 200:
            raise SystemExit(f"started_runs.py: {name} answered {answer.status}: {answer.body[:200]!r}")
    return taken


async def memory(count: int) -> dict[str, Any]:
    """RSS with `count` runs started and finished, against the same process before the first."""
    app, clock = new_app()
    await timed(app, cold_pages(200, COLD_PAGES // 2), 200)
    await reads(app, None)
    gc.collect()
    before, _ = rss_kb()
    began = time.perf_counter()
    ids = await start_runs(app, count)
    starting_s = time.perf_counter() - began
    clock.advance(FINISHED_AFTER)
    after_reads = await reads(app, ids[-1])
    again = await reads(app, ids[-1])
    listed = orjson.loads((await call(app, request("/api/v1/activities", "pageSize=1"))).body)
    last = orjson.loads((await call(app, request(f"/api/v1/activities/{ids[-1]}/progress", ""))).body)
    gc.collect()
    after, peak = rss_kb()
    return {
        "runs": count,
        "rss_before_mb": before / 1024,
        "rss_after_mb": after / 1024,
        "rss_added_mb": (after - before) / 1024,
        "peak_mb": peak / 1024,
        "start_all_s": starting_s,
        "first_reads_ms": after_reads,
        "second_reads_ms": again,
        "listed": listed["totalCount"],
        "last_status": last["status"],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="few requests and 200 runs: a smoke test")
    parser.add_argument("--rounds", type=int, help="rounds a figure; the best is reported (default 5; 2 --quick)")
    parser.add_argument("--requests", type=int, help="requests a round (default 1000; 50 --quick)")
    parser.add_argument("--runs", type=int, help=f"runs started for the memory figure (default {RUNS_FOR_MEMORY:,})")
    parser.add_argument("--json", type=Path, help="also write the figures here as JSON")
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 5)
    per_round = args.requests or (50 if args.quick else 1000)
    runs = args.runs or (200 if args.quick else RUNS_FOR_MEMORY)
    with open(os.devnull, "w") as nowhere, redirect_stderr(nowhere):
        logging.config.dictConfig(log_config("info"))
        # Memory first: the process has held nothing else yet, so no run is started into memory another scenario
        # freed (which RSS would not show).
        figures = {"memory": asyncio.run(memory(runs))}
        figures |= {
            "items": asyncio.run(items(rounds, per_round, ITEMS_FEW_RUNS)),
            "items_many_runs": None if args.quick else asyncio.run(items(rounds, per_round, ITEMS_MANY_RUNS)),
            "execute": asyncio.run(execute(rounds, per_round, 0)),
            "execute_with_9000": None if args.quick else asyncio.run(execute(2, per_round, 9_000)),
        }
        logging.shutdown()
    print("\n".join(render(figures, rounds, per_round)))
    if args.json:
        args.json.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
    return 0


def render(figures: dict[str, Any], rounds: int, per_round: int) -> list[str]:
    i, e, m = figures["items"], figures["execute"], figures["memory"]
    lines = [
        f"started runs, in-process, best of {rounds} rounds of {per_round:,} requests "
        "(ratios: same process, same rounds)",
        f"  items: a finished started run's 100-item page {i['started_us']:.1f} µs, the fixture's cold page "
        f"{i['fixture_us']:.1f} µs: ratio {i['ratio']:.2f} (target ≤ 1; {i['runs']:,} runs of "
        f"{i['pages_a_run']:.1f} pages)",
        f"  execute: POST execute {e['execute_us']:.1f} µs, a cold item page {e['cold_us']:.1f} µs: ratio "
        f"{e['ratio']:.2f} (target ≤ 2)",
    ]
    many = figures.get("items_many_runs")
    if many:
        lines.insert(
            2,
            f"  items with {many['runs']:,} runs started: {many['started_us']:.1f} µs against {many['fixture_us']:.1f} "
            f"µs: ratio {many['ratio']:.2f}",
        )
    e9 = figures.get("execute_with_9000")
    if e9:
        lines.append(
            f"  execute with 9,000 runs already started: {e9['execute_us']:.1f} µs against a cold page of "
            f"{e9['cold_us']:.1f} µs: ratio {e9['ratio']:.2f}"
        )
    first, second = m["first_reads_ms"], m["second_reads_ms"]
    lines += [
        f"  memory: {m['runs']:,} runs started and finished: RSS {m['rss_before_mb']:.1f} MB -> "
        f"{m['rss_after_mb']:.1f} MB, {m['rss_added_mb']:+.1f} MB (target ≤ +20; peak {m['peak_mb']:.1f} MB); "
        f"starting them took {m['start_all_s']:.1f} s",
        "  with them, first read (ms): "
        + ", ".join(f"{k} {v:.1f}" for k, v in first.items())
        + "; second: "
        + ", ".join(f"{k} {v:.1f}" for k, v in second.items())
        + f"; the list counts {m['listed']:,} activities, the last run's progress says {m['last_status']}",
    ]
    return lines


if __name__ == "__main__":
    sys.exit(main())
