"""What a layer leaves on the ASGI scope for later ones: the caller, the validated parameters, the notes.

Each is resolved once per request (Starlette's AuthenticationMiddleware is the model) and read
through the functions here, never by a key spelled out elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from starlette.types import Scope

from mockserver.preference import Preference
from mockserver.world.fixtures.keys import ApiKey, KeyStore
from mockserver.world.paging import DEFAULT_PAGE, DEFAULT_PAGE_SIZE

CALLER = "mockserver.caller"
PARAMS = "mockserver.params"
NOTES = "mockserver.notes"
KEY_PREFIX_SHOWN = 12
"""How much of a key may appear in logs and journals."""


def key_prefix(secret: str | None) -> str | None:
    """At most the first 12 characters of a key, and never all of a short one (real keys are 71 characters)."""
    if secret is None:
        return None
    return secret[:KEY_PREFIX_SHOWN] if len(secret) > KEY_PREFIX_SHOWN else secret[: len(secret) // 2]


class Caller:
    """Who sent the request: the key sent, and the key it authenticates as, looked up at most once per request."""

    sandbox: str | None = None
    """The private sandbox whose key was sent (None: a fixture key, or none; the shared world)."""

    def __init__(self, keys: KeyStore, secret: str | None) -> None:
        self.keys = keys
        self.secret = secret
        """The key sent, or None when there is none or several that disagree (no "first one wins" guessing)."""
        self.sandbox: str | None = None
        """The private sandbox whose key was sent (its id), or None: the shared world of the fixture keys."""
        self.unavailable = False
        """The sent key has a sandbox key's form and the sandbox registry (Redis) could not be asked: 503."""

    def settle(self, key: ApiKey | None, sandbox: str | None = None, *, unavailable: bool = False) -> None:
        """The identify stage resolved a sandbox key's form itself: `key` is what it authenticates as (never then
        looked up among the fixtures' keys), `sandbox` whose it is."""
        self.__dict__["key"] = key  # the cached_property below, already resolved
        self.sandbox = sandbox
        self.unavailable = unavailable

    @cached_property
    def key(self) -> ApiKey | None:
        """The usable key the secret authenticates as: None when it is unknown, disabled or expired."""
        return self.keys.authenticate(self.secret) if self.secret else None

    @property
    def prefix(self) -> str | None:
        """The part of the key sent that a journal may keep."""
        return key_prefix(self.secret)

    @property
    def shown(self) -> str:
        """The part of the key sent that a log line may show."""
        return f"{self.prefix}…" if self.secret else "-"


def leave_caller(scope: Scope, found: Caller) -> None:
    """Done once, by the outermost layer, which also leaves the notes every layer shares."""
    scope[CALLER] = found
    scope[NOTES] = Notes()


def caller(scope: Scope) -> Caller:
    """The caller the outermost layer identified."""
    found: Caller = scope[CALLER]
    return found


@dataclass(frozen=True, slots=True)
class Params:
    """An operation's parameters after validation, as the handlers and controls read them.

    Paging values are the effective ones (defaulted and capped); an absent parameter is its
    schema's default, or None."""

    id: str | None = None
    connected_system_id: int | None = None
    run_profile_id: int | None = None
    page: int = DEFAULT_PAGE
    page_size: int = DEFAULT_PAGE_SIZE
    search: str | None = None
    sort_by: str | None = None
    sort_direction: str | None = None
    sort_descending: bool | None = None
    filter: str | None = None
    prefer: Preference | None = None
    """The parsed Prefer header, when the server honours it."""
    # The list's filters, where a spec declares them (the jim profile's): world.filters.ListFilter's fields.
    target_type: tuple[str, ...] | None = None
    initiator_type: tuple[str, ...] | None = None
    operation: tuple[str, ...] | None = None
    outcome: tuple[str, ...] | None = None
    status: tuple[str, ...] | None = None
    initiated_by_id: str | None = None
    has_child_activities: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    connected_system: tuple[str | None, ...] | None = None
    run_profile: tuple[str | None, ...] | None = None
    initiated_by: str | None = None
    scheduled_only: bool | None = None
    schedule_id: tuple[str, ...] | None = None


FIELDS = {
    "id": "id",
    "connectedSystemId": "connected_system_id",
    "runProfileId": "run_profile_id",
    "page": "page",
    "pageSize": "page_size",
    "search": "search",
    "sortBy": "sort_by",
    "sortDirection": "sort_direction",
    "sortDescending": "sort_descending",
    "filter": "filter",
    "Prefer": "prefer",
    "targetType": "target_type",
    "initiatorType": "initiator_type",
    "operation": "operation",
    "outcome": "outcome",
    "status": "status",
    "initiatedById": "initiated_by_id",
    "hasChildActivities": "has_child_activities",
    "createdFrom": "created_from",
    "createdTo": "created_to",
    "connectedSystem": "connected_system",
    "runProfile": "run_profile",
    "initiatedBy": "initiated_by",
    "scheduledOnly": "scheduled_only",
    "scheduleId": "schedule_id",
}
"""Each parameter the specs declare and the Params field it fills."""


def set_params(scope: Scope, params: Params) -> None:
    scope[PARAMS] = params


NO_PARAMS = Params()


def params(scope: Scope) -> Params:
    """The validated parameters (the empty default where no validation ran)."""
    found: Params = scope.get(PARAMS, NO_PARAMS)
    return found


@dataclass(slots=True)
class Notes:
    """What an inner layer learns that an outer one needs once the answer is sent.

    Left on the scope by the outermost layer, so every layer shares it: Connexion's routing hands
    the layers below it a copy of the scope, and a key set on that copy never reaches the layers above."""

    shared_state_failed: bool = False
    """Redis failed this request: the journal neither waits for it again nor logs it twice."""


def notes(scope: Scope) -> Notes:
    found: Notes | None = scope.get(NOTES)
    if found is None:
        found = scope[NOTES] = Notes()
    return found


def mark_shared_state_failed(scope: Scope) -> None:
    notes(scope).shared_state_failed = True


def shared_state_failed(scope: Scope) -> bool:
    return notes(scope).shared_state_failed
