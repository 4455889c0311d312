"""The contract suite's options as data: pytest registers them, `mockserver verify --help` lists them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Option:
    flag: str
    env: str
    help: str
    switch: bool = False
    """On when given (or when its variable is set to anything); otherwise a value."""
    values: tuple[str, ...] = ()
    """Names of the values each use of a repeatable option takes (its variable: one use, the values spaced)."""


TARGET = {
    "base_url": Option(
        "--base-url", "CONTRACT_BASE_URL", "the live server to verify; without it, the sandbox in-process (a checkout)"
    ),
    "profile": Option(
        "--profile",
        "CONTRACT_PROFILE",
        "which behaviour to hold the target to: documented (openapi.yaml, the default) or jim (the real server's,"
        " with its own spec); in-process, the app is started in that profile",
    ),
    "rate_limited": Option(
        "--rate-limited",
        "CONTRACT_RATE_LIMITED",
        "the live server enforces rate limits: one test spends up to 40 requests without a key to reach its per-IP"
        " limit (in-process, the suite builds a rate-limited app of its own)",
        switch=True,
    ),
    "sandbox_ids": Option(
        "--sandbox-ids",
        "CONTRACT_SANDBOX_IDS",
        "the live server is this project's sandbox: use its keys, ids and exact fixture checks",
        switch=True,
    ),
    "allow_writes": Option(
        "--allow-writes",
        "CONTRACT_ALLOW_WRITES",
        "the suite may POST to the live server: it starts runs and cancels them (a real JIM would really run them);"
        " in-process, the suite always may, on an app of its own",
        switch=True,
    ),
    "require_all": Option(
        "--require-all",
        "CONTRACT_REQUIRE_ALL",
        "fail (exit 1) when any rule is left unverified for want of a key, an id or another option",
        switch=True,
    ),
    "report": Option(
        "--report",
        "CONTRACT_REPORT",
        "write the verdict to PATH as FORMAT: json (one record per rule: verdict, checks, reason, the option that"
        " would verify it; docs/contract-suite.md has its schema) or markdown; repeatable",
        values=("FORMAT", "PATH"),
    ),
    "step_summary": Option(
        "--step-summary",
        "GITHUB_STEP_SUMMARY",
        "append the verdict in Markdown to this file and print a GitHub ::error annotation per broken rule"
        " (GitHub Actions sets the variable for every step)",
    ),
}
"""What the suite runs against and how strictly."""

# Values default to the sandbox's only in-process or with --sandbox-ids, since a real JIM has other keys and ids.
VALUES = {
    "api_key": Option("--api-key", "CONTRACT_API_KEY", "a key with the Administrator role"),
    "reader_key": Option("--reader-key", "CONTRACT_READER_KEY", "a valid key without the Administrator role"),
    "disabled_key": Option("--disabled-key", "CONTRACT_DISABLED_KEY", "a disabled key"),
    "expired_key": Option("--expired-key", "CONTRACT_EXPIRED_KEY", "an expired key"),
    "run_profile_id": Option("--run-profile-id", "CONTRACT_RUN_PROFILE_ID", "a Run Profile activity with items"),
    "non_run_profile_id": Option(
        "--non-run-profile-id", "CONTRACT_NON_RUN_PROFILE_ID", "an activity that is not a Run Profile activity"
    ),
    "empty_activity_id": Option(
        "--empty-activity-id", "CONTRACT_EMPTY_ACTIVITY_ID", "a Run Profile activity with no items"
    ),
    "large_activity_id": Option(
        "--large-activity-id", "CONTRACT_LARGE_ACTIVITY_ID", "a Run Profile activity with over 1,000,000 items"
    ),
    "parent_activity_id": Option(
        "--parent-activity-id",
        "CONTRACT_PARENT_ACTIVITY_ID",
        "an activity with child activities (a schedule execution, say)",
    ),
    "running_activity_id": Option(
        "--running-activity-id",
        "CONTRACT_RUNNING_ACTIVITY_ID",
        "a run profile activity that was in progress when the suite started",
    ),
}
"""The keys and activities of the target that some rules need; a rule without its value is skipped, naming the flag."""
