"""Run the CI example's steps in a fresh virtual environment outside the checkout; use the wheel as a stranger would.

`make wheel-check` runs this in CI: every `run:` step of examples/ci/github-actions.yml (the workflow
docs/install.md shows), in order, as GitHub Actions would (bash, the job's env, GITHUB_WORKSPACE the
checkout, GITHUB_STEP_SUMMARY a file): it builds the wheel, installs it, serves the sandbox and verifies
it with the JSON report and the job summary. Then, against that server: the documented journey and its
docs; the container image's command served from the wheel as the image runs it (scripts/image_command.py);
`mockserver verify` refusing a missing key (exit 4, in a few lines), a closed port (exit 3) and,
with --require-all, a rule left unverified (exit 1); a client's test suite (examples/client-suite)
with the jim_sandbox plugin. The verify step's summary must be docs/install.md's example; with
--write-docs, the example is rewritten from this run instead.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import image_command
import yaml
from contract_live import free_port

CHECKOUT = Path(__file__).resolve().parent.parent
WORKFLOW = CHECKOUT / "examples" / "ci" / "github-actions.yml"
INSTALL_DOCS = CHECKOUT / "docs" / "install.md"
EXAMPLE = re.compile(r"(<!-- verify summary: from make wheel-check -->\n```\n)(.*?)(```)", re.DOTALL)
"""docs/install.md's example summary, which this run regenerates or checks."""
DOCS_BASE_URL = "http://127.0.0.1:8080"
ADMIN = {"X-Api-Key": "jim_ak_sandbox_admin"}
DOCUMENTED = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
SCHEMA_IMPORT = "d4e5f6a7-b8c9-0123-def0-123456789abc"


def run(command: list[str], cwd: Path, expect: int, timeout: float = 1200, shown: int = 200) -> str:
    """Run a command, echo it and the end of its output, and require its exit status."""
    print("+", " ".join(command), flush=True)
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)
    output = done.stdout + done.stderr
    lines = output.splitlines()
    print("\n".join(lines[max(0, len(lines) - shown) :]), flush=True)
    if done.returncode != expect:
        raise SystemExit(f"wheel_check: exit status {done.returncode}, expected {expect}: {' '.join(command)}")
    return output


