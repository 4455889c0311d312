"""What the contract suite runs against: our app in-process by default, or any live server by URL."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, NoReturn

import httpx
import pytest

from contract_tests import envelope
from contract_tests.expect import Expected
from contract_tests.options import VALUES

SANDBOX = {
    "api_key": "jim_ak_sandbox_admin",
    "reader_key": "jim_ak_sandbox_reader",
    "disabled_key": "jim_ak_sandbox_disabled",
    "expired_key": "jim_ak_sandbox_expired",
    "run_profile_id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890",
    "non_run_profile_id": "d4e5f6a7-b8c9-0123-def0-123456789abc",
    "empty_activity_id": "e5f6a7b8-c9d0-1234-ef01-23456789abcd",
    "large_activity_id": "f6a7b8c9-d0e1-2345-f012-3456789abcde",
    "parent_activity_id": "d4e5f6a7-b8c9-0123-def0-123456789abc",
    "running_activity_id": "a37fa88f-3aed-4d06-b5b1-1571bdd6b0b2",
}
ACTIVITIES_URL = "/api/v1/activities"
MISSING_ID = "ffffffff-ffff-ffff-ffff-ffffffffffff"
"""Never an activity, on any server."""

NOT_A_RULE = "not a rule of the "
"""How a skip for a rule the profile does not have begins: the summary tells it from a rule left unverified."""


@dataclass(frozen=True)
class Target:
    client: httpx.Client
    base_url: str | None
    app: Any
    sandbox: bool
    """True when the target serves this project's fixtures, so exact seed data can be checked."""
    profile: Expected
    """Which behaviour the target is held to (--profile)."""
    api_key: str
    reader_key: str | None = None
    disabled_key: str | None = None
    expired_key: str | None = None
    run_profile_id: str | None = None
    non_run_profile_id: str | None = None
    empty_activity_id: str | None = None
    large_activity_id: str | None = None
    parent_activity_id: str | None = None
    running_activity_id: str | None = None
    clock: Any = None
    """In-process, the world's clock (a ManualClock): a test turns it instead of waiting; None for a live server."""

    def need(self, name: str) -> str:
        """The option's value, or skip saying which flag would enable the check."""
        value = getattr(self, name)
        if value is None:
            option = VALUES[name]
            pytest.skip(f"needs {option.help}: pass {option.flag} or set {option.env}")
        return str(value)

    def need_sandbox(self) -> None:
        if not self.sandbox:
            pytest.skip(
                "checks this project's fixture data: only against the sandbox (in-process, or pass --sandbox-ids)"
            )

    def not_in_profile(self, why: str) -> NoReturn:
        """Skip: the rule is not one of the profile the target is held to (not a rule left unverified)."""
        pytest.skip(f"{NOT_A_RULE}{self.profile.name} profile: {why}")

    def wait(self, seconds: float) -> None:
        """Let `seconds` of the target's time pass: turn the in-process clock, or sleep for a live server."""
        if self.clock is not None:
            self.clock.advance(seconds)
        else:
            time.sleep(seconds)

    def items_url(self, activity_id: str) -> str:
        return f"/api/v1/activities/{activity_id}/items"

    def activity_url(self, activity_id: str, part: str = "") -> str:
        """The activity's detail, or its `stats`, `children` or `items`."""
        return f"/api/v1/activities/{activity_id}" + (f"/{part}" if part else "")

    def get(self, url: str, key: str | None = None, **kwargs: object) -> httpx.Response:
        headers = {"X-Api-Key": key} if key is not None else {}
        return self.client.get(url, headers=headers, **kwargs)  # type: ignore[arg-type]

    def items(self, activity_id: str, key: str | None = None, **params: object) -> httpx.Response:
        return self.get(self.items_url(activity_id), key=self.api_key if key is None else key, params=params)

    def admin(self, url: str, **params: object) -> httpx.Response:
        """GET with the Administrator key."""
        return self.get(url, key=self.api_key, params=params)

    def activities(self, **params: object) -> httpx.Response:
        return self.admin(ACTIVITIES_URL, **params)

    # The profile's expectations, bound: tests say what happened, the profile says how it looks.

    def assert_error(self, response: httpx.Response, status: int, code: str) -> dict[str, Any]:
        return envelope.assert_error(response, status, code, self.profile)

    def assert_validation_error(self, response: httpx.Response, *params: str) -> envelope.Rejection:
        return envelope.assert_validation_error(response, *params, profile=self.profile)

    def assert_non_guid_answer(
        self, response: httpx.Response, status: int = 400, code: str = "VALIDATION_ERROR"
    ) -> None:
        """What a request whose id is not a GUID gets: `status`/`code` as documented, or JIM's web UI."""
        envelope.assert_web_ui_or_error(response, self.profile, status, code)
