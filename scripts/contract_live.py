"""Serve the sandbox on a free loopback port and run the contract suite against it over real HTTP.

`make contract-live` runs this in CI, proving the suite's live mode and the served app, not only the
in-process one. Extra arguments go to pytest; `--profile jim` also starts the server in that profile.

The sandbox's run in progress moves with its clock, which over HTTP is the wall's. So the suite runs
against a server whose run has already ended (the world then stands still, as the suite's comparisons
of one answer with another need), and each test that follows a moving run runs on its own against a
server of its own, while its run is young. Last, a client starts runs and follows them to their end
(`--allow-writes`) against a server whose world runs ten times faster than the wall.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx

RUNNING = "a37fa88f-3aed-4d06-b5b1-1571bdd6b0b2"
"""The sandbox's run in progress at start-up."""
ADMIN = {"X-Api-Key": "jim_ak_sandbox_admin"}
MOVING_TESTS = [
    "contract_tests/test_powershell_journey.py::"
    "test_follow_polls_progress_every_two_seconds_until_the_run_ends_then_emits_the_activity",
    "contract_tests/test_progress.py::test_a_run_in_progress_moves_until_it_ends_and_then_the_activity_shows_its_end",
]
"""Each against a server of its own, whose run is in progress when the test begins."""
WRITING_TESTS = [
    "contract_tests/test_runs.py::test_a_client_starts_a_run_by_name_follows_it_to_its_end_and_pages_its_items",
    "contract_tests/test_powershell_journey.py::"
    "test_start_run_profile_wait_resolves_the_names_starts_the_run_and_polls_it_to_its_end",
]
"""A client starting a run and following it to its end, over HTTP: `--allow-writes`, against the sandbox only."""
WRITING_RATE = "10"
"""The world's clock for them, against the wall's: a 30-second run ends in 3, polled every 2 seconds."""
MOVING_SECONDS = "30"
"""How long such a server's run takes: long enough to outlast its start and the suite's, short enough to follow."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(url: str, server: subprocess.Popen[bytes], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode} before answering")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not answer {url} within {seconds:.0f} s")


def wait_until_ended(base_url: str, seconds: float = 60.0) -> None:
    """Until the run in progress at start-up has ended (a run's end comes by the server's clock)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        progress = httpx.get(f"{base_url}/api/v1/activities/{RUNNING}/progress", headers=ADMIN, timeout=5.0)
        if progress.status_code == 200 and progress.json()["status"] != "InProgress":
            return
        time.sleep(0.2)
    raise RuntimeError(f"the run in progress at start-up did not end within {seconds:.0f} s")


def profile_of(args: list[str]) -> list[str]:
    """The suite's `--profile X` (or `--profile=X`), for the server too: both hold to the same profile."""
    for index, arg in enumerate(args):
        if arg == "--profile" and index + 1 < len(args):
            return ["--profile", args[index + 1]]
        if arg.startswith("--profile="):
            return ["--profile", arg.partition("=")[2]]
    return []


def run_suite(
    live_run_seconds: str, args: list[str], wait_for_the_end: bool, serving: tuple[str, ...] = (), writes: bool = False
) -> int:
    """Serve the sandbox (with `serving` too), then run the contract suite (with `args`) against it; `writes`: the
    suite may start runs (it is the sandbox)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    serve = ["serve", "--port", str(port), "--no-access-log", "--log-level", "warning", *profile_of(sys.argv[1:])]
    command = [sys.executable, "-m", "mockserver", *serve, "--live-run-seconds", live_run_seconds, *serving]
    server = subprocess.Popen(command)
    try:
        try:
            wait_until_healthy(f"{base_url}/api/v1/health", server)
            if wait_for_the_end:
                wait_until_ended(base_url)
        except RuntimeError as exc:
            print(f"contract_live: {exc}", file=sys.stderr)
            return 2
        target = ["--base-url", base_url, "--sandbox-ids", *(["--allow-writes"] if writes else [])]
        suite = [sys.executable, "-m", "pytest", *args, *target, *sys.argv[1:]]
        print("+", " ".join(suite), flush=True)
        return subprocess.run(suite).returncode
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    codes = [run_suite("1", ["contract_tests"], wait_for_the_end=True)]
    codes += [run_suite(MOVING_SECONDS, [test], wait_for_the_end=False) for test in MOVING_TESTS]
    codes += [run_suite("1", WRITING_TESTS, True, ("--clock-rate", WRITING_RATE), writes=True)]
    return next((code for code in codes if code), 0)


if __name__ == "__main__":
    sys.exit(main())
