"""uvicorn's HTTP protocol, but a request it cannot parse is answered with the JIM envelope, not plain text."""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from mockserver import errors

PROTOCOL = "mockserver.wire:EnvelopeHttpToolsProtocol"
"""For uvicorn's `http` option; an import string, so worker processes load it too."""


class EnvelopeHttpToolsProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        # Unparseable requests (a malformed request line, method or header) never reach the app.
        body = errors.envelope_bytes(errors.validation_error({"request": [f"Not a valid HTTP request: {msg}"]}))
        content = [STATUS_LINE[400]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: application/json\r\n",
                b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()
