"""The image's command run as the image runs it, where there is no Docker: Dockerfile's final stage read (its ENV,
USER, ENTRYPOINT, CMD and HEALTHCHECK), `mockserver serve` started from an installed package as an unprivileged
user with only that environment, then the HEALTHCHECK's command against it: 0 while it serves, 1 once it stops.

tests/test_image.py runs it on the checkout's install, scripts/wheel_check.py on the wheel's. Two differences from
a container, both needed on a shared machine: the port is a free one, and the host 127.0.0.1 (the image binds
0.0.0.0, which `mockserver health` asks on loopback anyway).
"""

from __future__ import annotations

import json
import os
import shlex
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
DOCKERFILE = CHECKOUT / "Dockerfile"
START_SECONDS = 60.0
"""How long the served sandbox may take to answer ready (fixtures validated, then listening)."""
STOP_SECONDS = 15.0


@dataclass
class Stage:
    """One stage of a Dockerfile: its base, instructions and what the image runs."""

    base: str
    name: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    user: str = "root"
    entrypoint: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, found = "", []
    for line in text.splitlines():
        if not joined and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            joined += line.rstrip()[:-1] + " "
            continue
        joined += line
        keyword, _, rest = joined.strip().partition(" ")
        found.append((keyword.upper(), rest.strip()))
        joined = ""
    return found


def stages(path: Path = DOCKERFILE) -> list[Stage]:
    found: list[Stage] = []
    for keyword, rest in instructions(path.read_text(encoding="utf-8")):
        if keyword == "FROM":
            words = rest.split()
            found.append(Stage(words[0], words[2] if len(words) > 2 and words[1].upper() == "AS" else None))
            continue
        stage = found[-1]
        if keyword == "ENV":
            stage.env.update(pair.split("=", 1) for pair in shlex.split(rest))  # type: ignore[misc]
        elif keyword == "USER":
            stage.user = rest
        elif keyword in ("ENTRYPOINT", "CMD"):
            setattr(stage, keyword.lower(), json.loads(rest))
        elif keyword == "HEALTHCHECK":
            stage.healthcheck = json.loads(rest[rest.index("CMD") + len("CMD") :])
        elif keyword == "RUN":
            stage.runs.append(rest)
    return found


def reachable_by_anyone(path: Path) -> bool:
    """Whether a user with no rights of its own can reach `path`: every folder above it searchable by others."""
    return all(folder.stat().st_mode & stat.S_IXOTH for folder in [path, *path.parents])


def as_user(user: str, install: Path) -> list[str]:
    """The prefix that runs a command as the image's USER: setpriv when we are root (tests here run as root), else
    nothing (we are already unprivileged). A bare uid needs no account on this machine: nothing is created.

    Where Python itself or the `install` lives where only root may look (a pyenv under /root, as on these machines;
    a temporary folder of mode 0700, as wheel_check's), the user is
    also given CAP_DAC_READ_SEARCH: it may read any file, and still write none that root owns, so the install stays
    read-only to it, as the image's is."""
    if os.geteuid() != 0:
        return []
    uid, _, gid = user.partition(":")
    prefix = ["setpriv", f"--reuid={uid}", f"--regid={gid or uid}", "--clear-groups"]
    if not (reachable_by_anyone(Path(sys.base_prefix)) and reachable_by_anyone(install)):
        prefix += ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
    return [*prefix, "--"]


def image_environment(stage: Stage, port: int) -> dict[str, str]:
    """The image's ENV and nothing of ours (no MOCKSERVER_ or other variable leaks in), but PATH and the port."""
    return {**stage.env, "MOCKSERVER_HOST": "127.0.0.1", "MOCKSERVER_PORT": str(port), "PATH": os.environ["PATH"]}


def health(stage: Stage, bin_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [str(bin_dir / stage.healthcheck[0]), *stage.healthcheck[1:]]
    return subprocess.run(
        [*as_user(stage.user, bin_dir), *command], env=env, cwd="/tmp", capture_output=True, text=True, timeout=10
    )


def serve_and_probe(bin_dir: Path, port: int) -> tuple[str, str, str]:
    """Serve as the image would, probe it until ready (0), stop it, probe again (1): (what the probes said, ready
    then stopped, and the server's real and effective user ids, as /proc showed them while it served)."""
    stage = stages()[-1]
    env = image_environment(stage, port)
    command = [str(bin_dir / stage.entrypoint[0]), *stage.entrypoint[1:], *stage.cmd]
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(
            [*as_user(stage.user, bin_dir), *command],
            env=env,
            cwd="/tmp",
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + START_SECONDS
            probed = health(stage, bin_dir, env)
            while probed.returncode != 0 and server.poll() is None and time.monotonic() < deadline:
                time.sleep(0.2)
                probed = health(stage, bin_dir, env)
            ids = next(line for line in Path(f"/proc/{server.pid}/status").read_text().splitlines() if "Uid:" in line)
        finally:
            server.terminate()
            server.wait(timeout=STOP_SECONDS)
        if probed.returncode != 0:
            log.seek(0)
            raise AssertionError(f"never ready: {probed.stderr.strip()}; the server said: {log.read()[-2000:]}")
    stopped = health(stage, bin_dir, env)
    if stopped.returncode != 1:
        raise AssertionError(f"stopped, yet health said {stopped.returncode}: {stopped.stdout}{stopped.stderr}")
    return probed.stdout.strip(), stopped.stderr.strip(), " ".join(ids.split()[1:3])
