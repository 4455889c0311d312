"""The contract as JSON and an offline Swagger UI over it, served beside the API."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import swagger_ui_bundle
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from mockserver import errors
from mockserver.http import JSON, READ_METHODS, REFERENCE_PATH, SPEC_PATH

ASSETS = Path(swagger_ui_bundle.swagger_ui_path)
SERVED_ASSETS = {
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
}

PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>JIM Activities API</title>
  <link rel="stylesheet" href="{REFERENCE_PATH}/swagger-ui.css">
  <link rel="icon" type="image/png" href="{REFERENCE_PATH}/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{REFERENCE_PATH}/swagger-ui-bundle.js"></script>
  <script src="{REFERENCE_PATH}/init.js"></script>
</body>
</html>
"""

# A file rather than an inline script, so a strict Content-Security-Policy can forbid inline code.
# No online validator: its badge is an image from validator.swagger.io, which would send the spec's URL
# out (the docs work offline) and which the docs' Content-Security-Policy refuses anyway.
INIT_JS = f"""window.ui = SwaggerUIBundle({{
  url: "{SPEC_PATH}",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout"
}});
"""


def read_only(handler: Callable[..., Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
    """GET and HEAD only, answered with our 405: these routes sit behind the API's catch-all mount, so
    Starlette's own method check would fall through to a 404."""

    @functools.wraps(handler)
    async def checked(self: Any, request: Request, *args: Any) -> Response:
        if request.method not in READ_METHODS:
            raise errors.method_not_allowed(request.method, ", ".join(READ_METHODS))
        return await handler(self, request, *args)

    return checked


class Docs:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec_json = orjson.dumps(spec)

    @read_only
    async def spec(self, request: Request) -> Response:
        return Response(self.spec_json, media_type=JSON)

    @read_only
    async def page(self, request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name != "init.js" and name not in SERVED_ASSETS:
            raise errors.path_not_found(request.url.path)  # before the method check: nothing is there
        return await self._asset(request, name)

    @read_only
    async def _asset(self, request: Request, name: str) -> Response:
        if name == "init.js":
            return Response(INIT_JS, media_type="text/javascript")
        return FileResponse(ASSETS / name)
