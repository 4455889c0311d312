"""The `mockserver` commands (serve, health, check, spec, drift, verify): settings from flags, environment, defaults."""

from __future__ import annotations

import logging.config
import sys
import time
from collections.abc import Sequence
from typing import Any

import click
import httpx
from pydantic import ValidationError

from mockserver import serving
from mockserver.app import create_app
from mockserver.drift import markdown as drift_markdown
from mockserver.drift import report as drift_report
from mockserver.drift.probes import PROBES, SANDBOX, Ids
from mockserver.flags import CONTROL_SETTINGS, FIXTURE_SETTINGS, SERVER_SETTINGS, flag, options
from mockserver.health import health
from mockserver.misconfigured import problems
from mockserver.profiles import PROFILES
from mockserver.profiles.spec import load_spec, spec_text
from mockserver.settings import Settings
from mockserver.startup import StartupError
from mockserver.testing import verify as contract_verify


def build_settings(**flags: Any) -> Settings:
    """Flags that were given override MOCKSERVER_* variables, which override the defaults."""
    given = {name: value for name, value in flags.items() if value is not None and value != ()}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise click.UsageError(f"bad configuration: {problems(exc, {name: flag(name) for name in given})}") from None


def build_app(settings: Settings) -> Any:
    """The app, or exit 2 with one line saying what stops it (a fixture, the overlay, Redis): never a traceback."""
    try:
        return create_app(settings)
    except StartupError as exc:
        click.echo(exc.line(), err=True)
        sys.exit(2)


