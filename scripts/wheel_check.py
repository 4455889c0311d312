"""Build the wheel, install it in a fresh virtual environment outside the checkout, and use it as a stranger would.

`make wheel-check` runs this in CI: from a folder with no checkout, `mockserver serve` answers the
documented journey and its docs; `mockserver verify` holds it to the contract (exit 0, saying what it
did not verify), refuses a missing key (exit 4, in a few lines), reports a closed port (exit 3) and,
with --require-all, fails on a rule left unverified; a client's test suite (examples/client-suite)
passes with the jim_sandbox plugin. Extra arguments go to the `mockserver verify` run.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urljoin

import httpx
from contract_live import free_port, wait_until_healthy

CHECKOUT = Path(__file__).resolve().parent.parent
ADMIN = {"X-Api-Key": "jim_ak_sandbox_admin"}
DOCUMENTED = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
SCHEDULE = "0c1ef908-eda2-4c98-b113-57996911d172"


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


def build_and_install(work: Path) -> Path:
    """The wheel, built from the checkout, installed with the verify extra into a new environment; its bin/."""
    dist = work / "dist"
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(CHECKOUT)], work, 0)
    (wheel,) = dist.glob("*.whl")
    run([sys.executable, "-m", "venv", str(work / "venv")], work, 0)
    bin_dir = work / "venv" / "bin"
    pip = [str(bin_dir / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    run([*pip, "-c", str(CHECKOUT / "constraints.txt"), f"{wheel}[verify]"], work, 0)
    return bin_dir


def check_journey(base_url: str) -> None:
    """The README's journey and the docs page, answered by the installed package's own spec and fixtures."""
    with httpx.Client(base_url=base_url, headers=ADMIN, timeout=30.0) as client:
        listed = client.get("/api/v1/activities", params={"sortBy": "created", "sortDirection": "desc", "pageSize": 5})
        assert listed.status_code == 200 and len(listed.json()["items"]) == 5, listed.text[:300]
        stats = client.get(f"/api/v1/activities/{DOCUMENTED}/stats").json()
        assert stats["totalObjectsProcessed"] == 12_450, stats
        children = client.get(f"/api/v1/activities/{SCHEDULE}/children").json()
        assert children["totalCount"] == 4, children
        last = client.get(f"/api/v1/activities/{DOCUMENTED}/items", params={"pageSize": 100, "page": 3}).json()
        assert (last["totalCount"], len(last["items"])) == (248, 48), last["totalCount"]
        spec = client.get("/api/openapi/v1.json").json()
        server = urljoin(f"{base_url}/api/openapi/v1.json", spec["servers"][0]["url"])
        assert server == f"{base_url}/", f"the served spec's server {server} is not the server that served it"
        for asset in ("/api/reference", "/api/reference/swagger-ui-bundle.js"):
            assert client.get(asset).status_code == 200, asset


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="mockserver-wheel-"))
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    server = None
    try:
        bin_dir = build_and_install(work)
        mockserver = str(bin_dir / "mockserver")
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        serve = [mockserver, "serve", "--port", str(port), "--no-access-log", "--log-level", "warning"]
        print("+", " ".join(serve), flush=True)
        server = subprocess.Popen(serve, cwd=elsewhere)
        wait_until_healthy(f"{base_url}/api/v1/health", server)
        check_journey(base_url)
        spec = run([mockserver, "spec"], elsewhere, 0, shown=0)
        assert "servers:\n- url: /\n" in spec, "mockserver spec prints a server other than the one serving it"

        verify = [mockserver, "verify", "--base-url", base_url]
        report = elsewhere / "contract.xml"
        # The sandbox's own keys and ids: every rule but the rate limit's (the server is not rate-limited).
        said = run([*verify, "--sandbox-ids", "--junitxml", str(report), *sys.argv[1:]], elsewhere, 0)
        # What a live sandbox cannot show (its rate limit is off, its clock runs) is named with what would enable it.
        unverified = re.search(r"not verified: +[1-9][0-9]* rules? \(", said)
        assert unverified and "pass --rate-limited" in said, "no summary saying what was not verified"
        assert "broken:         0 rules" in said and report.is_file(), "a rule broken, or no report"
        refused = run(verify, elsewhere, 4)
        assert len(refused.strip().splitlines()) <= 5, f"a missing --api-key took {len(refused.splitlines())} lines"
        run([mockserver, "verify", "--base-url", f"http://127.0.0.1:{free_port()}", "--api-key", "k"], elsewhere, 3)
        wanting = [*verify, "--api-key", ADMIN["X-Api-Key"], "-k", "reader_key or defaults_are", "--require-all"]
        run(wanting, elsewhere, 1)

        client_suite = elsewhere / "client-suite"
        shutil.copytree(CHECKOUT / "examples" / "client-suite", client_suite)
        run([str(bin_dir / "python"), "-m", "pytest", "-p", "no:cacheprovider", "-v", str(client_suite)], elsewhere, 0)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    print("wheel_check: the wheel serves, verifies and runs a client's suite from outside the checkout")
    return 0


if __name__ == "__main__":
    sys.exit(main())
