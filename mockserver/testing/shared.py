"""A private sandbox on a shared deployment, for the jim_sandbox fixture's `--jim-sandbox-url` (or JIM_SANDBOX_URL).

Each test gets a sandbox of its own (POST /__admin/sandboxes at set-up, DELETE at teardown): its key, its journal and
its rate-limit window are its own, over the deployment's fixtures and settings. Its handle answers as a served
sandbox's does where it can; what needs a sandbox served by the test process fails saying why.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NoReturn
from urllib.parse import urlsplit

import httpx

from mockserver.http import SANDBOXES_PATH
from mockserver.testing.received import ADMIN_SECONDS, ClockNotHandTurned, Received

URL_VARIABLE = "JIM_SANDBOX_URL"
TOKEN_VARIABLE = "JIM_SANDBOX_ADMIN_TOKEN"
SHOWN = 200
"""Characters of a refusal's body a message quotes."""


class NotOnSharedDeployment(RuntimeError):
    """Asked of a private sandbox on a shared deployment what only a sandbox served by the test process has."""


class SharedDeploymentError(RuntimeError):
    """The shared deployment could not make or end a sandbox; the message says what it answered."""


def deployment_url(url: str) -> str:
    """The deployment's URL without a trailing slash; a usage error unless http(s)://host[:port][/path]."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise SharedDeploymentError(
            f"{URL_VARIABLE} / --jim-sandbox-url: use http(s)://host[:port], the deployment's base URL, not {url!r}"
        )
    return url.strip().rstrip("/")


@dataclass(frozen=True)
class SharedSandbox(Received):
    """A private sandbox on a shared deployment: `.base_url`, `.admin_key` (the sandbox's own key, with JIM's
    Administrator role), what its key sent (`.requests()`, `.journal()`) and the assertions over it."""

    base_url: str
    id: str
    admin_key: str = field(repr=False)
    capacity: int
    requests_path: str
    admin_token: str | None = field(default=None, repr=False)
    clock: None = None
    """A shared deployment's clock runs with its wall: nothing here turns it."""

    @property
    def reader_key(self) -> NoReturn:
        raise NotOnSharedDeployment(
            "a private sandbox on a shared deployment has one key, its own (admin_key, with the Administrator role):"
            " the fixtures' reader key is the deployment's to give, not the fixture's; run without --jim-sandbox-url"
            " (and JIM_SANDBOX_URL) for a served sandbox that has it"
        )

    @property
    def settings(self) -> NoReturn:
        raise NotOnSharedDeployment(
            "a shared deployment's settings are its own, not this test process's: ask its operators, or run without"
            " --jim-sandbox-url (and JIM_SANDBOX_URL) for a served sandbox"
        )

    def advance(self, seconds: float) -> None:
        raise ClockNotHandTurned(
            "a shared deployment's clock runs with its wall, for every client at once: only a sandbox served by this"
            " test process can be turned by hand (hand_turned_clock=True, without --jim-sandbox-url)"
        )

    def _journal_url(self) -> str:
        return self.base_url + self.requests_path

    def _journal_capacity(self) -> int:
        return self.capacity

    def _admin(self) -> dict[str, str]:
        return bearer(self.admin_token)


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def refused(what: str, url: str, response: httpx.Response) -> SharedDeploymentError:
    """What the deployment answered, without the token (never sent back) and cut short."""
    hint = ""
    if response.status_code == 404:
        hint = " (is it started with --sandboxes N, MOCKSERVER_SANDBOXES?)"
    elif response.status_code in (401, 403):
        hint = f" (give its admin token in {TOKEN_VARIABLE})"
    return SharedDeploymentError(f"{what} at {url}: answered {response.status_code}{hint}: {response.text[:SHOWN]}")


def create(url: str, token: str | None) -> SharedSandbox:
    """A new private sandbox on the deployment at `url`."""
    try:
        response = httpx.post(url + SANDBOXES_PATH, headers=bearer(token), timeout=ADMIN_SECONDS)
    except httpx.HTTPError as exc:
        raise SharedDeploymentError(f"could not make a private sandbox at {url}: {exc}") from None
    if response.status_code != 201:
        raise refused("could not make a private sandbox", url, response)
    body = response.json()
    return SharedSandbox(
        base_url=url,
        id=body["id"],
        admin_key=body["apiKey"],
        capacity=body["journalCapacity"],
        requests_path=body["requestsPath"],
        admin_token=token,
    )


def delete(sandbox: SharedSandbox) -> None:
    """End the sandbox; one already ended (idle, or deleted) is fine."""
    where = f"{sandbox.base_url}{SANDBOXES_PATH}/{sandbox.id}"
    try:
        response = httpx.delete(where, headers=bearer(sandbox.admin_token), timeout=ADMIN_SECONDS)
    except httpx.HTTPError as exc:
        raise SharedDeploymentError(
            f"could not end private sandbox {sandbox.id} at {sandbox.base_url}: {exc}"
        ) from None
    if response.status_code not in (204, 404):
        raise refused(f"could not end private sandbox {sandbox.id}", sandbox.base_url, response)


@contextmanager
def shared_sandbox(url: str, token: str | None) -> Iterator[SharedSandbox]:
    """A private sandbox on the deployment for the block, ended afterwards."""
    sandbox = create(deployment_url(url), token)
    try:
        yield sandbox
    finally:
        delete(sandbox)
