"""`mockserver verify`: the installed contract suite against a live server, its summary and its exit statuses."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import httpx
import hypothesis
import pytest
from click.testing import CliRunner, Result

from contract_tests import preflight
from contract_tests.summary import Rule, report
from mockserver.cli import main
from mockserver.testing import verify
from mockserver.testing.served import Sandbox, sandbox_settings, serve_sandbox
from tests.conftest import free_port

RUN_TIMEOUT = 600
READER = "needs a valid key without the Administrator role: pass --reader-key or set CONTRACT_READER_KEY"
A_FEW_RULES = ["-k", "test_health_needs_no_key or test_reader_key_is_403 or test_jims_message_for_the_depth"]
"""A rule any server is held to, one that needs a reader key, and one that only the jim profile has."""


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with serve_sandbox(sandbox_settings(access_log=False)) as served:
        yield served


@pytest.fixture
def sandbox_with_journal() -> Iterator[Sandbox]:
    with serve_sandbox(sandbox_settings(access_log=False, journal_size=50)) as served:
        yield served


def mockserver_verify(*arguments: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mockserver", "verify", *arguments]
    env = {name: value for name, value in os.environ.items() if not name.startswith(("CONTRACT_", "MOCKSERVER_"))}
    return subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False, env=env)


def in_process(*arguments: str) -> Result:
    """`mockserver verify` in this process, seconds quicker than a new one; the run's Hypothesis profile undone."""
    profile = hypothesis.settings.get_current_profile_name()
    try:
        unset = {name: None for name in os.environ if name.startswith(("CONTRACT_", "MOCKSERVER_", "GITHUB_"))}
        return CliRunner().invoke(main, ["verify", *arguments], env=unset)
    finally:
        hypothesis.settings.load_profile(profile)


def test_without_an_api_key_it_exits_4_in_one_line_of_its_own_process(sandbox: Sandbox) -> None:
    done = mockserver_verify("--base-url", sandbox.base_url)
    assert done.returncode == 4
    assert (done.stdout + done.stderr).strip().splitlines() == [
        "ERROR: --base-url needs --api-key (a key with the Administrator role), or --sandbox-ids"
    ]


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        (["--api-key", "k"], "mockserver verify needs --base-url"),
        (["--base-url", "http://127.0.0.1:1", "--api-key", "k", "--profile", "prism"], "invalid choice: 'prism'"),
        (
            ["--base-url", "http://127.0.0.1:1", "--api-key", "k", "--no-such-option"],
            "mockserver verify: unknown option --no-such-option (mockserver verify --help lists the options)",
        ),
        (["--base-url", "127.0.0.1:8080", "--api-key", "k"], "use http://host[:port]"),
    ],
)
def test_bad_options_exit_4_in_one_line_saying_what_is_wrong(arguments: list[str], said: str) -> None:
    done = in_process(*arguments)
    assert done.exit_code == 4 and said in done.output, done.output
    assert len(done.output.strip().splitlines()) == 1, done.output
    assert "usage:" not in done.output and "site-packages" not in done.output and "inifile" not in done.output


MISTAKES = [
    (["--api-key", "not-a-key"], "--api-key not-a-key is not accepted: GET /api/v1/activities answered 401"),
    (["--api-key", "jim_ak_sandbox_disabled"], "--api-key jim_ak_sandb… is not accepted"),
    (["--api-key", "jim_ak_sandbox_reader"], "is valid but lacks the Administrator role: GET /api/v1/activities"),
    (
        ["--sandbox-ids", "--run-profile-id", "3", "--parent-activity-id", "ffffffff-ffff-ffff-ffff-ffffffffffff"],
        "--run-profile-id '3' is not an activity id (a GUID, such as a1b2c3d4-e5f6-7890-abcd-ef1234567890);"
        " --parent-activity-id ffffffff-ffff-ffff-ffff-ffffffffffff: no such activity",
    ),
]


@pytest.mark.parametrize(("arguments", "said"), MISTAKES)
def test_a_key_or_an_id_the_server_refuses_is_a_usage_error_not_a_broken_rule(
    sandbox: Sandbox, arguments: list[str], said: str
) -> None:
    done = in_process("--base-url", sandbox.base_url, *arguments)
    assert done.exit_code == 4, done.output[-3000:]
    assert said in done.output and len(done.output.strip().splitlines()) <= 5, done.output[-3000:]


