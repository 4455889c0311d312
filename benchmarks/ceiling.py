"""The ceiling: a bare Starlette app answering each stored GET target with stored bytes under the same uvicorn.

Whatever the mock server spends beyond this app's time is routing, validation, auth and paging:
the part of its cost that is ours to reduce. bench.py writes the bodies file from the mock server's
own responses, so both servers send byte-identical content.

    python benchmarks/ceiling.py --port 9001 --bodies BODIES.json
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

JSON = "application/json"


def load_bodies(path: Path) -> dict[str, bytes]:
    """Read {request target: body text}, as bench.py writes it, into the bytes to send."""
    stored = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(stored, dict) or not stored:
        raise SystemExit(f"ceiling: {path} holds no bodies")
    return {target: body.encode("utf-8") for target, body in stored.items()}


def request_target(request: Request) -> str:
    """The path and raw query string, which is how the bodies are keyed (no query parsing on the hot path)."""
    query: bytes = request.scope.get("query_string", b"")
    path: str = request.scope["path"]
    return path + ("?" + query.decode("latin-1") if query else "")


def create_app(bodies: Mapping[str, bytes]) -> Starlette:
    """One catch-all GET route that looks the target up; anything not stored is a 404."""

    async def stored(request: Request) -> Response:
        body = bodies.get(request_target(request))
        if body is None:
            return Response(b"not a stored target\n", status_code=404, media_type="text/plain")
        return Response(body, media_type=JSON)

    return Starlette(routes=[Route("/{path:path}", stored, methods=["GET"])])


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Flags mirror `mockserver serve` where they overlap, so the two start the same way."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--bodies", type=Path, required=True, help="JSON object: request target -> body text")
    parser.add_argument("--log-level", default="warning", choices=["critical", "error", "warning", "info", "debug"])
    parser.add_argument("--no-access-log", action="store_true", help="accepted for symmetry; there is no access log")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Serve with exactly the uvicorn.run call mockserver makes, so loop and HTTP parser are the same."""
    args = parse_args(argv)
    app = create_app(load_bodies(args.bodies))
    uvicorn.run(app, host=args.host, port=args.port, log_config=None, access_log=False, log_level=args.log_level)


if __name__ == "__main__":
    main()
