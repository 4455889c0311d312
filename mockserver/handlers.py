"""The operationId targets: the mock stage, after Connexion has routed, authenticated and validated."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response
from starlette.types import Scope

from mockserver import errors
from mockserver.paging import Window
from mockserver.params import SCOPE_KEY
from mockserver.store import Store

JSON = "application/json"


def json_response(body: bytes) -> Response:
    return Response(content=body, media_type=JSON)


class Handlers:
    """One instance per app, so handlers see that app's store and nothing global."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def resolve(self, operation_id: str) -> Any:
        return getattr(self, OPERATIONS[operation_id])

    async def list_execution_items(self, scope: Scope) -> Response:
        # The validator left the effective values (GUID lower-cased, paging defaulted and capped).
        params = scope["extensions"][SCOPE_KEY]
        activity = self.store.activity(params["id"])
        if activity is None:
            raise errors.activity_not_found(params["id"])
        if not activity.is_run_profile:
            raise errors.not_run_profile()
        items = activity.items
        window = Window(params["page"], params["pageSize"], items.count if items else 0)
        page = items.page_json(window.start, window.stop) if items and window.start < window.stop else b"[]"
        return json_response(orjson.dumps({"items": orjson.Fragment(page), **window.envelope_fields()}))

    async def get_health(self, scope: Scope) -> Response:
        return json_response(orjson.dumps({"status": "healthy", "timestamp": errors.timestamp()}))


OPERATIONS = {
    "listExecutionItems": "list_execution_items",
    "getHealth": "get_health",
}
