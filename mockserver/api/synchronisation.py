"""The synchronisation routes a client resolves names through: connected systems (list, detail) and each system's
run profiles, as JIM's SynchronisationController answers them (src/JIM.Web/Controllers/Api/SynchronisationController.cs)
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response
from starlette.types import Scope

from mockserver import errors
from mockserver.scope import params
from mockserver.world.connected_systems import ConnectedSystems
from mockserver.world.paging import Window

Answer = Callable[[bytes], Response]
Refuse = Callable[[errors.JimError], errors.JimError]
Envelope = Callable[[bytes, Window], Response]


class SynchronisationHandlers:
    """Every body is rendered at start-up (world/connected_systems.py); a handler picks one and answers it."""

    def __init__(self, systems: ConnectedSystems, answer: Answer, page: Envelope, refuse: Refuse) -> None:
        """`answer`, `page`, `refuse`: the API's ways of answering a body, a page of rows and an error (handlers.py)."""
        self.systems = systems
        self.answer = answer
        self.page = page
        self.refuse = refuse

    def system_id(self, scope: Scope) -> int:
        # The validator (and, in the jim profile, the {id:int} route) left an Int32.
        return params(scope).connected_system_id or 0

    async def list_connected_systems(self, scope: Scope) -> Response:
        given = params(scope)
        ids = self.systems.select(given.sort_by, given.sort_direction == "desc", given.filter)
        # JIM pages the headers in memory (QueryableExtensions.ToPaginatedResponse): the true total on every page,
        # in either profile.
        window = Window(given.page, given.page_size, len(ids))
        rows = self.systems.rows(ids[window.start : window.stop]) if window.start < window.stop else []
        return self.page(b"[" + b",".join(rows) + b"]", window)

    async def get_connected_system(self, scope: Scope) -> Response:
        system_id = self.system_id(scope)
        body = self.systems.detail(system_id)
        if body is None:
            raise self.refuse(errors.connected_system_not_found(system_id))
        return self.answer(body)

    async def list_run_profiles(self, scope: Scope) -> Response:
        system_id = self.system_id(scope)
        body = self.systems.run_profiles(system_id)
        if body is None:
            raise self.refuse(errors.connected_system_not_found(system_id))
        return self.answer(body)


OPERATIONS = {
    "listConnectedSystems": "synchronisation.list_connected_systems",
    "getConnectedSystem": "synchronisation.get_connected_system",
    "listRunProfiles": "synchronisation.list_run_profiles",
}
"""operationId -> the handler, as a path from the app's Handlers."""