class Commands(click.Group):
    """Every usage error in one line and exit status 2: what is wrong, not the usage text around it."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            command = f"mockserver {exc.ctx.info_name}" if exc.ctx and exc.ctx.parent else "mockserver"
            click.echo(f"{command}: {exc.format_message()}", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def main() -> None:
    """A sandbox of JIM's Activities API, kept to openapi.yaml over deterministic fixtures.

    Every option can also be set in the environment as MOCKSERVER_ and the setting's name (for
    example MOCKSERVER_PORT=9000; --fixtures is MOCKSERVER_FIXTURES_DIR); a flag on the command
    line wins.
    """


@main.command()
@options(*SERVER_SETTINGS[:2], *FIXTURE_SETTINGS, *SERVER_SETTINGS[2:], *CONTROL_SETTINGS)
def serve(**flags: Any) -> None:
    """Validate the fixtures, then serve the API until interrupted.

    \b
    Examples:
      mockserver serve
      mockserver serve --port 9000 --seed 7
      mockserver serve --profile jim
      mockserver serve --rate-limit --prefer --journal --cors-origin http://localhost:3000
      curl -H 'X-Api-Key: jim_ak_sandbox_admin' \\
        'http://127.0.0.1:8080/api/v1/activities/a1b2c3d4-e5f6-7890-abcd-ef1234567890/items?page=1&pageSize=50'
    """
    settings = build_settings(**flags)
    if settings.hand_turned_clock:
        # Nothing but a test's own hand (jim_sandbox.advance) could turn it: served, its world would stand still.
        raise click.UsageError(
            "bad configuration: MOCKSERVER_HAND_TURNED_CLOCK: only a sandbox served from a test process has a hand to"
            " turn its clock (the jim_sandbox fixture's hand_turned_clock=True); unset it"
        )
    if settings.clock_origin is None:
        # One start for every worker's clock, so that a run in progress stands alike in each of them.
        settings = settings.model_copy(update={"clock_origin": time.time()})
    logging.config.dictConfig(serving.log_config(settings.log_level))
    app = build_app(settings)  # validates the fixtures before anything listens, whatever the worker count
    for warning in serving.exposure_warnings(settings):
        logging.getLogger("mockserver").warning(warning)
    try:
        listener = serving.listen(settings)
    except StartupError as exc:
        click.echo(exc.line(), err=True)
        sys.exit(2)
    host, port = listener.getsockname()[:2]
    where = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    fixtures = f"{settings.fixtures_dir} (seed {settings.seed})"
    serving.announce(f"mockserver: fixtures {fixtures} are valid; serving on {where} ({settings.profile} profile)")
    serving.serve(app, settings, listener)


main.add_command(health)


@main.command()
@click.option(
    "--profile",
    type=click.Choice(["documented", "jim"]),
    default="documented",
    show_default=True,
    help="Whose spec: the documented contract (openapi.yaml as written) or the real server's.",
)
@click.option("--format", "form", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
def spec(profile: str, form: str) -> None:
    """Print the OpenAPI document a profile serves and is tested against.

    The jim profile's spec is openapi.yaml with profiles/jim.overlay.yaml applied; this prints it
    for client generators and diff tools (the server also serves it at /api/openapi/v1.json).
    """
    try:
        document = load_spec(build_settings().spec_path, PROFILES[profile])
    except StartupError as exc:
        click.echo(exc.line(), err=True)
        sys.exit(2)
    click.echo(spec_text(document, form), nl=False)


@main.command()
@options(*FIXTURE_SETTINGS)
def check(**flags: Any) -> None:
    """Validate the fixture files against the spec and exit: 0 when they are good, 2 naming the first fault."""
    settings = build_settings(**flags)
    build_app(settings)
    click.echo(f"mockserver: fixtures in {settings.fixtures_dir} are valid")


def drift_target(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None or value in PROFILES or value.startswith(("http://", "https://")):
        return value
    raise click.BadParameter(f"{value!r} is neither a profile ({', '.join(PROFILES)}) nor an http(s) URL")


@main.command()
@click.option(
    "--left",
    callback=drift_target,
    metavar="PROFILE|URL",
    help="One server: a built-in profile (answered in-process) or a URL.  [default: documented]",
)
@click.option("--right", callback=drift_target, metavar="PROFILE|URL", help="The other.  [default: jim]")
@click.option("--base-url", callback=drift_target, metavar="URL", help="A live JIM: shorthand for --right URL.")
@click.option("--api-key", default=SANDBOX.api_key, show_default=True, help="A key with the Administrator role.")
@click.option(
    "--reader-key", default=SANDBOX.reader_key, show_default=True, help="A valid key without the Administrator role."
)
@click.option(
    "--run-profile-id",
    default=SANDBOX.run_profile,
    show_default=True,
    help="A Run Profile activity with items (fewer than 251, for page 6 of 50 to be past the last).",
)
@click.option("--non-run-profile-id", default=SANDBOX.non_run_profile, show_default=True)
@click.option("--empty-activity-id", default=SANDBOX.empty, show_default=True, help="A Run Profile activity, no items.")
@click.option(
    "--parent-activity-id",
    default=SANDBOX.parent,
    show_default=True,
    help="A top-level activity with one to 25 child activities (a schedule execution, say).",
)
@click.option("--connected-system-id", default=SANDBOX.system, show_default=True, help="A connected system's id.")
@click.option(
    "--rate-limit-probe/--no-rate-limit-probe",
    default=True,
    help="Probe the per-IP rate limit: up to 40 requests without a key until a 429, and one more a second later"
    " (does Retry-After count down?).  [default: on]",
)
@click.option("--check", is_flag=True, help="Exit 1 when the servers differ at all (for CI).")
@click.option(
    "--write-readme",
    is_flag=True,
    help="Write the built-in profiles' report into docs/profiles.md (the documentation's copy) instead.",
)
def drift(
    left: str | None,
    right: str | None,
    base_url: str | None,
    api_key: str,
    reader_key: str,
    run_profile_id: str,
    non_run_profile_id: str,
    empty_activity_id: str,
    parent_activity_id: str,
    connected_system_id: str,
    rate_limit_probe: bool,
    check: bool,
    write_readme: bool,
) -> None:
    """Send the same probe requests to two servers and print every way their answers differ.

    A Markdown table: request, status, content type, body shape and example values, each differing
    cell as left -> right; then headers that differ on every response; then the probes that agree.
    Keys and ids apply to URL targets; a built-in profile always uses the sandbox's. Exit status:
    0, or with --check 1 when anything differs; 3 when a URL cannot be reached.

    \b
    Examples:
      mockserver drift
      mockserver drift --base-url https://jim.example.com --api-key "$JIM_ADMIN_KEY" \\
        --reader-key "$JIM_READER_KEY" --run-profile-id … --non-run-profile-id … --empty-activity-id … \\
        --parent-activity-id …
      mockserver drift --left jim --base-url https://jim.example.com … --no-rate-limit-probe --check
    """
    if base_url is not None and right is not None:
        raise click.UsageError("--base-url is --right: give one of them")
    left, right = left or "documented", base_url or right or "jim"
    if write_readme and (left, right, rate_limit_probe) != ("documented", "jim", True):
        raise click.UsageError("--write-readme writes the report of documented against jim, every probe: no other")
    if write_readme and not drift_markdown.DOCS_PAGE.is_file():
        raise click.UsageError(
            f"--write-readme rewrites docs/profiles.md in a checkout: none at {drift_markdown.DOCS_PAGE}"
        )
    ids = Ids(
        api_key=api_key,
        reader_key=reader_key,
        run_profile=run_profile_id,
        non_run_profile=non_run_profile_id,
        empty=empty_activity_id,
        parent=parent_activity_id,
        system=connected_system_id,
    )
    probes = [probe for probe in PROBES if rate_limit_probe or not probe.rate_limited]
    try:
        report = drift_report.compare(left, right, ids, probes)
    except httpx.TransportError as exc:
        click.echo(f"mockserver: cannot reach {exc.request.url}: {exc}", err=True)
        sys.exit(3)
    text = drift_markdown.as_markdown(report, left, right)
    if write_readme:
        page = drift_markdown.DOCS_PAGE
        before = page.read_text(encoding="utf-8")
        after = drift_markdown.with_section(before, text)
        page.write_text(after, encoding="utf-8")
        click.echo(f"mockserver: {page} {'rewritten' if after != before else 'already up to date'}", err=True)
    else:
        click.echo(text, nl=False)
    if check and report.differs:
        sys.exit(1)


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    epilog=contract_verify.options_help(),
)
@click.argument("arguments", nargs=-1, type=click.UNPROCESSED, metavar="[SUITE AND PYTEST OPTIONS]...")
def verify(arguments: tuple[str, ...]) -> None:
    """Run the contract suite against a live server: a JIM deployment, or this sandbox served elsewhere.

    Every rule the suite can check with what it is given is checked; the summary at the end says how
    many held, which broke, and which were not verified for want of an option (a reader key, an
    activity id…). The suite's options and pytest's (-x, -k, --junitxml FILE) pass through. Exit
    status: 0 every rule checked held, 1 a rule broken (or, with --require-all, left unverified),
    3 the server cannot be reached, 4 bad options.

    \b
    Examples:
      mockserver verify --base-url https://jim.example.com --api-key "$JIM_ADMIN_KEY" --profile jim
      mockserver verify --base-url http://127.0.0.1:8080 --sandbox-ids --junitxml contract.xml
      mockserver verify --base-url … --api-key … --reader-key … --run-profile-id … --require-all
    """
    sys.exit(contract_verify.run(arguments))
