"""Server processes for the benchmark: started on a free loopback port, awaited, measured, always stopped."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HOST = "127.0.0.1"
READY_TIMEOUT_S = 60.0
POLL_INTERVAL_S = 0.005
STOP_TIMEOUT_S = 10.0
ENV_PREFIX = "MOCKSERVER_"
SETTLE_QUIET_S = 0.25
SETTLE_BUSY_FRACTION = 0.05
"""A server using under 5% of a CPU over SETTLE_QUIET_S has settled."""
SETTLE_DEADLINE_S = 10.0


class ServerError(RuntimeError):
    """A server exited, never answered 200, or left something wrong in its log."""


@dataclass(frozen=True, slots=True)
class Pinning:
    """Which CPUs the server and wrk get, so they do not steal each other's core."""

    server_cpus: str | None
    loadgen_cpus: str | None
    description: str

    @property
    def used(self) -> bool:
        """Whether taskset pins anything at all."""
        return self.server_cpus is not None


def plan_pinning() -> Pinning:
    """Server on the first allowed CPU and wrk on the second, when taskset exists and there are two CPUs."""
    cpus = sorted(os.sched_getaffinity(0))
    if shutil.which("taskset") is None:
        return Pinning(None, None, "no (taskset not found): server and wrk share all CPUs")
    if len(cpus) < 2:
        return Pinning(None, None, f"no (only {len(cpus)} CPU available): server and wrk share it")
    server, loadgen = str(cpus[0]), str(cpus[1])
    return Pinning(server, loadgen, f"yes (taskset): server on CPU {server}, wrk on CPU {loadgen}")


@dataclass(frozen=True, slots=True)
class ServerSpec:
    """How to start one server and how to tell that it is ready."""

    name: str
    argv: Sequence[str]
    ready_path: str
    ready_headers: Mapping[str, str] = field(default_factory=dict)
    cpus: str | None = None


@dataclass(slots=True)
class RunningServer:
    """A started server: its process, address, how long it took to answer, and where its output went."""

    spec: ServerSpec
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    start_s: float = 0.0

    @property
    def base_url(self) -> str:
        """The loopback URL wrk and httpx talk to."""
        return f"http://{HOST}:{self.port}"

    def peak_rss_mb(self) -> float:
        """VmHWM summed over the server's process tree (uvicorn workers are children), in MB."""
        return sum(peak_rss_kb(pid) for pid in process_tree(self.process.pid)) / 1024

    def cpu_seconds(self) -> float:
        """User and system CPU time used so far, summed over the server's process tree."""
        return sum(cpu_seconds(pid) for pid in process_tree(self.process.pid))

    def settle(self, quiet_s: float = SETTLE_QUIET_S, deadline_s: float = SETTLE_DEADLINE_S) -> float:
        """Wait until the server stops using CPU (a JVM or node keeps compiling and collecting after its
        load ends, on the CPU the next server measured shares): seconds waited, at most `deadline_s`."""
        started = time.monotonic()
        used = self.cpu_seconds()
        while time.monotonic() - started < deadline_s:
            time.sleep(quiet_s)
            now = self.cpu_seconds()
            if now - used < SETTLE_BUSY_FRACTION * quiet_s:
                break
            used = now
        return time.monotonic() - started

    def memo_figures(self) -> list[str]:
        """The figures of each memo, as a stopped mockserver logs them ("memo routes: … kept, … hits, …")."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return [line[line.index(MEMO_LINE) :] for line in text.splitlines() if MEMO_LINE in line]

    def log_problems(self) -> list[str]:
        """Lines of the server's output that report errors, to surface failures wrk cannot see."""
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return [line for line in text.splitlines() if "Traceback" in line or " ERROR " in line or "Error:" in line]


MEMO_LINE = "memo "
"""How mockserver's shutdown line for a memo's figures begins (mockserver/memo.py MemoFigures.line)."""


