"""The figures of docs/reliability.md's issue-22 probes, printed (never asserted): memory and recovery.

    .venv/bin/python benchmarks/reliability.py                 # every probe, about a minute
    .venv/bin/python benchmarks/reliability.py journal         # one of: journal pipelining pipe connections workers

`journal`: resident bytes a kept entry costs, 100,000 ordinary and 100,000 of the largest, and what
clearing gives back (in this process, through the journal's own layer). `pipelining`: a served
process's resident memory while one connection pipelines requests it never reads. `pipe`: requests
answered by a server whose output pipe nobody reads. `workers`: seconds until the workers of a
SIGKILLed master stop serving.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import gc
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from servers import redis_server

from mockserver.api.auth import identify
from mockserver.controls.journal import JournalMiddleware, MemoryJournal
from mockserver.world.fixtures.keys import KeyStore

ROOT = Path(__file__).resolve().parent.parent

PAGE = 4096
ENTRIES = 100_000
WORST = bytes(range(256)) * 40


def resident(pid: int | str = "self") -> int:
    """Resident bytes of a process, from /proc."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


def journal_scope(worst: bool, n: int) -> dict[str, Any]:
    if worst:
        return {
            "type": "http",
            "method": "PROPPATCH",
            "path": WORST.decode("latin-1"),
            "raw_path": WORST,
            "query_string": WORST,
            "headers": [(b"prefer", WORST), (b"x-api-key", b"jim_ak_sandbox_admin_" + b"x" * 50)],
            "client": ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", 65535),
        }
    return {
        "type": "http",
        "method": "GET",
        "path": f"/api/v1/activities/a1b2c3d4-e5f6-7890-abcd-ef1234567890/items/{n}",
        "query_string": b"pageSize=100",
        "headers": [(b"x-api-key", b"jim_ak_sandbox_admin")],
        "client": ("127.0.0.1", 50000),
    }


def journal() -> None:
    """Each kind in a fresh process: memory a first fill freed would otherwise be reused by the second."""
    for kind in ("ordinary", "largest"):
        subprocess.run([sys.executable, __file__, "journal-fill", kind], check=True)


def journal_fill(kind: str) -> None:
    keys = KeyStore([])

    async def answer(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    async def nothing(message: Any) -> None:
        return None

    async def fill(layer: JournalMiddleware, worst: bool) -> None:
        for n in range(ENTRIES):
            scope = journal_scope(worst, n)
            identify(scope, keys, b"x-api-key")
            await layer(scope, nothing, nothing)

    for worst in (kind == "largest",):
        store = MemoryJournal(ENTRIES)
        layer = JournalMiddleware(answer, store)
        gc.collect()
        before = resident()
        asyncio.run(fill(layer, worst))
        gc.collect()
        full = resident()
        size = len(asyncio.run(store.read(0, 1))[1][0])
        asyncio.run(store.clear())
        gc.collect()
        cleared = resident()
        kind = "largest" if worst else "ordinary"
        print(
            f"journal: {ENTRIES:,} {kind} entries of {size} bytes of JSON: {(full - before) / ENTRIES:,.0f} bytes"
            f" each resident ({(full - before) / 1e6:.1f} MB); after DELETE {(full - cleared) / 1e6:.1f} MB given back"
        )


def serve(*args: str, **popen: Any) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "mockserver", "serve", "--port", str(port), *args]
    server = subprocess.Popen(command, cwd=ROOT, **popen)
    base = f"http://127.0.0.1:{port}"
    give_up = time.monotonic() + 60
    while time.monotonic() < give_up:
        try:
            if httpx.get(f"{base}/api/v1/health/live", timeout=1).status_code == 200:
                return server, base
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")


