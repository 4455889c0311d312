"""The drift report's requests, and the servers it sends them to: a built-in profile in-process, or a URL."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import httpx

from mockserver.app import create_app
from mockserver.profiles import PROFILES
from mockserver.settings import Settings
from mockserver.world.runs.clock import ManualClock

ACTIVITIES = "/api/v1/activities"
SYSTEMS = "/api/v1/synchronisation/connected-systems"
WORKER_TASKS = "/api/v1/worker-tasks"
SCHEDULES = "/api/v1/schedules"
EXECUTIONS = "/api/v1/schedule-executions"
KEY_HEADER = "X-Api-Key"
RATE_LIMIT_PAUSE = 1.1
"""Between the rate-limit probe's first 429 and a second: more than a second, so that a Retry-After
counting down the window (the documented rule) says less the second time, however slow the machine,
where JIM's says 60 both times."""
COUNTS_DOWN = "(counts down)"
"""What the report shows for a Retry-After that fell between the two 429s: its values depend on the clock."""
RATE_LIMIT_ATTEMPTS = 40
"""More than a live JIM's 30 unauthenticated requests a minute."""


@dataclass(frozen=True)
class Ids:
    """The keys and activities the probes use: the sandbox's by default, which a served sandbox has too."""

    api_key: str = "jim_ak_sandbox_admin"
    reader_key: str = "jim_ak_sandbox_reader"
    run_profile: str = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
    """A Run Profile activity with items: the sandbox's has 248, so page 6 of 50 is past the last."""
    non_run_profile: str = "d4e5f6a7-b8c9-0123-def0-123456789abc"
    empty: str = "e5f6a7b8-c9d0-1234-ef01-23456789abcd"
    parent: str = "d4e5f6a7-b8c9-0123-def0-123456789abc"
    """An activity with child activities, listed (top-level): the sandbox's schema import has 2 (the sync rules it
    updated, as ConnectedSystemServer.RecordSyncRuleDisableActivityAsync parents them)."""
    missing: str = "ffffffff-ffff-ffff-ffff-ffffffffffff"
    system: str = "1"
    """A connected system (its id)."""
    missing_system: str = "2147483647"
    schedule: str = "76416817-d9f3-474d-8851-5bf9062cc715"
    """A schedule with steps (its id)."""


SANDBOX = Ids()


@dataclass(frozen=True)
class Probe:
    name: str
    query: str = ""
    activity: str | None = "{run_profile}"
    """An Ids field in braces, or a literal path segment; None for the list."""
    part: str = "items"
    """What of the activity: `items`, `stats`, `children`, `progress`, or "" for the activity itself."""
    key: str | None = "api_key"
    """The Ids field of the key to send, or None for no key."""
    method: str = "GET"
    prefer: str | None = None
    """A sandbox fault to force (`Prefer`); a built-in profile answers it from an app that honours Prefer."""
    base: str = ACTIVITIES
    """The collection: the activities, the connected systems (SYSTEMS, `activity` then a system), the worker
    tasks (WORKER_TASKS, `activity` then a task), the schedules (SCHEDULES) or their executions (EXECUTIONS)."""
    rate_limited: bool = False
    """Sent until a 429, then once more a second later. A built-in profile answers it from an app of its
    own that lets one unauthenticated request a minute through, so that no other probe is refused."""

    def path(self) -> str:
        """The path, the activity by its kind (`{run_profile}`)."""
        if self.activity is None:
            return self.base
        return f"{self.base}/{self.activity}" + (f"/{self.part}" if self.part else "")

    def url(self, ids: Ids) -> str:
        given = dataclasses.asdict(ids)
        path = self.path().format(**given)
        return f"{path}?{self.query.format(**given)}" if self.query else path

    def request(self) -> str:
        """As the report shows it: `…` for the list's path, long query values cut short, a forced fault named."""
        query = re.sub(r"=([^&]{17,})", lambda match: f"={match[1][:4]}…", self.query)
        shown = f"{self.method} {self.path().replace(ACTIVITIES, '…', 1)}" + (f"?{query}" if query else "")
        return shown + (f" with Prefer: {self.prefer}" if self.prefer else "")


