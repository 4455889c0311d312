"""The private sandboxes' admin routes (admin-openapi.yaml): make one, look at it, end it, read and clear its journal.

POST /__admin/sandboxes answers 201 with the sandbox's id and its key, the only time the key is shown
(`Cache-Control: no-store`); GET /__admin/sandboxes/{id} answers it without the key; DELETE ends it, its journal
with it. /__admin/sandboxes/{id}/requests is that sandbox's journal, read and cleared as /__admin/requests is.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response

from mockserver import errors
from mockserver.controls.journal import Journal, MemoryJournal
from mockserver.controls.journal_routes import JournalRoutes
from mockserver.controls.sandboxes import MemoryRegistry, Registry, Sandbox, SandboxesFull, is_sandbox_id
from mockserver.controls.shared_state import RedisUnavailable
from mockserver.http import JSON, READ_METHODS, SANDBOXES_PATH
from mockserver.world.runs.client_state import ClientStateUnavailable

logger = logging.getLogger("mockserver.sandboxes")

Ended = Callable[[str], Awaitable[None]]
"""What else a sandbox takes with it when it is deleted (its runs: the store's client state)."""


class SandboxRoutes:
    def __init__(
        self,
        registry: Registry,
        journal: Journal,
        read_query: Callable[[bytes], dict[str, str]],
        ended: Ended | None = None,
    ) -> None:
        self.registry = registry
        self.journal = journal
        self.ended = ended
        self.journal_routes = JournalRoutes(journal, read_query=read_query)
        if isinstance(registry, MemoryRegistry) and isinstance(journal, MemoryJournal):
            # A sandbox's entries end with it (in Redis, they expire with it).
            registry.ended.append(journal.forget)
            journal.alive = registry.alive

    def described(self, sandbox: Sandbox) -> dict[str, object]:
        return {
            "id": sandbox.id,
            "idleSeconds": self.registry.idle_seconds,
            "journalCapacity": self.journal.capacity,
            "requestsPath": f"{SANDBOXES_PATH}/{sandbox.id}/requests",
        }

    async def collection(self, request: Request) -> Response:
        """POST /__admin/sandboxes."""
        if request.method != "POST":
            raise errors.method_not_allowed(request.method, "POST")
        try:
            sandbox, key = await self.registry.create()
        except SandboxesFull as exc:
            raise errors.sandboxes_full(exc.bound) from None
        except RedisUnavailable:
            raise errors.service_unavailable() from None
        finally:
            await self.forget_ended()
        location = f"{SANDBOXES_PATH}/{sandbox.id}"
        body = orjson.dumps({**self.described(sandbox), "apiKey": key})
        # Shown once: no cache along the way may keep it.
        headers = {"Location": location, "Cache-Control": "no-store"}
        return Response(body, status_code=201, media_type=JSON, headers=headers)

    async def forget_ended(self) -> None:
        """What sandboxes that ended idle leave behind (their runs), removed once a create finds them ended; should
        Redis fail meanwhile, it is left (and said), never a failure of the create."""
        for sandbox_id in self.registry.take_ended():
            try:
                if self.ended is not None:
                    await self.ended(sandbox_id)
            except (RedisUnavailable, ClientStateUnavailable) as exc:
                logger.warning("private sandbox %s ended idle: its runs not removed, %s", sandbox_id, exc)

    async def member(self, request: Request) -> Response:
        """GET and DELETE /__admin/sandboxes/{id}."""
        if request.method not in (*READ_METHODS, "DELETE"):
            raise errors.method_not_allowed(request.method, "GET, HEAD, DELETE")
        sandbox_id = request.path_params["id"]
        try:
            sandbox = await self.live(sandbox_id)
            if request.method == "DELETE":
                # What it takes with it first: should that fail (503), the sandbox lives on and a retry ends it.
                if self.ended is not None:
                    await self.ended(sandbox_id)
                await self.journal.clear(sandbox_id)
                if not await self.registry.delete(sandbox_id):
                    raise errors.sandbox_not_found(sandbox_id, self.registry.idle_seconds)
                return Response(status_code=204)
        except (RedisUnavailable, ClientStateUnavailable):
            raise errors.service_unavailable() from None
        return Response(orjson.dumps(self.described(sandbox)), media_type=JSON)

    async def requests(self, request: Request) -> Response:
        """GET and DELETE /__admin/sandboxes/{id}/requests: the sandbox's own journal."""
        sandbox_id = request.path_params["id"]
        try:
            await self.live(sandbox_id)
        except RedisUnavailable:
            raise errors.service_unavailable() from None
        return await self.journal_routes.answer(request, sandbox_id)

    async def live(self, sandbox_id: str) -> Sandbox:
        sandbox = await self.registry.get(sandbox_id) if is_sandbox_id(sandbox_id) else None
        if sandbox is None:
            raise errors.sandbox_not_found(sandbox_id, self.registry.idle_seconds)
        return sandbox
