"""The one place configuration is defined, defaulted and read from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """Server settings; every field can also be set as MOCKSERVER_<FIELD> in the environment."""

    model_config = SettingsConfigDict(env_prefix="MOCKSERVER_", frozen=True, extra="forbid")

    host: str = Field("127.0.0.1", description="Address to bind.")
    port: int = Field(8080, ge=0, le=65535, description="Port to bind (0 picks a free one).")
    fixtures_dir: Path = Field(PROJECT_ROOT / "fixtures", description="Folder of fixture files.")
    spec_path: Path = Field(PROJECT_ROOT / "openapi.yaml", description="The OpenAPI contract the server keeps.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Seed for generated items; same seed, same bytes.")
    validate_responses: bool = Field(False, description="Check every response against the spec (slow: for tests).")
    access_log: bool = Field(True, description="One log line per request.")
    log_level: Literal["critical", "error", "warning", "info", "debug"] = "info"
    workers: int = Field(1, ge=1, le=64, description="Worker processes; replicas agree byte for byte.")

    def as_environment(self) -> dict[str, str]:
        """These settings as MOCKSERVER_* variables, for worker processes that rebuild them with Settings()."""
        return {f"MOCKSERVER_{name.upper()}": str(value) for name, value in self.model_dump().items()}

    @field_validator("fixtures_dir")
    @classmethod
    def _fixtures_exist(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ValueError(f"fixtures folder {value} does not exist")
        return value

    @field_validator("spec_path")
    @classmethod
    def _spec_exists(cls, value: Path) -> Path:
        if not value.is_file():
            raise ValueError(f"spec file {value} does not exist")
        return value
