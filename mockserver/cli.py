"""`mockserver serve`, `check`, `spec` and `drift`: settings from flags over environment over defaults, then uvicorn."""

from __future__ import annotations

import logging
import logging.config
import os
import sys
from pathlib import Path
from typing import Any

import click
import httpx
import orjson
import uvicorn
import yaml
from pydantic import ValidationError

from mockserver import drift as drift_report
from mockserver.app import create_app, freeze_startup_objects, load_spec
from mockserver.overlay import OverlayError
from mockserver.probes import PROBES, SANDBOX, Ids
from mockserver.profiles import PROFILES
from mockserver.settings import PROJECT_ROOT, Settings
from mockserver.shared_state import SharedStateError
from mockserver.store import FixtureError
from mockserver.wire import PROTOCOL

LOG_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
"""The process id tells the workers of `--workers N` apart."""


def log_config(level: str) -> dict[str, Any]:
    """One format for our loggers and uvicorn's, applied by uvicorn in every worker process."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {"uvicorn.access": {"level": "WARNING"}},
    }


def build_settings(**flags: Any) -> Settings:
    """Flags that were given override MOCKSERVER_* variables, which override the defaults."""
    given = {name: value for name, value in flags.items() if value is not None and value != ()}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" if e["loc"] else e["msg"] for e in exc.errors()
        )
        raise click.UsageError(f"bad configuration: {problems}") from None


def build_app(settings: Settings) -> Any:
    try:
        return create_app(settings)
    except FixtureError as exc:
        click.echo(f"mockserver: bad fixture: {exc}", err=True)
        sys.exit(2)
    except (SharedStateError, OverlayError) as exc:
        click.echo(f"mockserver: {exc}", err=True)
        sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def main() -> None:
    """A sandbox of JIM's Activities API, kept to openapi.yaml over deterministic fixtures.

    Every option can also be set in the environment as MOCKSERVER_ and the setting's name (for
    example MOCKSERVER_PORT=9000; --fixtures is MOCKSERVER_FIXTURES_DIR); a flag on the command
    line wins.
    """


fixture_options = [
    click.option(
        "--profile",
        type=click.Choice(["documented", "jim"]),
        help="Answer as JIM's documentation says (documented), or as the real JIM server does (jim):"
        " its vocabulary, error bodies, paging and headers; README, 'Profiles'.  [default: documented]",
    ),
    click.option(
        "--fixtures",
        "fixtures_dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder of fixture files.  [default: ./fixtures of the project]",
    ),
    click.option(
        "--seed",
        type=click.IntRange(min=0),
        help="Seed for generated items and chaos runs: same seed, same run.  [default: 0]",
    ),
]


def with_fixture_options(command: Any) -> Any:
    for option in reversed(fixture_options):
        command = option(command)
    return command


# The sandbox controls: every one off unless given. See README, "Testing your client's resilience".
control_options = [
    click.option(
        "--rate-limit/--no-rate-limit",
        default=None,
        help="JIM's rate limits: 429 with Retry-After, before authentication.  [default: off]",
    ),
    click.option(
        "--rate-limit-per-key",
        type=click.IntRange(1, 1_000_000),
        metavar="N",
        help="Requests a minute per valid key (sliding window).  [default: 300]",
    ),
    click.option(
        "--rate-limit-per-ip",
        type=click.IntRange(1, 1_000_000),
        metavar="N",
        help="Requests a minute per client IP without a valid key (fixed window).  [default: 30]",
    ),
    click.option(
        "--prefer/--no-prefer",
        default=None,
        help="Honour the Prefer request header: code=429|500|503, delay=MS, retry-after=S.  [default: off]",
    ),
    click.option(
        "--fault-rate",
        type=click.FloatRange(0.0, 1.0),
        metavar="FRACTION",
        help="Answer this fraction of requests 503 or 500, drawn from --seed.  [default: 0]",
    ),
    click.option(
        "--latency-ms",
        metavar="MS|MIN:MAX",
        help="Add this latency (uniform between MIN and MAX, drawn from --seed), at most 10000.  [default: none]",
    ),
    click.option(
        "--journal",
        "journal_size",
        type=click.IntRange(0, 100_000),
        is_flag=False,
        flag_value=100,
        metavar="[N]",
        help="Keep the last N requests (100 if N is left out) at /__admin/requests; 0 is off.  [default: off]",
    ),
    click.option(
        "--cors-origin",
        "cors_origins",
        multiple=True,
        metavar="ORIGIN",
        help="Allow this origin by CORS (repeatable), for example http://localhost:3000.  [default: none]",
    ),
    click.option(
        "--security-headers/--no-security-headers",
        default=None,
        help="Send the security headers JIM sends (nosniff, DENY, CSP, …)."
        "  [default: off; always on with --profile jim]",
    ),
    click.option(
        "--redis-url",
        metavar="URL",
        help="Share rate-limit counters and the journal through this Redis, for --workers N or replicas."
        "  [default: in process]",
    ),
]


def with_control_options(command: Any) -> Any:
    for option in reversed(control_options):
        command = option(command)
    return command


@main.command()
@click.option("--host", help="Address to bind.  [default: 127.0.0.1]")
@click.option("--port", type=click.IntRange(0, 65535), help="Port to bind; 0 picks a free one.  [default: 8080]")
@with_fixture_options
@click.option(
    "--validate-responses/--no-validate-responses",
    default=None,
    help="Check every response against the spec (slow; for debugging the server).",
)
@click.option(
    "--access-log/--no-access-log",
    default=None,
    help="One line per request: method, path, status, duration, key prefix.  [default: on]",
)
@click.option(
    "--log-level", type=click.Choice(["critical", "error", "warning", "info", "debug"]), help="[default: info]"
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Worker processes, run by uvicorn's supervisor; they answer alike"
    " (rate limits and the journal need --redis-url).  [default: 1]",
)
@with_control_options
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
    logging.config.dictConfig(log_config(settings.log_level))
    app = build_app(settings)  # validates the fixtures before anything listens, whatever the worker count
    where = f"http://{settings.host}:{settings.port}"
    fixtures = f"{settings.fixtures_dir} (seed {settings.seed})"
    click.echo(f"mockserver: fixtures {fixtures} are valid; serving on {where} ({settings.profile} profile)", err=True)
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_config": log_config(settings.log_level),
        "access_log": False,
        "log_level": settings.log_level,
        # No WebSocket routes: an Upgrade header is an ordinary request, not uvicorn's bare 403.
        "ws": "none",
        # The client address is the socket's: a local client cannot dodge the per-IP rate limit, or
        # write another address into the journal, with an X-Forwarded-For header.
        "proxy_headers": False,
        "http": PROTOCOL,
    }
    if settings.workers == 1:
        freeze_startup_objects()
        uvicorn.run(app, **common)
        return
    # Workers are separate processes: each rebuilds the app from the same settings, exported here.
    os.environ.update(settings.as_environment())
    uvicorn.run("mockserver.app:create_app_from_environment", factory=True, workers=settings.workers, **common)


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
        document = load_spec(Settings().spec_path, PROFILES[profile])
    except OverlayError as exc:
        click.echo(f"mockserver: {exc}", err=True)
        sys.exit(2)
    if form == "json":
        click.echo(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode())
    else:
        click.echo(yaml.dump(document, Dumper=BlockDumper, sort_keys=False, allow_unicode=True, width=100), nl=False)


class BlockDumper(yaml.SafeDumper):
    """Multi-line strings (the spec's descriptions) as literal blocks, as they are written in openapi.yaml."""


def _literal_blocks(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


BlockDumper.add_representer(str, _literal_blocks)


@main.command()
@with_fixture_options
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
    "--rate-limit-probe/--no-rate-limit-probe",
    default=True,
    help="Probe the per-IP rate limit: up to 40 requests without a key until a 429, and one more a second later"
    " (does Retry-After count down?).  [default: on]",
)
@click.option("--check", is_flag=True, help="Exit 1 when the servers differ at all (for CI).")
@click.option("--write-readme", is_flag=True, help="Write the built-in profiles' report into README.md instead.")
def drift(
    left: str | None,
    right: str | None,
    base_url: str | None,
    api_key: str,
    reader_key: str,
    run_profile_id: str,
    non_run_profile_id: str,
    empty_activity_id: str,
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
        --reader-key "$JIM_READER_KEY" --run-profile-id … --non-run-profile-id … --empty-activity-id …
      mockserver drift --left jim --base-url https://jim.example.com … --no-rate-limit-probe --check
    """
    if base_url is not None and right is not None:
        raise click.UsageError("--base-url is --right: give one of them")
    left, right = left or "documented", base_url or right or "jim"
    if write_readme and (left, right, rate_limit_probe) != ("documented", "jim", True):
        raise click.UsageError("--write-readme writes the report of documented against jim, every probe: no other")
    ids = Ids(api_key, reader_key, run_profile_id, non_run_profile_id, empty_activity_id)
    probes = [probe for probe in PROBES if rate_limit_probe or not probe.rate_limited]
    try:
        report = drift_report.compare(left, right, ids, probes)
    except httpx.TransportError as exc:
        click.echo(f"mockserver: cannot reach {exc.request.url}: {exc}", err=True)
        sys.exit(3)
    text = drift_report.render(report, left, right)
    if write_readme:
        readme = PROJECT_ROOT / "README.md"
        before = readme.read_text(encoding="utf-8")
        after = drift_report.with_section(before, text)
        readme.write_text(after, encoding="utf-8")
        click.echo(f"mockserver: {readme} {'rewritten' if after != before else 'already up to date'}", err=True)
    else:
        click.echo(text, nl=False)
    if check and report.differs:
        sys.exit(1)
