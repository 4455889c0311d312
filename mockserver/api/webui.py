"""The jim profile's answer to an id its route does not take: JIM routes activities by `{id:guid}` and connected
systems by `{connectedSystemId:int}`, so anything else falls through to its web UI."""

from __future__ import annotations

from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from mockserver import errors
from mockserver.api.binding import guid
from mockserver.compat import routed_operation_id
from mockserver.scope import caller
from mockserver.world.connected_systems import dotnet_int

PAGE = (
    '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>JIM</title></head>\n'
    "<body><p>JIM's web UI answers here (a stand-in: this sandbox serves only the API). "
    "The path has a value where the API expects a GUID or an integer, so no API route matched it.</p></body>\n</html>\n"
)


def file_name(path: str) -> bool:
    """Whether the last segment looks like a file's name (a dot with something other than dots after it):
    ASP.NET's `nonfile` constraint, which JIM's fallback route (`MapFallbackToPage`, `{*path:nonfile}`) carries, so
    such a path reaches no endpoint and is a 404."""
    last = path.rsplit("/", 1)[-1]
    dot = last.find(".")
    return dot >= 0 and last[dot + 1 :].strip(".") != ""


class WebUiFallback:
    """Between routing and authentication: an operation's `id` that is not a GUID, or `connectedSystemId` that is
    not an Int32, never reaches the API.

    The web UI's host page needs a signed-in user but no role: without a usable key it is JIM's 401,
    with any usable key (even one without the Administrator role) it is the page, 200 text/html.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and routed_operation_id(scope) is not None:
            path_params = scope.get("path_params", {})
            if not routed(path_params):
                if file_name(scope["path"]):
                    raise errors.path_not_found(scope["path"])
                if caller(scope).key is None:
                    raise errors.unauthorised()
                await HTMLResponse(PAGE)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def routed(path_params: dict[str, object]) -> bool:
    """Whether JIM's route constraints take the path's ids; each that does is left as the route binds it."""
    activity_id = path_params.get("id")
    if activity_id is not None:
        parsed = guid(str(activity_id))
        if parsed is None:
            return False
        # JIM's route binds a Guid, whatever its form; the jim spec types id as a plain string.
        path_params["id"] = parsed
    for name in ("connectedSystemId", "runProfileId"):
        value = path_params.get(name)
        if value is not None:
            # ASP.NET's {…:int}: int.TryParse with NumberStyles.Integer (white space either side, a sign), then bound.
            number = dotnet_int(str(value))
            if number is None:
                return False
            path_params[name] = str(number)
    return True
