"""The errors stage: whatever a layer below raises before its answer has started becomes the profile's error body."""

from __future__ import annotations

from collections.abc import Callable

from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class RenderErrors:
    """The errors stage: whatever a layer below raises before its answer has started is answered by `render`.

    One layer in place of Connexion's two (ServerErrorMiddleware, ExceptionMiddleware), which would
    call the same one handler for every class and status, after a trip through a thread pool."""

    def __init__(self, app: ASGIApp, render: Callable[[ConnexionRequest, Exception], ConnexionResponse]) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            if started:
                raise  # half an answer is on the wire: only closing the connection can say more
            rendered = self.render(ConnexionRequest(scope, receive), exc)
            exc.__traceback__ = None  # nothing keeps the frames of a request already answered
            response = Response(
                content=rendered.body,
                status_code=rendered.status_code,
                media_type=rendered.mimetype,
                headers=rendered.headers,
            )
            await response(scope, receive, send)
