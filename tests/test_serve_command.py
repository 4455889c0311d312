"""What a newcomer meets starting the server: the port it really listens on, and every mistake in one line, exit 2."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from mockserver.cli import main
from mockserver.settings import PROJECT_ROOT
from scripts.contract_live import wait_until_healthy

ANNOUNCED = re.compile(r"serving on http://127\.0\.0\.1:([0-9]+) \(documented profile\)")


def without_our_variables() -> dict[str, str | None]:
    return {name: None for name in os.environ if name.upper().startswith(("MOCKSERVER_", "CONTRACT_"))}


def one_line(*arguments: str, **environment: str) -> str:
    """The command's whole output, which must be one line and exit status 2."""
    done = CliRunner().invoke(main, list(arguments), env={**without_our_variables(), **environment})
    assert done.exit_code == 2, done.output
    lines = done.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.output and "Usage:" not in done.output, done.output
    return lines[0]


def test_serve_on_port_0_announces_the_port_it_listens_on() -> None:
    command = [sys.executable, "-m", "mockserver", "serve", "--port", "0", "--no-access-log", "--log-level", "warning"]
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True) as server:
        try:
            assert server.stderr is not None
            announced = ANNOUNCED.search(server.stderr.readline())
            assert announced, "no announcement of the port"
            port = int(announced[1])
            assert port != 0
            wait_until_healthy(f"http://127.0.0.1:{port}/api/v1/health/live", server)  # type: ignore[arg-type]
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_a_port_in_use_is_one_line_before_any_announcement() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        said = one_line("serve", "--port", str(port))
    assert said == (
        f"mockserver: cannot listen: port {port} on 127.0.0.1 is in use: stop what listens there, or choose another"
        " port with --port (0 picks a free one)"
    )


@pytest.mark.parametrize(
    ("arguments", "environment", "said"),
    [
        (["--port", "x"], {}, "mockserver serve: Invalid value for '--port': 'x' is not a valid integer range."),
        ([], {"MOCKSERVER_PORT": "x"}, "MOCKSERVER_PORT: Input should be a valid integer"),
        ([], {"MOCKSERVER_RATE_LIMIT_PER_KEY": "0"}, "MOCKSERVER_RATE_LIMIT_PER_KEY: Input should be greater than"),
        ([], {"MOCKSERVER_SCHEDULER": "sometimes"}, "MOCKSERVER_SCHEDULER: Input should be a valid boolean"),
        (["--rate-limit-per-key", "0"], {}, "'--rate-limit-per-key': 0 is not in the range 1<=x<=1000000."),
        (["--sandbox-idle-seconds", "5"], {}, "'--sandbox-idle-seconds': 5 is not in the range 10<=x<=604800."),
        ([], {"MOCKSERVER_SANDBOXES": "-1"}, "MOCKSERVER_SANDBOXES: Input should be greater than or equal to 0"),
        (["--sandboxes", "2", "--workers", "2"], {}, "the journal and private sandboxes are shared through it"),
        (["--latency-ms", "9:1"], {"MOCKSERVER_LATENCY_MS": "1"}, "--latency-ms: need MIN <= MAX <= 10000"),
        (
            [],
            {"MOCKSERVER_PROT": "9000"},
            "MOCKSERVER_PROT is not a setting (did you mean MOCKSERVER_PORT?): a setting's variable is MOCKSERVER_"
            " and its name (mockserver serve --help lists the settings)",
        ),
    ],
)
def test_bad_configuration_names_the_option_or_variable_the_user_set(
    arguments: list[str], environment: dict[str, str], said: str
) -> None:
    assert said in one_line("serve", *arguments, **environment)


def test_fixtures_given_as_a_file_or_a_spec_as_a_folder_says_which_it_is(tmp_path: Path) -> None:
    keys = PROJECT_ROOT / "fixtures" / "api-keys.json"
    assert one_line("check", "--fixtures", str(keys)) == (
        f"mockserver check: bad configuration: --fixtures: {keys} is a file: give the folder that holds the fixture"
        " files"
    )
    assert one_line("check", MOCKSERVER_SPEC_PATH=str(tmp_path)) == (
        f"mockserver check: bad configuration: MOCKSERVER_SPEC_PATH: {tmp_path} is a folder: give the spec file itself"
        " (an OpenAPI YAML or JSON file)"
    )
    missing = tmp_path / "nothing"
    assert one_line("check", "--fixtures", str(missing)).endswith(f"fixtures folder {missing} does not exist")


def test_sigterm_ends_the_server_after_its_shutdown_is_logged(tmp_path: Path) -> None:
    # uvicorn raises SIGTERM again once it has shut down: the log's queued lines must be written first.
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "mockserver", "serve", "--port", "0"]
    with log.open("w") as stream:
        server = subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while "Application startup complete" not in log.read_text() and time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()
            time.sleep(0.05)
        server.terminate()
        server.wait(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(timeout=10)
    output = log.read_text()
    assert server.returncode == -signal.SIGTERM, output
    assert "memo routes:" in output and "Finished server process" in output, output
