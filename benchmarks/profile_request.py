"""Time one request through the app in-process (no HTTP, no wrk): microseconds a request, and where they go.

    .venv/bin/python benchmarks/profile_request.py                      # hot and cold, best of 5 rounds
    .venv/bin/python benchmarks/profile_request.py --scenario cold --profile cold.prof --top 25

The app is built as `mockserver serve` builds it (default settings, the access log on and formatted
as served, written to /dev/null) and driven through its ASGI interface, so the figure is the app's
own cost per request: what the HTTP server and the kernel add is the same for the ceiling and is
measured by bench.py. `hot` repeats the seed activity's 100-item page; `cold` walks distinct 100-item
pages of the 1,500,000-item activity, never the same page twice. Each round's time is taken on its
own, and the best round is reported: the machine's noise only ever adds time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import logging.config
import os
import pstats
import sys
import time
from collections.abc import Sequence
from contextlib import redirect_stderr
from typing import Any

from mockserver.app import create_app
from mockserver.serving import freeze_startup_objects, log_config
from mockserver.settings import Settings

SEED_ACTIVITY = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
LARGE_ACTIVITY = "f6a7b8c9-d0e1-2345-f012-3456789abcde"
KEY = b"jim_ak_sandbox_admin"
WARM_UP = 200
COLD_PAGES = 10_001


def request(path: str, query: str) -> dict[str, Any]:
    """An ASGI scope as uvicorn builds one for a GET with the admin key."""
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8080"), (b"x-api-key", KEY), (b"accept", b"*/*")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8080),
    }


def scopes(scenario: str, count: int, offset: int) -> list[dict[str, Any]]:
    """`count` requests of the scenario; cold pages start at `offset` so no round repeats another's."""
    if scenario == "hot":
        return [request(f"/api/v1/activities/{SEED_ACTIVITY}/items", "pageSize=100")] * count
    pages = [1 + (offset + n) % COLD_PAGES for n in range(count)]
    return [request(f"/api/v1/activities/{LARGE_ACTIVITY}/items", f"pageSize=100&page={p}") for p in pages]


async def drive(app: Any, requests: Sequence[dict[str, Any]]) -> float:
    """Send each request through the app; seconds taken. Anything but 200 stops the run."""
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.perf_counter()
    for scope in requests:
        await app(dict(scope), receive, send)
    taken = time.perf_counter() - started
    if set(statuses) != {200}:
        raise SystemExit(f"profile_request.py: answers other than 200: {sorted(set(statuses))}")
    return taken


async def measure(scenario: str, count: int, rounds: int, profile: str | None, top: int) -> float:
    app = create_app(Settings())
    freeze_startup_objects()
    # Warm up on requests outside the measured ones (cold: pages the rounds never reach).
    await drive(app, scopes(scenario, WARM_UP, COLD_PAGES // 2))
    profiler = cProfile.Profile() if profile else None
    best = float("inf")
    for n in range(rounds):
        batch = scopes(scenario, count, n * count)
        if profiler is not None:
            profiler.enable()
        best = min(best, await drive(app, batch))
        if profiler is not None:
            profiler.disable()
    if profiler is not None and profile is not None:
        profiler.dump_stats(profile)
        pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(top)
    for figures in app.memos:
        print(f"  {scenario}: {figures.line()}")
    return best / count * 1e6


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scenario", choices=["hot", "cold", "both"], default="both")
    parser.add_argument("--requests", type=int, default=1000, help="requests a round (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds; the best is reported (default 5)")
    parser.add_argument("--profile", help="write cProfile stats here (one scenario) and print the top entries")
    parser.add_argument("--top", type=int, default=30, help="profile entries printed (default 30)")
    args = parser.parse_args(argv)
    if args.profile and args.scenario == "both":
        parser.error("--profile needs one --scenario")
    if args.requests < 1 or args.rounds < 1:
        parser.error("--requests and --rounds must be at least 1")
    # The access log as `mockserver serve` sets it up, its lines going nowhere.
    with open(os.devnull, "w") as nowhere, redirect_stderr(nowhere):
        logging.config.dictConfig(log_config("info"))
        for scenario in ("hot", "cold") if args.scenario == "both" else (args.scenario,):
            figure = asyncio.run(measure(scenario, args.requests, args.rounds, args.profile, args.top))
            print(f"{scenario}: {figure:.1f} µs a request (best of {args.rounds} rounds of {args.requests})")
        logging.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
