"""The Date header of every answer, from the world's clock: uvicorn's own (the wall's) is off (serving.py)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mockserver.errors import Now
from mockserver.http import http_date

DATE = b"date"


class DateHeader:
    """The outermost layer: every answer the app gives, errors and admin routes included, is dated by the world.

    The connection's own refusals (400, 408, 414, 431), which never reach the app, are dated the same way by
    mockserver/compat/uvicorn_protocol.py. The value is formatted once per second of the world's time."""

    def __init__(self, app: ASGIApp, now: Now) -> None:
        self.app = app
        self.now = now
        self.second, self.value = -1, b""

    def date(self) -> tuple[bytes, bytes]:
        moment = self.now()
        second = int(moment.timestamp())
        if second != self.second:
            self.second, self.value = second, http_date(moment)
        return DATE, self.value

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                # A new message, not the one given: a response may send the same header list more than once.
                message = {**message, "headers": [self.date(), *message.get("headers", ())]}
            await send(message)

        await self.app(scope, receive, dated)
