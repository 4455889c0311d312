"""Serve the sandbox on a free loopback port and run the contract suite against it over real HTTP.

`make contract-live` runs this in CI, proving the suite's live mode and the served app, not only the
in-process one. Extra arguments go to pytest; `--profile jim` also starts the server in that profile.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx


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


def profile_of(args: list[str]) -> list[str]:
    """The suite's `--profile X` (or `--profile=X`), for the server too: both hold to the same profile."""
    for index, arg in enumerate(args):
        if arg == "--profile" and index + 1 < len(args):
            return ["--profile", args[index + 1]]
        if arg.startswith("--profile="):
            return ["--profile", arg.partition("=")[2]]
    return []


def main() -> int:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    serve = ["serve", "--port", str(port), "--no-access-log", "--log-level", "warning", *profile_of(sys.argv[1:])]
    command = [sys.executable, "-m", "mockserver", *serve]
    server = subprocess.Popen(command)
    try:
        try:
            wait_until_healthy(f"{base_url}/api/v1/health", server)
        except RuntimeError as exc:
            print(f"contract_live: {exc}", file=sys.stderr)
            return 2
        target = ["--base-url", base_url, "--sandbox-ids"]
        suite = [sys.executable, "-m", "pytest", "contract_tests", *target, *sys.argv[1:]]
        print("+", " ".join(suite), flush=True)
        return subprocess.run(suite).returncode
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
