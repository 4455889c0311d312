"""What a live run checks before any rule: the server answers, the base URL, the key and the ids, with GETs only.

A mistake in the options is the user's, not the server's: found here it is one line and exit
status 4 (3 when nothing answers), so that exit status 1 means a broken contract and nothing else.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx
import pytest

from contract_tests.options import VALUES
from contract_tests.target import ACTIVITIES_URL, SANDBOX

HEALTH = "/api/v1/health"
GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
ACTIVITY_IDS = [name for name in VALUES if name.endswith("_id")]
SHOWN_KEY = 12
"""Characters of a key a message shows, as the journal does: a CI log never holds a whole key."""
UNREACHABLE = 3


def shown(key: str) -> str:
    return key[:SHOWN_KEY] + ("…" if len(key) > SHOWN_KEY else "")


def suggested_base(base_url: str) -> str:
    """The base URL to use: what precedes /api (the suite adds /api/v1/… itself), or the origin."""
    parts = urlsplit(base_url)
    api = re.search(r"/api(?:/|$)", parts.path)
    return f"{parts.scheme}://{parts.netloc}{parts.path[: api.start()].rstrip('/') if api else ''}"


def check_base_url(client: httpx.Client, base_url: str) -> None:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise pytest.UsageError(f"--base-url {base_url}: use http://host[:port] or https://host[:port]")
    if parts.query or parts.fragment:
        raise pytest.UsageError(f"--base-url {base_url}: no query or fragment; use {suggested_base(base_url)}")
    try:
        health = client.get(HEALTH)
    except httpx.TransportError as exc:
        # Not a broken rule: the suite could not run.
        pytest.exit(f"cannot reach {base_url}: {exc}", returncode=UNREACHABLE)
    path = parts.path.rstrip("/")
    if path and health.status_code != 200:
        # A JIM behind a proxy may live under a path, so only a path that does not lead to the API is a mistake.
        raise pytest.UsageError(
            f"--base-url {base_url} has a path ({path}) and GET {HEALTH} under it answered {health.status_code}:"
            f" the suite adds {HEALTH.removesuffix('/health')}/… itself, so use --base-url {suggested_base(base_url)}"
        )


def check_key(client: httpx.Client, key: str, from_sandbox: bool) -> None:
    status = client.get(ACTIVITIES_URL, params={"pageSize": 1}, headers={"X-Api-Key": key}).status_code
    given = f"--sandbox-ids gives the sandbox's key {key}, which" if from_sandbox else f"--api-key {shown(key)}"
    if status == 401:
        hint = " (is the server this sandbox? give its own --api-key)" if from_sandbox else ""
        raise pytest.UsageError(
            f"{given} is not accepted: GET {ACTIVITIES_URL} answered 401 (a key unknown, disabled or expired){hint}"
        )
    if status == 403:
        raise pytest.UsageError(
            f"{given} is valid but lacks the Administrator role: GET {ACTIVITIES_URL} answered 403;"
            " give a key with the role (a key without it goes to --reader-key)"
        )


def check_ids(client: httpx.Client, key: str, ids: dict[str, str]) -> None:
    """Every activity id given names an activity: one line naming each that does not."""
    wrong = []
    for name, value in ids.items():
        flag = VALUES[name].flag
        if not GUID.fullmatch(value):
            wrong.append(f"{flag} {value!r} is not an activity id (a GUID, such as {SANDBOX['run_profile_id']})")
            continue
        status = client.get(f"{ACTIVITIES_URL}/{value}", headers={"X-Api-Key": key}).status_code
        if status == 404:
            wrong.append(f"{flag} {value}: no such activity (GET {ACTIVITIES_URL}/{value} answered 404)")
    if wrong:
        raise pytest.UsageError("; ".join(wrong))


def check(config: pytest.Config) -> None:
    """Raise a one-line UsageError for the first kind of mistake found, or exit 3 when nothing answers."""
    base_url = config.getoption("base_url")
    sandbox = config.getoption("sandbox_ids")
    given = {name: config.getoption(name) for name in VALUES}
    values = {**(SANDBOX if sandbox else {}), **{name: value for name, value in given.items() if value}}
    with httpx.Client(base_url=base_url, timeout=30.0) as client:
        check_base_url(client, base_url)
        check_key(client, values["api_key"], from_sandbox=sandbox and not given["api_key"])
        check_ids(client, values["api_key"], {name: values[name] for name in ACTIVITY_IDS if values.get(name)})