@pytest.mark.parametrize("path", ["/api/v1", "/api/v1/", "/api"])
def test_a_base_url_with_the_apis_path_is_explained_with_the_url_to_use(sandbox: Sandbox, path: str) -> None:
    done = in_process("--base-url", sandbox.base_url + path, "--sandbox-ids")
    assert done.exit_code == 4, done.output[-3000:]
    assert done.output.strip().endswith(f"use --base-url {sandbox.base_url}"), done.output[-3000:]
    assert len(done.output.strip().splitlines()) == 1


def test_the_sandboxs_own_key_refused_asks_whether_the_server_is_the_sandbox() -> None:
    refusing = httpx.Client(base_url="http://jim.example", transport=httpx.MockTransport(lambda _: httpx.Response(401)))
    with pytest.raises(pytest.UsageError) as refused:
        preflight.check_key(refusing, "jim_ak_sandbox_admin", from_sandbox=True)
    assert str(refused.value) == (
        "--sandbox-ids gives the sandbox's key jim_ak_sandbox_admin, which is not accepted: GET /api/v1/activities"
        " answered 401 (a key unknown, disabled or expired) (is the server this sandbox? give its own --api-key)"
    )


def test_the_checks_before_the_run_only_read(sandbox_with_journal: Sandbox) -> None:
    # mockserver verify never writes to a server: what it sends before the run, to any server, is GETs.
    done = in_process("--base-url", sandbox_with_journal.base_url, "--sandbox-ids", "--run-profile-id", "0" * 36)
    assert done.exit_code == 4, done.output[-3000:]
    sent = sandbox_with_journal.journal()
    assert sent and {entry["method"] for entry in sent} == {"GET"}, sent


def test_a_server_that_cannot_be_reached_exits_3() -> None:
    done = in_process("--base-url", f"http://127.0.0.1:{free_port()}", "--api-key", "k")
    assert done.exit_code == 3, done.output[-2000:]
    assert "cannot reach http://127.0.0.1:" in done.output


def test_require_all_fails_a_run_that_left_a_rule_unverified(sandbox: Sandbox) -> None:
    arguments = ["--base-url", sandbox.base_url, "--api-key", sandbox.admin_key, *A_FEW_RULES, "--require-all"]
    done = in_process(*arguments)
    assert done.exit_code == 1
    assert "verdict: not all verified (--require-all) (exit 1)" in done.output, done.output
    given = in_process(*arguments, "--sandbox-ids")
    assert given.exit_code == 0, given.output[-3000:]


def test_without_the_suites_dependencies_it_says_how_to_install_them(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(verify, "NEEDS", ("pytest", "no_such_module_here"))
    assert verify.run([]) == 4
    assert capsys.readouterr().err == f"mockserver verify: needs no_such_module_here: {verify.INSTALL}\n"


def test_the_summary_counts_rules_not_cases_and_names_a_few_unverified_rules_under_each_reason() -> None:
    rules = {
        "test_held": Rule(passed=3),
        "test_partly": Rule(passed=1, unverified={READER: 2}),
        "test_broken": Rule(passed=1, failed=1, unverified={READER: 1}, reason="AssertionError: 1 != 2"),
        "test_jim_only": Rule(not_a_rule=2),
        **{f"test_reader_{number}": Rule(unverified={READER: 1}) for number in range(5)},
    }
    assert report(rules, require_all=True) == [
        "  held:            1 rule (3 checks held)",
        "  broken:          1 rule (1 check failed)",
        "    test_broken: AssertionError: 1 != 2",
        "  not verified:   6 rules (7 checks skipped, 1 held), for want of:",
        f"    {READER}: 6 rules",
        "      test_partly",
        "      test_reader_0",
        "      test_reader_1",
        "      test_reader_2",
        "      test_reader_3",
        "      … and 1 more (-v lists every rule)",
        "  not this profile's rules: test_jim_only",
        "--require-all: 6 rules not verified, so the run fails (exit 1)",
    ]
