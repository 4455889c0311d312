"""What a benchmark run found, as a fixed-width table for people and as JSON for comparing runs."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from loadgen import WrkRun

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class Machine:
    """Where and how the numbers were taken: they mean little without it."""

    cpus: int
    cpu_model: str
    python: str
    date: str
    command: str
    server_revision: str
    wrk: str
    pinning: str
    load_before: float


@dataclass(slots=True)
class Row:
    """One scenario against one server: every run kept, the median reported."""

    scenario: str
    server: str
    connections: int
    runs: list[WrkRun] = field(default_factory=list)
    rss_mb: float | None = None
    ratio: float | None = None
    notes: list[str] = field(default_factory=list)
    memos: list[str] = field(default_factory=list)
    """What the server's memos did in its last run, as it logged them on stopping (ours only)."""

    @property
    def rps(self) -> float:
        """Median requests per second over the runs."""
        return statistics.median(run.rps for run in self.runs) if self.runs else 0.0

    @property
    def p50_ms(self) -> float:
        """Median over the runs of each run's 50th-percentile latency."""
        return statistics.median(run.p50_ms for run in self.runs) if self.runs else 0.0

    @property
    def p99_ms(self) -> float:
        """Median over the runs of each run's 99th-percentile latency."""
        return statistics.median(run.p99_ms for run in self.runs) if self.runs else 0.0

    @property
    def spread_pct(self) -> float:
        """(max - min) / median of req/s across runs: how much to trust a difference between rows."""
        if len(self.runs) < 2 or self.rps == 0:
            return 0.0
        values = [run.rps for run in self.runs]
        return 100 * (max(values) - min(values)) / self.rps

    @property
    def status_errors(self) -> int:
        """Responses with status >= 400 over all runs (wrk's count)."""
        return sum(run.status_errors for run in self.runs)

    @property
    def socket_errors(self) -> int:
        """Connect, read, write errors and timeouts over all runs."""
        return sum(run.socket_errors for run in self.runs)

    def as_json(self) -> dict[str, Any]:
        """Medians next to the raw runs, so a later reader can recompute anything."""
        return {
            "scenario": self.scenario,
            "server": self.server,
            "connections": self.connections,
            "rps": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "spread_pct": round(self.spread_pct, 1),
            "status_errors": self.status_errors,
            "socket_errors": self.socket_errors,
            "peak_rss_mb": self.rss_mb,
            "ratio": self.ratio,
            "notes": self.notes,
            "memos": self.memos,
            "runs": [asdict(run) | {"rps": round(run.rps, 1)} for run in self.runs],
        }


@dataclass(frozen=True, slots=True)
class StartRow:
    """Cold start of one fixture set: seconds from spawn to first 200, and peak RSS, per start."""

    variant: str
    start_s: list[float]
    rss_mb: list[float]

    def as_json(self) -> dict[str, Any]:
        """Medians next to every start."""
        return {
            "variant": self.variant,
            "start_ms_median": round(1000 * statistics.median(self.start_s), 1),
            "peak_rss_mb_median": round(statistics.median(self.rss_mb), 1),
            "start_ms": [round(1000 * s, 1) for s in self.start_s],
            "peak_rss_mb": [round(m, 1) for m in self.rss_mb],
        }


def cpu_model() -> str:
    """The first 'model name' in /proc/cpuinfo, or the platform's guess."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def server_revision() -> str:
    """The commit the server code is at, flagged when mockserver/ has uncommitted edits (it is edited concurrently)."""

    def git(*args: str) -> str:
        completed = subprocess.run(["git", "-C", str(PROJECT_ROOT), *args], capture_output=True, text=True, check=False)
        return completed.stdout.strip() if completed.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    dirty = git("status", "--porcelain", "--", "mockserver", "openapi.yaml", "fixtures")
    return commit + (" + uncommitted changes in mockserver/openapi/fixtures" if dirty else "")


def machine(command: str, wrk: str, pinning: str) -> Machine:
    """Describe this machine and this invocation."""
    return Machine(
        cpus=os.cpu_count() or 0,
        cpu_model=cpu_model(),
        python=platform.python_version(),
        date=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        command=command,
        server_revision=server_revision(),
        wrk=wrk,
        pinning=pinning,
        load_before=os.getloadavg()[0],
    )


COLUMNS: tuple[tuple[str, int], ...] = (
    ("scenario", -22),
    ("server", -13),
    ("conns", 5),
    ("req/s", 9),
    ("spread", 7),
    ("p50 ms", 8),
    ("p99 ms", 8),
    ("4xx/5xx", 7),
    ("sock err", 8),
    ("RSS MB", 7),
    ("ratio", 6),
)
"""(header, width); a negative width means left-aligned."""


def number(value: float | None, digits: int) -> str:
    """A fixed-precision number, or '-' when there is none."""
    return "-" if value is None else f"{value:,.{digits}f}"


def format_line(cells: Sequence[str]) -> str:
    """Cells padded to COLUMNS' widths."""
    parts = [
        cell.ljust(-width) if width < 0 else cell.rjust(width) for cell, (_, width) in zip(cells, COLUMNS, strict=True)
    ]
    return "  ".join(parts).rstrip()


def row_cells(row: Row) -> list[str]:
    """One Row as table cells."""
    return [
        row.scenario,
        row.server,
        str(row.connections),
        number(row.rps, 0),
        f"{row.spread_pct:.0f}%" if len(row.runs) > 1 else "-",
        number(row.p50_ms, 2),
        number(row.p99_ms, 2),
        str(row.status_errors),
        str(row.socket_errors),
        number(row.rss_mb, 1),
        number(row.ratio, 2),
    ]


def render_table(rows: Sequence[Row]) -> list[str]:
    """The main table: header, rule, one line per row."""
    header = format_line([name for name, _ in COLUMNS])
    return [header, "-" * len(header), *(format_line(row_cells(row)) for row in rows)]


def render_starts(starts: Sequence[StartRow]) -> list[str]:
    """The cold-start table."""
    lines = [f"{'cold start':<34}{'spawn -> 200 ms':>16}{'peak RSS MB':>13}   (median of {len(starts[0].start_s)})"]
    for start in starts:
        summary = start.as_json()
        lines.append(f"{start.variant:<34}{summary['start_ms_median']:>16,.0f}{summary['peak_rss_mb_median']:>13,.1f}")
    return lines


def render_header(info: Machine, settings: str, load_after: float) -> list[str]:
    """Machine, command, revision and settings: the context without which the table cannot be compared."""
    return [
        f"JIM mockserver benchmark  {info.date}  |  {info.cpus} CPUs: {info.cpu_model}  |  Python {info.python}",
        f"command: {info.command}",
        f"server:  mockserver at {info.server_revision}",
        f"load:    {info.wrk}; {settings}",
        f"pinning: {info.pinning}",
        f"machine load average (1 min): {info.load_before:.2f} before, {load_after:.2f} after"
        + ("  <- other work competed for the CPUs" if max(info.load_before, load_after) > 1 else ""),
    ]


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write results as indented JSON, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