def pipelining(megabytes: int = 4) -> None:
    server, base = serve("--no-access-log", "--log-level", "warning", stdout=subprocess.DEVNULL)
    try:
        before = resident(server.pid)
        request = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
        burst = request * (megabytes * 1_000_000 // len(request))
        host, port = base.removeprefix("http://").split(":")
        peak, sent = before, 0
        with socket.create_connection((host, int(port))) as conn:
            conn.setblocking(False)
            give_up = time.monotonic() + 10
            while time.monotonic() < give_up and sent < len(burst):
                try:
                    sent += conn.send(burst[sent : sent + 65536])
                except BlockingIOError:
                    time.sleep(0.01)
                except OSError:
                    break  # closed by the server
                peak = max(peak, resident(server.pid))
            for _ in range(20):
                peak = max(peak, resident(server.pid))
                time.sleep(0.05)
        print(
            f"pipelining: {sent / 1e6:.1f} MB of {len(request)}-byte requests sent on one connection, never read:"
            f" server resident {before / 1e6:.0f} MB -> peak {peak / 1e6:.0f} MB"
            f" (+{(peak - before) / 1e6:.0f} MB, {(peak - before) / max(sent, 1):.1f} bytes a byte sent)"
        )
    finally:
        server.kill()
        server.wait()


def pipe(requests: int = 2000) -> None:
    """Requests uvicorn cannot parse (each logs two warnings) to a server whose output pipe nobody reads."""
    server, base = serve("--log-level", "info", stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert server.stdout is not None
    fcntl.fcntl(server.stdout.fileno(), 1031, 4096)  # F_SETPIPE_SZ: the smallest pipe, a page
    host, port = base.removeprefix("http://").split(":")
    answered = 0
    started = time.monotonic()
    try:
        for _ in range(requests):
            with socket.create_connection((host, int(port)), timeout=5) as conn:
                conn.sendall(b"get / HTTP/1.1\r\nHost: x\r\n\r\n")
                try:
                    if not conn.recv(4096).startswith(b"HTTP/1.1 400 "):
                        break
                except TimeoutError:
                    break
            answered += 1
        seconds = time.monotonic() - started
        try:
            health: int | str = httpx.get(f"{base}/api/v1/health", timeout=5).status_code
        except httpx.TransportError as exc:
            health = type(exc).__name__
        print(
            f"pipe: output to a 4 KB pipe nobody reads: {answered:,} of {requests:,} unparseable requests answered"
            f" 400 ({seconds:.1f} s, each logging two warnings); health then: {health}"
        )
    finally:
        server.kill()
        server.communicate()


def workers() -> None:
    with tempfile.TemporaryDirectory() as folder, redis_server(Path(folder)) as redis_url:
        workers_on(redis_url)


def workers_on(redis_url: str) -> None:
    """Two workers (sharing clients' runs through `redis_url`) whose master is SIGKILLed."""
    server, base = serve(
        "--workers", "2", "--redis-url", redis_url, "--no-access-log", stdout=subprocess.DEVNULL, start_new_session=True
    )
    try:
        children = [int(pid) for pid in subprocess.check_output(["pgrep", "-P", str(server.pid)]).split()]
        os.kill(server.pid, signal.SIGKILL)
        server.wait()
        killed = time.monotonic()
        while time.monotonic() - killed < 30:
            try:
                httpx.get(f"{base}/api/v1/health/live", timeout=1)
            except httpx.TransportError:
                break
            time.sleep(0.05)
        else:
            print("workers: still serving 30 s after their master was SIGKILLed")
            return
        print(f"workers: the port stopped answering {time.monotonic() - killed:.2f} s after the master's SIGKILL")
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def connections(held: int = 200) -> None:
    """`held` connections that each had an answer and then sent a bare CRLF, under a limit of 128 open files."""

    def low_file_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))

    server, base = serve(
        "--no-access-log", "--log-level", "warning", stdout=subprocess.DEVNULL, preexec_fn=low_file_limit
    )
    host, port = base.removeprefix("http://").split(":")
    sockets = []
    try:
        for _ in range(held):
            conn = socket.create_connection((host, int(port)), timeout=5)
            sockets.append(conn)
            with contextlib.suppress(OSError):  # a connection closed to make room: the probe counts what is held
                conn.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
                conn.recv(65536)  # the answer (the head at least: enough for the CRLF to come after it)
                conn.sendall(b"\r\n")
        started, status = time.monotonic(), None
        while status is None and time.monotonic() - started < 30:
            try:
                status = httpx.get(f"{base}/api/v1/health/version", timeout=5).status_code
            except httpx.TransportError:
                time.sleep(0.05)
        waited = time.monotonic() - started
        time.sleep(1)
        still_open = sum(1 for pid_fd in Path(f"/proc/{server.pid}/fd").iterdir() if "socket" in os.readlink(pid_fd))
        print(
            f"connections: {held} held by a CRLF after their answer, 128 open files: a new client answered"
            f" {status} after {waited:.2f} s; the server holds {still_open} sockets"
        )
    finally:
        for conn in sockets:
            conn.close()
        server.kill()
        server.wait()


PROBES = {
    "journal": journal,
    "pipelining": pipelining,
    "pipe": pipe,
    "connections": connections,
    "workers": workers,
}


def main() -> None:
    if sys.argv[1:2] == ["journal-fill"]:
        journal_fill(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("probes", nargs="*", metavar="PROBE", help=f"any of {', '.join(PROBES)}; all by default")
    chosen = parser.parse_args().probes or list(PROBES)
    unknown = set(chosen) - set(PROBES)
    if unknown:
        parser.error(f"no probe {', '.join(sorted(unknown))}")
    for name in chosen:
        PROBES[name]()


if __name__ == "__main__":
    main()
