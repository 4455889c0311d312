"""The jim_sandbox pytest plugin (entry point pytest11): a served sandbox for a client's tests, set per test by marker.

Installed with the package, so every pytest run in that environment has it; the server itself is
imported only when a test asks for the fixture.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mockserver.settings import Settings
    from mockserver.testing.served import Sandbox

MARKER = "jim_sandbox"
URL_OPTION, TOKEN_OPTION = "--jim-sandbox-url", "--jim-sandbox-admin-token"
URL_VARIABLE, TOKEN_VARIABLE = "JIM_SANDBOX_URL", "JIM_SANDBOX_ADMIN_TOKEN"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("jim_sandbox")
    group.addoption(
        URL_OPTION,
        default=None,
        metavar="URL",
        help=f"give each test a private sandbox on this shared deployment (started with --sandboxes N) instead of"
        f" serving one; or set {URL_VARIABLE}",
    )
    group.addoption(
        TOKEN_OPTION,
        default=None,
        metavar="TOKEN",
        help=f"the shared deployment's admin token; better set {TOKEN_VARIABLE}, which ps does not show",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(**settings): the sandbox the jim_sandbox fixture gives this test, with mockserver serve's settings"
        " as keywords (profile='jim', rate_limit=True, rate_limit_per_key=5, prefer=True, journal_size=50,"
        " fault_rate=0.1, latency_ms='50:200', seed=7, hand_turned_clock=True, scheduler=True, fixtures_dir=...;"
        " with a hand-turned clock schedules fire only with scheduler=True)",
    )


def keeps_state(settings: Settings) -> bool:
    """Whether its answers depend on earlier requests: counted (rate limits) or drawn (chaos). The journal records
    without changing an answer, and is cleared before each test instead."""
    return settings.rate_limit or bool(settings.fault_rate) or settings.latency_range is not None


class Sandboxes:
    """The session's sandboxes: one per set of settings, shared by the tests asking for it, except that a test whose
    settings keep state gets its own, so it starts from a fresh window and the seed's first draw."""

    def __init__(self, defaults: dict[str, Any]) -> None:
        from mockserver.settings import FIXTURE_JOURNAL_SIZE

        # Every request recorded unless the session or the test says otherwise, so a test can assert what its
        # client sent.
        self.defaults = {"journal_size": FIXTURE_JOURNAL_SIZE, **defaults}
        self.shared: dict[Settings, Sandbox] = {}
        self.session = ExitStack()

    def for_test(self, asked: dict[str, Any], test: ExitStack) -> Sandbox:
        # Importing the server warns of its dependencies' deprecations (Connexion 3.3 on jsonschema's RefResolver,
        # Starlette on httpx): not the client's concern, and fatal to a client suite that runs with -W error.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from mockserver.startup import StartupError
            from mockserver.testing.served import sandbox_settings, serve_sandbox

        try:
            settings = sandbox_settings(**{**self.defaults, **asked})
            if keeps_state(settings):
                return test.enter_context(serve_sandbox(settings))
            if settings not in self.shared:
                self.shared[settings] = self.session.enter_context(serve_sandbox(settings))
            elif settings.journal_size:
                self.shared[settings].clear_journal()  # each test sees only the requests its own client made
            sandbox = self.shared[settings]
            if sandbox.clock is not None:
                sandbox.clock.set(0)  # each test finds the world at its start, whatever an earlier test turned
            return sandbox
        except StartupError as exc:
            pytest.fail(f"jim_sandbox: {exc.line()}", pytrace=False)


@pytest.fixture(scope="session")
def jim_sandbox_settings() -> dict[str, Any]:
    """Settings under every test's own (its marker's), for the whole session: override it in conftest.py."""
    return {}


class SharedSandboxes:
    """Against a shared deployment: each test a private sandbox of its own, made at set-up and ended at teardown."""

    def __init__(self, url: str, token: str | None, defaults: dict[str, Any]) -> None:
        self.url = url
        self.token = token
        self.defaults = defaults

    def for_test(self, asked: dict[str, Any], test: ExitStack) -> Any:
        from mockserver.testing.shared import SharedDeploymentError, shared_sandbox

        settings = {**self.defaults, **asked}
        if settings:
            pytest.fail(
                f"jim_sandbox: settings {sorted(settings)} need a sandbox served by this test process; a shared"
                f" deployment ({URL_OPTION} / {URL_VARIABLE}) answers with its own settings, for every client: run this"
                f" test without {URL_OPTION}, or drop its settings",
                pytrace=False,
            )
        try:
            return test.enter_context(shared_sandbox(self.url, self.token))
        except SharedDeploymentError as exc:
            pytest.fail(f"jim_sandbox: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def jim_sandboxes(
    request: pytest.FixtureRequest, jim_sandbox_settings: dict[str, Any]
) -> Iterator[Sandboxes | SharedSandboxes]:
    url = request.config.getoption(URL_OPTION) or os.environ.get(URL_VARIABLE) or None
    if url:
        token = request.config.getoption(TOKEN_OPTION) or os.environ.get(TOKEN_VARIABLE) or None
        yield SharedSandboxes(url, token, jim_sandbox_settings)
        return
    sandboxes = Sandboxes(jim_sandbox_settings)
    with sandboxes.session:
        yield sandboxes


@pytest.fixture
def jim_sandbox(request: pytest.FixtureRequest, jim_sandboxes: Sandboxes | SharedSandboxes) -> Iterator[Sandbox]:
    """The sandbox, served on a free port: `.base_url` (no trailing slash), `.admin_key`, `.reader_key`; what this
    test's client sent, `.requests(method, path)`, and assertions over it (`.assert_request_made(method, path, count)`,
    `.assert_no_requests()`, `.assert_retry_after_respected()`, `.assert_polled_no_faster_than(seconds)`); with
    hand_turned_clock=True, `.advance(seconds)` turns the world's clock where a client would sleep; its
    settings are jim_sandbox_settings and the test's nearest @pytest.mark.jim_sandbox(**settings).

    With --jim-sandbox-url URL (or JIM_SANDBOX_URL), a private sandbox of the test's own on that shared deployment
    instead, its key as `.admin_key`; settings, `.reader_key` and `.advance()` then fail, saying why."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is not None and marker.args:
        pytest.fail(f"jim_sandbox: the marker takes settings as keywords, not {marker.args!r}", pytrace=False)
    with ExitStack() as test:
        yield jim_sandboxes.for_test(dict(marker.kwargs) if marker else {}, test)
