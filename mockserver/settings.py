"""The one place configuration is defined, defaulted and read from the environment."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from mockserver import resources, setting_values

PROJECT_ROOT = resources.CHECKOUT
ENV_PREFIX = "MOCKSERVER_"
MAX_LATENCY_MS = 10_000
"""The longest delay a chaos run or a `Prefer: delay=` may ask for."""
JOURNAL_FLAG_SIZE = 100
"""The journal's size when `--journal` is given without a number."""
FIXTURE_JOURNAL_SIZE = 10_000
"""The journal's size in the jim_sandbox pytest fixture, which records every request unless told otherwise."""
_LATENCY = re.compile(r"([0-9]{1,5})(?::([0-9]{1,5}))?")
_ORIGIN = re.compile(r"https?://[^/?#,\s]+")
_TOKEN = re.compile(r"[!-~]{16,256}")


@dataclass(frozen=True)
class ConnectionLimits:
    """What each connection enforces before any route (mockserver.compat's protocol); picklable, for workers."""

    read_timeout: float
    max_url_bytes: int
    max_header_bytes: int


class Settings(BaseSettings):
    """Server settings; every field can also be set as MOCKSERVER_<FIELD> in the environment."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    host: str = Field("127.0.0.1", description="Address to bind.")
    port: int = Field(8080, ge=0, le=65535, description="Port to bind; 0 picks a free one.")
    profile: Literal["documented", "jim"] = Field(
        "documented",
        description="Answer as JIM's documentation says (documented), or as the real JIM server does (jim):"
        " its vocabulary, error bodies, paging and headers; docs/profiles.md.",
    )
    fixtures_dir: Path = Field(resources.FIXTURES, description="Folder of fixture files.")
    spec_path: Path = Field(resources.SPEC, description="The OpenAPI contract the server keeps.")
    seed: int = Field(
        0, ge=0, le=2**63 - 1, description="Seed for generated items and chaos runs: same seed, same run."
    )
    live_run_seconds: float = Field(
        60.0,
        ge=0.5,
        le=86_400.0,
        description="How long a run in progress at start-up takes to finish (its /progress moves with the clock).",
    )
    epoch: str = Field(
        "fixtures",
        description="Where the fixture history sits in time: fixtures (at its own dates: the same bytes on every run),"
        " now (moved whole so that it ends at start-up), or a date-time with its zone (2026-12-01T09:00:00Z: moved"
        " to end then; a date alone is its midnight, UTC).",
    )
    clock_rate: float = Field(1.0, gt=0, le=1e6, description="Run the world N times as fast as the wall.")
    hand_turned_clock: bool = Field(
        False, description="The world's clock moves only when a test turns it (jim_sandbox.advance); not for serve."
    )
    scheduler: bool | None = Field(
        None,
        description="Fire enabled schedules by the world's clock as JIM does (docs/api.md); on unless the clock"
        " is hand-turned (then scheduler=True).",
    )
    clock_origin: float | None = Field(
        None,
        ge=0,
        description="The Unix time the sandbox's clock started: set by `serve` so that its workers agree;"
        " not an option.",
    )
    validate_responses: bool = Field(
        False, description="Check every response against the spec (slow; for debugging the server)."
    )
    access_log: bool = Field(
        True,
        description="One line per request: method, path, status, duration, key prefix; written in 50 ms batches.",
    )
    log_level: Literal["critical", "error", "warning", "info", "debug"] = Field("info", description="Log level.")
    read_timeout: float = Field(
        10.0,
        gt=0,
        le=30,
        description="Seconds a client has to send a whole request (head and any body), counted from the connection's"
        " opening or the request's first byte, then it is closed (with 408 if a head was begun); and to read an"
        " answer it has stopped reading.",
    )
    max_url_bytes: int = Field(
        8192, ge=256, le=65536, description="Longest request target (path and query) in bytes; longer is 414."
    )
    max_header_bytes: int = Field(
        32768,
        ge=1024,
        le=1_048_576,
        description="Largest request head (request line and header fields) in bytes; larger is 431.",
    )
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="Worker processes, run by uvicorn's supervisor; they answer alike"
        " (more than one needs --redis-url: started runs, rate limits and the journal are shared through it).",
    )

    # Sandbox controls. Every one is off by default, and an off control adds no middleware layer,
    # so the default server answers exactly the documented contract at the documented speed.
    rate_limit: bool = Field(False, description="JIM's rate limits: 429 with Retry-After, before authentication.")
    rate_limit_per_key: int = Field(
        300, ge=1, le=1_000_000, description="Requests a minute per valid key (sliding window)."
    )
    rate_limit_per_ip: int = Field(
        30, ge=1, le=1_000_000, description="Requests a minute per client IP without a valid key (fixed window)."
    )
    prefer: bool = Field(
        False, description="Honour the Prefer request header: code=429|500|503, delay=MS, retry-after=S."
    )
    fault_rate: float = Field(
        0.0, ge=0.0, le=1.0, description="Answer this fraction of requests 503 or 500, drawn from --seed."
    )
    latency_ms: str | None = Field(
        None,
        description=f"Add this latency (uniform between MIN and MAX, drawn from --seed), at most {MAX_LATENCY_MS}.",
    )
    journal_size: int = Field(
        0,
        ge=0,
        le=100_000,
        description=f"Keep the last N requests ({JOURNAL_FLAG_SIZE} if N is left out) at /__admin/requests; 0 is off.",
    )
    admin_token: SecretStr | None = Field(
        None,
        description="The token /__admin/ routes require (Authorization: Bearer TOKEN); bound beyond loopback they"
        " open to nobody without one. Set MOCKSERVER_ADMIN_TOKEN rather than the flag, which `ps` shows.",
    )
    cors_origins: Annotated[tuple[str, ...], NoDecode] = Field(
        (), description="Allow this origin by CORS (repeatable; comma-separated in the environment)."
    )
    security_headers: bool = Field(
        False, description="Send the security headers JIM sends (nosniff, DENY, CSP, …); the jim profile always does."
    )
    sandboxes: int = Field(
        0, ge=0, le=10_000, description="Up to N private sandboxes at once (POST /__admin/sandboxes); 0 is off."
    )
    sandbox_idle_seconds: int = Field(
        3600, ge=10, le=604_800, description="A private sandbox unused for this many seconds ends; its key is refused."
    )
    redis_url: str | None = Field(
        None,
        description="Keep what clients change (started runs, schedule executions, the journal, rate-limit counters)"
        " in this Redis, so that --workers N or replicas answer alike; the fixture history never needs it.",
    )
    redis_timeout_ms: int = Field(
        500,
        ge=10,
        le=10_000,
        description="Longest wait for Redis (to connect, or for one command); then the request is answered 503"
        " SERVICE_UNAVAILABLE with Retry-After, and /api/v1/health/ready says not_ready.",
    )

    def as_environment(self) -> dict[str, str]:
        """These settings as MOCKSERVER_* variables, for worker processes that rebuild them with Settings()."""
        environment = {}
        for name, value in self.model_dump().items():
            if value is None:
                continue
            # A secret's str() is its mask: the workers need the token itself.
            value = value.get_secret_value() if isinstance(value, SecretStr) else value
            text = ",".join(value) if isinstance(value, tuple) else str(value)
            environment[f"MOCKSERVER_{name.upper()}"] = text
        return environment

    @property
    def latency_range(self) -> tuple[int, int] | None:
        """(min, max) milliseconds of added latency, or None when there is none."""
        if self.latency_ms is None:
            return None
        low, _, high = self.latency_ms.partition(":")
        return int(low), int(high or low)

    @property
    def connection_limits(self) -> ConnectionLimits:
        return ConnectionLimits(self.read_timeout, self.max_url_bytes, self.max_header_bytes)

    @model_validator(mode="before")
    @classmethod
    def _no_unknown_variables(cls, data: Any) -> Any:
        # pydantic-settings ignores a MOCKSERVER_ variable that names no setting: a misspelt one would do nothing.
        unknown = sorted(name for name in os.environ if name.upper().startswith(ENV_PREFIX) and not variable(name))
        if unknown:
            known = [f"{ENV_PREFIX}{field.upper()}" for field in cls.model_fields]
            raise ValueError(setting_values.unknown_variables(unknown, known, ENV_PREFIX))
        return data

    @field_validator("epoch")
    @classmethod
    def _epoch(cls, value: str) -> str:
        return setting_values.epoch(value)

    @field_validator("fixtures_dir")
    @classmethod
    def _fixtures_exist(cls, value: Path) -> Path:
        if value.is_file():
            raise ValueError(f"{value} is a file: give the folder that holds the fixture files")
        if not value.is_dir():
            raise ValueError(f"fixtures folder {value} does not exist")
        return value

    @field_validator("spec_path")
    @classmethod
    def _spec_exists(cls, value: Path) -> Path:
        if value.is_dir():
            raise ValueError(f"{value} is a folder: give the spec file itself (an OpenAPI YAML or JSON file)")
        if not value.is_file():
            raise ValueError(f"spec file {value} does not exist")
        return value

    @field_validator("latency_ms")
    @classmethod
    def _latency_range(cls, value: str | None) -> str | None:
        if value is None or value.strip() in ("", "0"):
            return None
        match = _LATENCY.fullmatch(value.strip())
        if match is None:
            raise ValueError("use MS or MIN:MAX, in milliseconds (for example 100 or 50:200)")
        low, high = int(match[1]), int(match[2] or match[1])
        if not low <= high <= MAX_LATENCY_MS:
            raise ValueError(f"need MIN <= MAX <= {MAX_LATENCY_MS}")
        return f"{low}:{high}"

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(origin.strip() for origin in value.split(",") if origin.strip())
        return value

    @field_validator("cors_origins")
    @classmethod
    def _origins_are_origins(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for origin in value:
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise ValueError(f"{origin!r} is not an origin: use scheme://host[:port] (http://localhost:3000) or *")
        return value

    @field_validator("admin_token")
    @classmethod
    def _token_fits_a_header(cls, value: SecretStr | None) -> SecretStr | None:
        # The message never holds the value: a token, even a wrong one, is not echoed.
        if value is not None and not _TOKEN.fullmatch(value.get_secret_value()):
            raise ValueError("use 16 to 256 visible ASCII characters, no spaces (openssl rand -hex 32 makes one)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("use redis://host:port/db, rediss://… or unix:///path")
        return value

    @model_validator(mode="after")
    def _shared_state_needs_redis(self) -> Settings:
        # Each worker would keep its own runs (a run started on one unknown to the next), count and journal alone.
        if self.workers > 1 and self.redis_url is None:
            raise ValueError(
                "workers: more than one needs --redis-url: started runs, rate limits, the journal and private sandboxes"
                " are shared through it (each worker would otherwise know only the runs started on it)"
            )
        return self


def variable(name: str) -> str | None:
    """The setting a MOCKSERVER_ variable sets (any case, as pydantic-settings reads them), or None."""
    field = name.lower().removeprefix(ENV_PREFIX.lower())
    return field if name.upper().startswith(ENV_PREFIX) and field in Settings.model_fields else None
