"""Command-line options derived from Settings: each option's type, range, choices, help and default come from its field.

Only how a setting is spelt on the command line lives here (a flag name that differs from the
field's, a metavar, a repeatable option); what it means and what it defaults to is Settings'.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import annotated_types
import click
from pydantic.fields import FieldInfo

from mockserver import resources
from mockserver.settings import JOURNAL_FLAG_SIZE, Settings

SPELLING: dict[str, dict[str, Any]] = {
    "fixtures_dir": {"flag": "--fixtures"},
    "spec_path": {"flag": "--spec"},
    "journal_size": {"flag": "--journal", "is_flag": False, "flag_value": JOURNAL_FLAG_SIZE, "metavar": "[N]"},
    "cors_origins": {"flag": "--cors-origin", "multiple": True, "metavar": "ORIGIN"},
    "latency_ms": {"metavar": "MS|MIN:MAX"},
    "redis_url": {"metavar": "URL"},
    "sandboxes": {"metavar": "N"},
    "sandbox_idle_seconds": {"metavar": "SECONDS"},
    "admin_token": {"metavar": "TOKEN"},
    "rate_limit_per_key": {"metavar": "N"},
    "rate_limit_per_ip": {"metavar": "N"},
    "fault_rate": {"metavar": "FRACTION"},
    "read_timeout": {"metavar": "SECONDS"},
    "max_url_bytes": {"metavar": "BYTES"},
    "max_header_bytes": {"metavar": "BYTES"},
    "redis_timeout_ms": {"metavar": "MS"},
    "live_run_seconds": {"metavar": "SECONDS"},
    "epoch": {"metavar": "fixtures|now|DATE-TIME"},
    "clock_rate": {"metavar": "N"},
}
"""Command-line spelling where it is not simply --field-name."""

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def shown_default(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None or value == ():
        return "none"
    if isinstance(value, Path) and value.is_relative_to(resources.ROOT):
        return f"the built-in {value.relative_to(resources.ROOT)}"
    return str(value)


def bounds(field: FieldInfo) -> tuple[Any, Any]:
    low = next((m.ge for m in field.metadata if isinstance(m, annotated_types.Ge)), None)
    high = next((m.le for m in field.metadata if isinstance(m, annotated_types.Le)), None)
    return low, high


def click_type(field: FieldInfo) -> Any:
    annotation = field.annotation
    if get_origin(annotation) is Literal:
        return click.Choice([str(choice) for choice in get_args(annotation)])
    if annotation is int:
        return click.IntRange(*bounds(field))
    if annotation is float:
        return click.FloatRange(*bounds(field))
    if annotation is Path:
        return click.Path(path_type=Path)
    return None


def flag(name: str) -> str:
    """How a setting is spelt on the command line."""
    return str(SPELLING.get(name, {}).get("flag", "--" + name.replace("_", "-")))


def option(name: str, description: str | None = None) -> Decorator:
    """The click option for one Settings field; None when not given, so the environment and defaults apply.
    `description`: what the setting means to a command that reads it rather than serves it (health's --port)."""
    field = Settings.model_fields[name]
    spelling = {key: value for key, value in SPELLING.get(name, {}).items() if key != "flag"}
    spelt = flag(name)
    text = f"{description or field.description}  [default: {shown_default(field.default)}]"
    if field.annotation in (bool, bool | None):
        negative = "--no-" + spelt.removeprefix("--")
        return click.option(f"{spelt}/{negative}", name, default=None, help=text)
    return click.option(spelt, name, type=click_type(field), default=None, help=text, **spelling)


def options(*names: str) -> Decorator:
    """Options for several fields, listed in `--help` in the order given."""

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        for name in reversed(names):
            command = option(name)(command)
        return command

    return decorate


FIXTURE_SETTINGS = (
    "profile", "fixtures_dir", "spec_path", "seed", "live_run_seconds", "epoch", "clock_rate", "scheduler",
)  # fmt: skip
SERVER_SETTINGS = (
    "host",
    "port",
    "validate_responses",
    "access_log",
    "log_level",
    "workers",
    "read_timeout",
    "max_url_bytes",
    "max_header_bytes",
)
CONTROL_SETTINGS = (
    "rate_limit",
    "rate_limit_per_key",
    "rate_limit_per_ip",
    "prefer",
    "fault_rate",
    "latency_ms",
    "journal_size",
    "admin_token",
    "sandboxes",
    "sandbox_idle_seconds",
    "cors_origins",
    "security_headers",
    "redis_url",
    "redis_timeout_ms",
)
"""The sandbox controls, every one off unless given: docs/controls.md."""
