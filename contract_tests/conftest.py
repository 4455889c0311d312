"""Selects the target (in-process app or --base-url) and the Hypothesis profile for the contract suite."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, settings

from contract_tests import preflight
from contract_tests.expect import PROFILES
from contract_tests.options import TARGET, VALUES
from contract_tests.reports import KINDS
from contract_tests.summary import Summary
from contract_tests.target import SANDBOX, Target

settings.register_profile("dev", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("contract", "JIM Activities contract suite")
    for name, option in {**TARGET, **VALUES}.items():
        given = os.environ.get(option.env)
        kind: dict[str, object] = (
            {"action": "store_true", "default": bool(given)} if option.switch else {"default": given}
        )
        if name == "profile":
            kind = {"choices": sorted(PROFILES), "default": given or "documented"}
        if option.values:
            uses = [given.split(maxsplit=len(option.values) - 1)] if given else []
            kind = {"nargs": len(option.values), "metavar": option.values, "action": "append", "default": uses}
        group.addoption(option.flag, dest=name, help=f"{option.help} (env {option.env})", **kind)  # type: ignore[arg-type]


def pytest_configure(config: pytest.Config) -> None:
    for kind, _ in config.getoption("report") or []:
        if kind not in KINDS:
            raise pytest.UsageError(f"--report {kind}: the formats are {' and '.join(KINDS)}, as --report json PATH")
    # Checked before any test, so a missing key is one line and exit status 4, not an error per test.
    if config.getoption("base_url") and not (config.getoption("api_key") or config.getoption("sandbox_ids")):
        raise pytest.UsageError("--base-url needs --api-key (a key with the Administrator role), or --sandbox-ids")
    if config.getoption("base_url") and not config.getoption("help"):
        preflight.check(config)
    config.pluginmanager.register(Summary(config), "contract-summary")


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    config = request.config
    base_url = config.getoption("base_url")
    profile = PROFILES[config.getoption("profile")]
    given = {name: config.getoption(name) for name in VALUES}
    if base_url is None:
        from mockserver.app import create_app
        from mockserver.settings import Settings
        from mockserver.world.runs.clock import ManualClock

        # The stack `mockserver serve` builds with default settings. The world's clock stands still unless
        # a test turns it (Target.wait), so answers do not change under a test.
        clock = ManualClock()
        app = create_app(Settings(profile=profile.name), clock=clock)
        with app.test_client() as client:
            yield Target(
                client=client,
                base_url=None,
                app=app,
                sandbox=True,
                profile=profile,
                clock=clock,
                **{**SANDBOX, **{k: v for k, v in given.items() if v}},
            )
        return
    sandbox = config.getoption("sandbox_ids")
    values = {**(SANDBOX if sandbox else {}), **{k: v for k, v in given.items() if v}}
    # Reached already: preflight.check found the server answering before any rule ran.
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        yield Target(client=client, base_url=base_url, app=None, sandbox=sandbox, profile=profile, **values)


@pytest.fixture(scope="session")
def rate_limited(request: pytest.FixtureRequest, target: Target) -> Iterator[httpx.Client]:
    """A client of a server that rate-limits: the in-process app's twin with one request a minute per IP
    without a key, or the live target itself when --rate-limited says it enforces limits."""
    if target.app is None:
        if not request.config.getoption("rate_limited"):
            pytest.skip("needs a target that enforces rate limits: pass --rate-limited (spends up to 40 requests)")
        yield target.client
        return
    from mockserver.app import create_app
    from mockserver.settings import Settings

    settings = Settings(access_log=False, profile=target.profile.name, rate_limit=True, rate_limit_per_ip=1)
    with create_app(settings).test_client() as client:
        yield client


@pytest.fixture(scope="session")
def forcing_faults(target: Target) -> Iterator[httpx.Client]:
    """A client of the in-process app's twin that honours the sandbox's `Prefer: code=…` (a real JIM has none)."""
    if target.app is None:
        pytest.skip("forces a fault with the sandbox's Prefer control: in-process only")
    from mockserver.app import create_app
    from mockserver.settings import Settings

    with create_app(Settings(access_log=False, profile=target.profile.name, prefer=True)).test_client() as client:
        yield client


@pytest.fixture
def writer(request: pytest.FixtureRequest, target: Target) -> Iterator[Target]:
    """A target a test may start runs on: in-process, a fresh app of its own with its own clock (so the shared
    app's history stays as the other rules read it); live, the target itself, only with --allow-writes."""
    if target.app is None:
        if not request.config.getoption("allow_writes"):
            pytest.skip("starts runs on the server (POST): pass --allow-writes (a real JIM would really run them)")
        yield target
        return
    from mockserver.app import create_app
    from mockserver.settings import Settings
    from mockserver.world.runs.clock import ManualClock

    clock = ManualClock()
    app = create_app(Settings(profile=target.profile.name, access_log=False), clock=clock)
    with app.test_client() as client:
        yield dataclasses.replace(target, client=client, app=app, clock=clock)
