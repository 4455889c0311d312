"""The container image's files, without Docker: the Dockerfile and compose.yaml say what docs/deploy.md promises, and
the image's command, run as the image runs it (its user, its environment only), serves and answers its HEALTHCHECK."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml

from mockserver.settings import PROJECT_ROOT, variable
from scripts import image_command
from scripts.contract_live import free_port

COMPOSE = yaml.safe_load((PROJECT_ROOT / "compose.yaml").read_text(encoding="utf-8"))
WORKFLOW = yaml.safe_load((PROJECT_ROOT / "examples" / "ci" / "github-actions.yml").read_text(encoding="utf-8"))


def test_the_image_builds_the_wheel_as_ci_does_and_runs_it_unprivileged_on_slim_python() -> None:
    build, final = image_command.stages()
    assert (build.base, build.name, final.base) == ("python:3.11-slim", "build", "python:3.11-slim")
    [built] = [
        step["run"] for step in next(iter(WORKFLOW["jobs"].values()))["steps"] if "wheel" in step.get("name", "")
    ]
    assert "python -m pip wheel --no-deps" in built and "python -m pip wheel --no-deps" in build.runs[-1]
    assert final.user.split(":")[0] not in ("root", "0")
    assert final.entrypoint + final.cmd == ["mockserver", "serve"]
    assert final.healthcheck == ["mockserver", "health"]
    assert final.env["MOCKSERVER_HOST"] == "0.0.0.0"
    settings = [name for name in final.env if name.startswith("MOCKSERVER_")]
    assert all(variable(name) for name in settings), settings
    # The token is given at run time, never baked into an image anyone who pulls it can read.
    assert "MOCKSERVER_ADMIN_TOKEN" not in final.env


def test_compose_runs_two_replicas_sharing_one_redis_read_only_with_the_admin_token_from_outside() -> None:
    services = COMPOSE["services"]
    replicas = [service for service in services.values() if "MOCKSERVER_REDIS_URL" in service.get("environment", {})]
    assert len(replicas) == 2
    [store] = [name for name, service in services.items() if "valkey" in service.get("image", "")]
    for replica in replicas:
        environment = replica["environment"]
        assert environment["MOCKSERVER_REDIS_URL"] == f"redis://{store}:6379/0"
        assert all(variable(name) for name in environment), environment
        assert environment["MOCKSERVER_ADMIN_TOKEN"].startswith("${MOCKSERVER_ADMIN_TOKEN:?")
        assert replica["read_only"] is True and replica["tmpfs"] == ["/tmp"]
        assert replica["depends_on"][store]["condition"] == "service_healthy"
    assert "next step" in (PROJECT_ROOT / "compose.yaml").read_text(encoding="utf-8")


def test_the_images_command_serves_and_answers_its_healthcheck_as_an_unprivileged_user() -> None:
    ready, stopped, ids = image_command.serve_and_probe(Path(sys.executable).parent, free_port())
    assert ready.endswith("/api/v1/health/ready is ready"), ready
    assert "not ready: cannot reach" in stopped, stopped
    user = image_command.stages()[-1].user.split(":")[0]
    assert ids == (f"{user} {user}" if os.geteuid() == 0 else f"{os.getuid()} {os.geteuid()}"), ids