PROBES = (
    Probe("a page of items", "pageSize=25"),
    Probe("past the last page", "page=6&pageSize=50"),
    Probe("page not an integer", "page=abc"),
    Probe("pageSize beyond 32 bits", "pageSize=2147483648"),
    Probe("beyond the depth ceiling", "page=10002&pageSize=100"),
    Probe("no key", key=None),
    Probe("key without the Administrator role", key="reader_key"),
    Probe("sortDirection in capitals", "sortDirection=DESC&pageSize=5"),
    Probe("sortBy of 101 characters", "sortBy=" + "a" * 101 + "&pageSize=5"),
    Probe("filter of 501 characters", "filter=" + "a" * 501 + "&pageSize=5"),
    Probe("query keys in capitals", "PAGE=2&PAGESIZE=5"),
    Probe("id not a GUID", activity="not-a-guid"),
    Probe("id not a GUID, no key", activity="not-a-guid", key=None),
    Probe("unknown activity", activity="{missing}"),
    Probe("not a Run Profile activity", activity="{non_run_profile}"),
    Probe("activity with no items", activity="{empty}"),
    Probe("pageSize above 100", "pageSize=500"),
    Probe("page 0", "page=0&pageSize=5"),
    Probe("page repeated", "page=2&page=3&pageSize=5"),
    Probe("unknown parameter", "colour=blue&pageSize=5"),
    Probe("HEAD", "pageSize=5", method="HEAD"),
    # The rest of the resource: the list, one activity, its statistics, progress and children.
    Probe("the list", "pageSize=100", activity=None),
    Probe("a filter the list applies", "status=FailedWithError", activity=None),
    Probe("a filter value that cannot be bound", "status=Bogus", activity=None),
    Probe("sortBy as an alias", "sortBy=targetname&pageSize=5", activity=None),
    Probe("sortBy unknown", "sortBy=name&pageSize=5", activity=None),
    Probe("sortBy executed", "sortBy=executed&sortDirection=desc&pageSize=5", activity=None),
    Probe("the list past its last page", "page=3&pageSize=10", activity=None),
    Probe("an activity", part=""),
    Probe("its statistics", part="stats"),
    Probe("its progress", part="progress"),
    Probe("child activities", activity="{parent}", part="children"),
    Probe("children past the last page", "page=2", activity="{parent}", part="children"),
    Probe("children, sortDirection in capitals", "sortDirection=DESC", activity="{parent}", part="children"),
    Probe("a database outage", prefer="code=503"),
    # What a client resolves names through: the connected systems and a system's run profiles.
    Probe("connected systems", "pageSize=100", activity=None, base=SYSTEMS),
    Probe("connected systems past the last page", "page=1000&pageSize=100", activity=None, base=SYSTEMS),
    Probe("connected systems, sortDirection in capitals", "sortDirection=DESC", activity=None, base=SYSTEMS),
    Probe("a connected system", activity="{system}", part="", base=SYSTEMS),
    Probe("its run profiles", activity="{system}", part="run-profiles", base=SYSTEMS),
    Probe("unknown connected system", activity="{missing_system}", part="run-profiles", base=SYSTEMS),
    Probe("connected system id not an integer", activity="abc", part="run-profiles", base=SYSTEMS),
    Probe("connected system id with a sign", activity="+1", part="run-profiles", base=SYSTEMS),
    # What a client watches a run through, read only: a probe never starts or cancels anything.
    Probe("worker tasks", "pageSize=100", activity=None, base=WORKER_TASKS),
    Probe("worker tasks past the last page", "page=1000&pageSize=100", activity=None, base=WORKER_TASKS),
    Probe("unknown worker task", activity="{missing}", part="", base=WORKER_TASKS),
    Probe("worker task id not a GUID", activity="not-a-guid", part="", base=WORKER_TASKS),
    # Schedules and their executions, read only: a probe never runs or cancels a schedule.
    Probe("schedules", "pageSize=100", activity=None, base=SCHEDULES),
    Probe(
        "schedules searched and sorted",
        "search=entra&sortBy=nextRunTime&sortDescending=true",
        activity=None,
        base=SCHEDULES,
    ),
    Probe("schedules, sortDescending in capitals", "sortDescending=TRUE", activity=None, base=SCHEDULES),
    Probe("a schedule", activity="{schedule}", part="", base=SCHEDULES),
    Probe("unknown schedule", activity="{missing}", part="", base=SCHEDULES),
    Probe("schedule id not a GUID", activity="not-a-guid", part="", base=SCHEDULES),
    Probe("schedule executions", "pageSize=100", activity=None, base=EXECUTIONS),
    Probe("a schedule's executions", "scheduleId={schedule}", activity=None, base=EXECUTIONS),
    Probe("active schedule executions", activity="active", part="", base=EXECUTIONS),
    Probe("unknown schedule execution", activity="{missing}", part="", base=EXECUTIONS),
    # Last: against a live server it spends what is left of this client's unauthenticated minute.
    Probe("rate limit, no key", key=None, rate_limited=True),
)


