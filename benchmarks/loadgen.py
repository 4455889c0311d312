"""wrk as the load generator: installed on demand, driven by walk.lua, its results read as JSON."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

WALK_SCRIPT = Path(__file__).resolve().parent / "walk.lua"
RESULT_MARKER = "BENCH_RESULT "
REQUEST_TIMEOUT_S = 10
"""wrk's per-request timeout: long enough that a slow server shows up as latency, not as dropped requests."""


class LoadError(RuntimeError):
    """wrk is missing, failed, or printed no result line."""


@dataclass(frozen=True, slots=True)
class WrkRun:
    """One wrk run, in the units the report uses, so callers never convert microseconds themselves."""

    requests: int
    duration_s: float
    bytes: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    status_errors: int
    socket_errors: int

    @property
    def rps(self) -> float:
        """Completed requests per second over the run."""
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0


def ensure_wrk() -> str:
    """Return wrk's path, installing the Debian package first when we are root, so one command suffices."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise LoadError("wrk is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y wrk) and run again.")
    if shutil.which("apt-get") is None:
        raise LoadError("wrk is not installed and apt-get is not available: install wrk by hand and run again.")
    print("wrk not found: installing it with apt-get ...", flush=True)
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        subprocess.run(command, check=True, env=environment, stdout=subprocess.DEVNULL)
    found = shutil.which("wrk")
    if not found:
        raise LoadError("apt-get reported success but wrk is still not on PATH.")
    return found


def wrk_version(wrk: str) -> str:
    """wrk's banner line, recorded with the results because output formats differ between builds."""
    completed = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    lines = (completed.stdout or completed.stderr).splitlines()
    return lines[0].split(" Copyright")[0].strip() if lines else "unknown"


def write_targets(path: Path, targets: Sequence[str]) -> Path:
    """Write request targets one a line for walk.lua, refusing any that would break the line format."""
    for target in targets:
        if not target.startswith("/") or any(c in target for c in "\r\n "):
            raise LoadError(f"not a plain request target: {target!r}")
    path.write_text("\n".join(targets) + "\n", encoding="ascii")
    return path


def wrk_command(
    wrk: str,
    base_url: str,
    targets_file: Path,
    headers: Mapping[str, str],
    connections: int,
    duration_s: int,
    cpus: str | None,
) -> list[str]:
    """The exact argv for one run: one thread, fixed connections, optionally pinned with taskset."""
    command = [
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{duration_s}s",
        f"--timeout={REQUEST_TIMEOUT_S}s",
        "--latency",
        "-s",
        str(WALK_SCRIPT),
        base_url,
        "--",
        str(targets_file),
    ]
    for name, value in headers.items():
        command += [name, value]
    return ["taskset", "-c", cpus, *command] if cpus else command


def parse_result(stdout: str) -> WrkRun:
    """Read the JSON line walk.lua's done() printed; wrk's own text report is ignored."""
    for line in stdout.splitlines():
        if line.startswith(RESULT_MARKER):
            raw = json.loads(line[len(RESULT_MARKER) :])
            return WrkRun(
                requests=raw["requests"],
                duration_s=raw["duration_us"] / 1e6,
                bytes=raw["bytes"],
                p50_ms=raw["p50_us"] / 1000,
                p99_ms=raw["p99_us"] / 1000,
                max_ms=raw["max_us"] / 1000,
                status_errors=raw["status_errors"],
                socket_errors=raw["connect_errors"] + raw["read_errors"] + raw["write_errors"] + raw["timeouts"],
            )
    raise LoadError(f"wrk printed no {RESULT_MARKER.strip()} line:\n{stdout[-2000:]}")


def run_wrk(command: Sequence[str], duration_s: int) -> WrkRun:
    """Run wrk to completion and return its result; a crash or hang is an error, never a silent zero."""
    try:
        completed = subprocess.run(
            list(command), capture_output=True, text=True, check=False, timeout=duration_s + REQUEST_TIMEOUT_S + 30
        )
    except subprocess.TimeoutExpired as exc:
        raise LoadError(f"wrk did not finish: {' '.join(command)}") from exc
    if completed.returncode != 0:
        raise LoadError(f"wrk exited {completed.returncode}: {completed.stderr.strip() or completed.stdout[-2000:]}")
    return parse_result(completed.stdout)