def free_port() -> int:
    """A loopback port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def child_environment() -> dict[str, str]:
    """Our environment minus MOCKSERVER_* settings, so the server runs with its defaults whatever the shell has."""
    return {name: value for name, value in os.environ.items() if not name.startswith(ENV_PREFIX)}


def process_tree(pid: int) -> list[int]:
    """The pid and all its descendants, read from /proc."""
    found: list[int] = []
    pending = [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            with contextlib.suppress(OSError):
                pending += [int(child) for child in (task / "children").read_text().split()]
    return found


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process from /proc, or 0 once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # After the command's closing parenthesis: state is field 3, utime 14 and stime 15 (man 5 proc).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_kb(pid: int) -> int:
    """VmHWM (peak resident set) of one process in kB, 0 when it is gone or the kernel does not say."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def spawn(spec: ServerSpec, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """Start the server in its own session, so Ctrl-C reaches us and we stop it in order."""
    argv = [arg.replace("{port}", str(port)) for arg in spec.argv]
    if spec.cpus:
        argv = ["taskset", "-c", spec.cpus, *argv]
    with log_path.open("wb") as log:
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=child_environment(),
        )


def wait_ready(server: RunningServer, started: float) -> float:
    """Poll until the ready path answers 200; the seconds since spawn, or ServerError with the log's tail."""
    url = server.base_url + server.spec.ready_path
    deadline = started + READY_TIMEOUT_S
    with httpx.Client(timeout=5.0, headers=dict(server.spec.ready_headers)) as client:
        while time.perf_counter() < deadline:
            if server.process.poll() is not None:
                raise ServerError(f"{server.spec.name} exited with {server.process.returncode}:\n{log_tail(server)}")
            try:
                if client.get(url).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(POLL_INTERVAL_S)
    raise ServerError(
        f"{server.spec.name} did not answer 200 on {url} within {READY_TIMEOUT_S:.0f} s:\n{log_tail(server)}"
    )


def log_tail(server: RunningServer, lines: int = 30) -> str:
    """The end of a server's output, for error messages."""
    text = server.log_path.read_text(encoding="utf-8", errors="replace") if server.log_path.exists() else ""
    return "\n".join(text.splitlines()[-lines:]) or "(no output)"


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's process group, then SIGKILL if it lingers; safe to call twice."""
    if process.poll() is not None:
        return
    for sig, wait_s in ((signal.SIGTERM, STOP_TIMEOUT_S), (signal.SIGKILL, STOP_TIMEOUT_S)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue
    print(f"warning: process {process.pid} survived SIGKILL", file=sys.stderr)


@contextlib.contextmanager
def running(spec: ServerSpec, log_dir: Path) -> Iterator[RunningServer]:
    """Start a server, wait until it answers 200, yield it, and stop it however the block ends."""
    port = free_port()
    log_path = log_dir / f"{spec.name}-{port}.log"
    started = time.perf_counter()
    process = spawn(spec, port, log_path)
    server = RunningServer(spec=spec, process=process, port=port, log_path=log_path)
    try:
        server.start_s = wait_ready(server, started)
        yield server
    finally:
        stop(process)


@contextlib.contextmanager
def redis_server(log_dir: Path) -> Iterator[str]:
    """A throwaway redis-server (no persistence) on a free loopback port, stopped afterwards: its URL. Several
    workers, or replicas, share what clients change through it."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise ServerError("redis-server is not installed (apt-get install redis-server): --workers 2 needs one")
    port = free_port()
    argv = [binary, "--port", str(port), "--bind", HOST, "--save", "", "--appendonly", "no", "--dir", str(log_dir)]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        give_up = time.monotonic() + READY_TIMEOUT_S
        while True:
            with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1) as probe:
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    break
            if process.poll() is not None or time.monotonic() > give_up:
                raise ServerError(f"redis-server did not start on port {port}")
            time.sleep(POLL_INTERVAL_S)
        yield f"redis://{HOST}:{port}/0"
    finally:
        stop(process)