class Target:
    """A server to probe: a built-in profile's name (answered in-process) or a URL."""

    def __init__(self, where: str, ids: Ids, stack: ExitStack, timeout: float = 30.0) -> None:
        self.where = where
        self.builtin = where in PROFILES
        self.ids = SANDBOX if self.builtin else ids
        self.stack = stack
        self.timeout = timeout
        self.shared: httpx.Client | None = None

    def client(self, probe: Probe) -> httpx.Client:
        if self.builtin and probe.rate_limited:
            return self.app_client(rate_limit=True, rate_limit_per_ip=1)
        if self.builtin and probe.prefer:
            return self.app_client(prefer=True)
        if self.shared is None:
            if self.builtin:
                self.shared = self.app_client()
            else:
                self.shared = self.stack.enter_context(httpx.Client(base_url=self.where, timeout=self.timeout))
        return self.shared

    def app_client(self, **controls: Any) -> httpx.Client:
        # The world's clock stands at its start, so the two profiles' progress is taken at one moment.
        app = create_app(Settings(profile=self.where, access_log=False, **controls), clock=ManualClock())
        client: httpx.Client = app.test_client(raise_server_exceptions=False, follow_redirects=False)
        return self.stack.enter_context(client)

    def send(self, client: httpx.Client, probe: Probe) -> httpx.Response:
        headers = {KEY_HEADER: getattr(self.ids, probe.key)} if probe.key else {}
        if probe.prefer:
            headers["Prefer"] = probe.prefer
        return client.request(probe.method, probe.url(self.ids), headers=headers)


def ask(probe: Probe, targets: Sequence[Target]) -> list[httpx.Response]:
    """Each target's answer to the probe; for the rate limit, its first 429 (or its last answer)."""
    clients = [target.client(probe) for target in targets]
    asking = list(zip(targets, clients, strict=True))
    if not probe.rate_limited:
        return [target.send(client, probe) for target, client in asking]
    answers = []
    for target, client in asking:
        for _ in range(RATE_LIMIT_ATTEMPTS):
            response = target.send(client, probe)
            if response.status_code == 429:
                break
        answers.append(response)
    time.sleep(RATE_LIMIT_PAUSE)
    again = [target.send(client, probe) for target, client in asking]
    return [with_retry_after_rule(first, second) for first, second in zip(answers, again, strict=True)]


def with_retry_after_rule(first: httpx.Response, second: httpx.Response) -> httpx.Response:
    """The first 429, its Retry-After shown as COUNTS_DOWN when a second 429, over a second later, said less.

    A value that counts down depends on when the request came, so the report shows the rule rather
    than a number; a fixed value (JIM's 60) is shown as it is."""
    values = [response.headers.get("retry-after") for response in (first, second)]
    if first.status_code != 429 or second.status_code != 429 or values[0] == values[1]:
        return first
    headers = [(name, COUNTS_DOWN if name.lower() == "retry-after" else value) for name, value in first.headers.items()]
    return httpx.Response(first.status_code, headers=headers, content=first.content, request=first.request)