def run_workflow(work: Path, elsewhere: Path, port: int) -> tuple[dict[str, str], list[subprocess.Popen[str]], str]:
    """Every `run:` step of the CI example in order, as GitHub Actions runs them: (its env, its steps' processes, the
    verify step's output). Each step has a session of its own, so what it leaves running is stopped by its id."""
    job = next(iter(yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"].values()))
    venv = work / "venv"
    run([sys.executable, "-m", "venv", str(venv)], work, 0)  # what actions/setup-python gives a job
    env = {
        **os.environ,
        **{name: str(value) for name, value in job.get("env", {}).items()},
        "PORT": str(port),
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "GITHUB_WORKSPACE": str(CHECKOUT),
        "GITHUB_STEP_SUMMARY": str(work / "step-summary.md"),
        "PIP_CONSTRAINT": str(CHECKOUT / "constraints.txt"),  # the versions CI tests, not the newest
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env = {name: value for name, value in env.items() if not name.startswith(("CONTRACT_", "MOCKSERVER_"))}
    started, verified = [], ""
    for step in job["steps"]:
        if "run" not in step:
            continue
        print(f"+ step: {step.get('name', step['run'])}", flush=True)
        process = subprocess.Popen(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=elsewhere,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        started.append(process)
        output, _ = process.communicate(timeout=1200)
        print(output, flush=True)
        if process.returncode != 0:
            raise SystemExit(f"wheel_check: the step {step.get('name')!r} exited {process.returncode}")
        if "mockserver verify" in step["run"]:
            verified = output
    return env, started, verified


def stop_steps(started: list[subprocess.Popen[str]]) -> None:
    """Stop what the steps left running (the sandbox), by the process group each step's session made."""
    for process in started:
        with contextlib.suppress(ProcessLookupError):  # the step left nothing running
            os.killpg(process.pid, signal.SIGTERM)


def check_example(verified: str, base_url: str, write: bool) -> None:
    """The verify step's summary is docs/install.md's example (the port aside); --write-docs rewrites the example."""
    said = verified[verified.index("contract summary: ") :].replace(base_url, DOCS_BASE_URL)
    docs = INSTALL_DOCS.read_text(encoding="utf-8")
    found = EXAMPLE.search(docs)
    assert found, "docs/install.md has no example summary marked <!-- verify summary: from make wheel-check -->"
    if write:
        INSTALL_DOCS.write_text(docs[: found.start(2)] + said + docs[found.end(2) :], encoding="utf-8")
        print(f"wheel_check: {INSTALL_DOCS} example rewritten from this run")
    elif found[2] != said:
        raise SystemExit(
            "wheel_check: docs/install.md's example summary is not what verify says now"
            f" (make wheel-check ARGS=--write-docs rewrites it):\n{said}"
        )


def check_journey(base_url: str) -> None:
    """The README's journey and the docs page, answered by the installed package's own spec and fixtures."""
    with httpx.Client(base_url=base_url, headers=ADMIN, timeout=30.0) as client:
        listed = client.get("/api/v1/activities", params={"sortBy": "created", "sortDirection": "desc", "pageSize": 5})
        assert listed.status_code == 200 and len(listed.json()["items"]) == 5, listed.text[:300]
        stats = client.get(f"/api/v1/activities/{DOCUMENTED}/stats").json()
        assert stats["totalObjectsProcessed"] == 12_450, stats
        children = client.get(f"/api/v1/activities/{SCHEMA_IMPORT}/children").json()
        assert children["totalCount"] == 2, children
        last = client.get(f"/api/v1/activities/{DOCUMENTED}/items", params={"pageSize": 100, "page": 3}).json()
        assert (last["totalCount"], len(last["items"])) == (248, 48), last["totalCount"]
        spec = client.get("/api/openapi/v1.json").json()
        server = urljoin(f"{base_url}/api/openapi/v1.json", spec["servers"][0]["url"])
        assert server == f"{base_url}/", f"the served spec's server {server} is not the server that served it"
        for asset in ("/api/reference", "/api/reference/swagger-ui-bundle.js"):
            assert client.get(asset).status_code == 200, asset


def main() -> int:
    write_docs = "--write-docs" in sys.argv[1:]
    work = Path(tempfile.mkdtemp(prefix="mockserver-wheel-"))
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    started: list[subprocess.Popen[str]] = []
    try:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        env, started, verified = run_workflow(work, elsewhere, port)
        bin_dir = Path(env["VIRTUAL_ENV"]) / "bin"
        mockserver = str(bin_dir / "mockserver")

        # What the workflow's verify step left: a held verdict in the summary, the JSON report and the job summary.
        assert "verdict: held (exit 0)" in verified and len(verified.strip().splitlines()) <= 25, verified
        record: dict[str, Any] = json.loads((elsewhere / "reports" / "contract.json").read_text())
        assert (record["verdict"], record["counts"]["broken"]) == ("held", 0), record["counts"]
        assert (elsewhere / "reports" / "contract.xml").is_file(), "no JUnit report"
        step_summary = Path(env["GITHUB_STEP_SUMMARY"]).read_text()
        assert step_summary.startswith("### JIM Activities contract: held"), step_summary[:300]
        check_example(verified, base_url, write_docs)

        check_journey(base_url)
        # The container image's command (Dockerfile), run from this wheel's install as the image runs it.
        ready, stopped, ids = image_command.serve_and_probe(bin_dir, free_port())
        print(f"+ the image's command, as user {ids}: {ready}; stopped: {stopped}", flush=True)
        spec = run([mockserver, "spec"], elsewhere, 0, shown=0)
        assert "servers:\n- url: /\n" in spec, "mockserver spec prints a server other than the one serving it"
        verify = [mockserver, "verify", "--base-url", base_url]
        refused = run(verify, elsewhere, 4)
        assert len(refused.strip().splitlines()) <= 5, f"a missing --api-key took {len(refused.splitlines())} lines"
        run([mockserver, "verify", "--base-url", f"http://127.0.0.1:{free_port()}", "--api-key", "k"], elsewhere, 3)
        wanting = [*verify, "--api-key", ADMIN["X-Api-Key"], "-k", "reader_key or defaults_are", "--require-all"]
        run(wanting, elsewhere, 1)

        client_suite = elsewhere / "client-suite"
        shutil.copytree(CHECKOUT / "examples" / "client-suite", client_suite)
        run([str(bin_dir / "python"), "-m", "pytest", "-p", "no:cacheprovider", "-v", str(client_suite)], elsewhere, 0)
    finally:
        stop_steps(started)
        shutil.rmtree(work, ignore_errors=True)
    print("wheel_check: the CI example's steps pass; the wheel serves, verifies and runs a client's suite elsewhere")
    return 0


if __name__ == "__main__":
    sys.exit(main())
