"""The JIM error envelope and the catalogue of every error the server sends, rendered in one place."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from http import HTTPStatus
from typing import Protocol

import orjson
from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from mockserver.http import JSON, in_method_order
from mockserver.text import printable, quoted

logger = logging.getLogger("mockserver.errors")

GENERIC_VALIDATION_MESSAGE = "One or more validation errors occurred."


class JimError(ProblemException):  # type: ignore[misc]
    """An error answered with the JIM envelope; raise one of the catalogue's constructors below."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        validation_errors: Mapping[str, Sequence[str]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status=status, title=code, detail=message, headers=dict(headers or {}))
        self.code = code
        self.message = message
        self.validation_errors = {k: list(v) for k, v in validation_errors.items()} if validation_errors else None

    def __repr__(self) -> str:
        return f"JimError({self.status}, {self.code}, {self.message!r})"


# The catalogue. Each function is one row of the error table in docs/api.md.


def validation_error(errors: Mapping[str, Sequence[str]], message: str = GENERIC_VALIDATION_MESSAGE) -> JimError:
    return JimError(400, "VALIDATION_ERROR", message, validation_errors=errors)


def too_many_parameters(limit: int) -> JimError:
    return validation_error({"query": [f"The query has more than {limit} parameters."]})


def not_run_profile() -> JimError:
    return JimError(400, "BAD_REQUEST", "Execution items are only available for Run Profile activities.")


def stats_not_run_profile() -> JimError:
    return JimError(400, "BAD_REQUEST", "Execution statistics are only available for Run Profile activities.")


def unauthorised() -> JimError:
    # One message for every cause (missing, unknown, disabled, expired): no oracle.
    return JimError(401, "UNAUTHORISED", "Authentication required. Send a valid API key in the X-Api-Key header.")


def forbidden() -> JimError:
    return JimError(403, "FORBIDDEN", "Insufficient permissions. The Administrator role is required.")


# The admin routes' own (admin-openapi.yaml): the admin token is not the API's key.


def admin_token_required() -> JimError:
    return JimError(
        401,
        "UNAUTHORISED",
        "Admin token required. Send the server's admin token as Authorization: Bearer TOKEN.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def admin_token_wrong() -> JimError:
    return JimError(403, "FORBIDDEN", "The admin token sent is not this server's.")


def admin_closed() -> JimError:
    return JimError(
        403,
        "FORBIDDEN",
        "The admin routes are closed: this server is bound beyond loopback and was given no admin token"
        " (MOCKSERVER_ADMIN_TOKEN).",
    )


def sandbox_not_found(sandbox_id: str, idle_seconds: float) -> JimError:
    return JimError(
        404,
        "NOT_FOUND",
        f"No private sandbox {quoted(sandbox_id)}: it never existed, was deleted, or ended after {idle_seconds:,g}"
        " seconds unused.",
    )


def sandboxes_full(bound: int) -> JimError:
    return JimError(
        409,
        "CONFLICT",
        f"The server keeps at most {bound:,} private sandboxes at once: delete one you no longer need, or wait until"
        " an idle one ends.",
    )


def activity_not_found(activity_id: str) -> JimError:
    return JimError(404, "NOT_FOUND", f"Activity with ID {activity_id} not found.")


def connected_system_not_found(system_id: int) -> JimError:
    return JimError(404, "NOT_FOUND", f"Connected System with ID {system_id} not found.")


def run_profile_not_found(run_profile_id: int, system_id: int) -> JimError:
    # SynchronisationController.ExecuteRunProfileAsync's words.
    return JimError(
        404, "NOT_FOUND", f"Run Profile with ID {run_profile_id} not found for Connected System {system_id}."
    )


def worker_task_not_found(task_id: str) -> JimError:
    # WorkerTasksController's words.
    return JimError(404, "NOT_FOUND", f"Worker task with ID {task_id} not found.")


def schedule_not_found(schedule_id: str) -> JimError:
    # SchedulesController.GetByIdAsync's and RunAsync's words.
    return JimError(404, "NOT_FOUND", f"Schedule not found: {schedule_id}")


def schedule_has_no_steps() -> JimError:
    # SchedulesController.RunAsync's words.
    return JimError(400, "BAD_REQUEST", "Cannot run a schedule with no steps")


def schedule_execution_not_found(execution_id: str) -> JimError:
    # ScheduleExecutionsController's words.
    return JimError(404, "NOT_FOUND", f"Schedule execution not found: {execution_id}")


def cannot_cancel_execution(status: str) -> JimError:
    # ScheduleExecutionsController.CancelAsync's words: only a Queued or InProgress execution can be cancelled.
    return JimError(400, "BAD_REQUEST", f"Cannot cancel execution with status: {status}")


def runs_full(bound: int, what: str = "started runs") -> JimError:
    # JIM answers 400 with its reason when a task cannot be created; the sandbox's reason is its bound.
    return JimError(400, "BAD_REQUEST", f"The sandbox keeps at most {bound:,} {what}: restart it to start more.")


def path_not_found(path: str) -> JimError:
    return JimError(404, "NOT_FOUND", f"No resource exists at {quoted(path)}.")


def method_not_allowed(method: str, allow: str) -> JimError:
    return JimError(
        405,
        "METHOD_NOT_ALLOWED",
        f"Method {quoted(method)} is not allowed here. Allowed methods are {allow}.",
        headers={"Allow": allow},
    )


# Answered by the connection, before any route: a request too slow or too big to read.


def request_timeout(seconds: float) -> JimError:
    return JimError(
        408, "REQUEST_TIMEOUT", f"The request was not received in time: send it within {seconds:g} seconds."
    )


def uri_too_long(limit: int) -> JimError:
    return JimError(414, "URI_TOO_LONG", f"The request target is longer than {limit:,} bytes.")


def headers_too_large(limit: int) -> JimError:
    return JimError(431, "REQUEST_HEADERS_TOO_LARGE", f"The request line and headers are larger than {limit:,} bytes.")


def too_many_requests(retry_after: int) -> JimError:
    return JimError(
        429,
        "TOO_MANY_REQUESTS",
        "Too many requests. Please retry after the indicated delay.",
        headers={"Retry-After": str(retry_after)},
    )


def internal_error() -> JimError:
    # Never the exception's text: it may carry internals.
    return JimError(500, "INTERNAL_ERROR", "An unexpected error occurred.")


SERVICE_RETRY_AFTER = 5
"""Seconds JIM's Retry-After asks for with the 503 of a database outage."""


def service_unavailable(retry_after: int = SERVICE_RETRY_AFTER) -> JimError:
    # What JIM answers while its database is unreachable.
    return JimError(
        503,
        "SERVICE_UNAVAILABLE",
        "The service is temporarily unavailable. Please retry after the indicated delay.",
        headers={"Retry-After": str(retry_after)},
    )


Now = Callable[[], datetime]
"""The world's clock (`Store.now`): every time an answer carries is read from it, never from the wall."""


def timestamp(now: datetime) -> str:
    """UTC with milliseconds and a trailing Z, as JIM writes times."""
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def envelope_bytes(error: JimError, now: datetime) -> bytes:
    return orjson.dumps(
        {
            "code": error.code,
            "message": error.message,
            "details": None,
            "validationErrors": error.validation_errors,
            "timestamp": timestamp(now),
        }
    )


def wire_bytes(error: JimError, now: datetime, headers: Sequence[tuple[bytes, bytes]] = ()) -> bytes:
    """The error as a whole HTTP/1.1 response that closes the connection: for answers given before any app runs."""
    body = envelope_bytes(error, now)
    lines = [f"HTTP/1.1 {error.status_code} {HTTPStatus(error.status_code).phrase}".encode("ascii")]
    lines += [name + b": " + value for name, value in headers]
    lines += [f"content-type: {JSON}".encode("ascii"), b"content-length: %d" % len(body), b"connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def as_jim_error(request: ConnexionRequest, exc: Exception) -> JimError:
    """Translate whatever was raised (ours, Connexion's, Starlette's, or a bug) into a catalogue error."""
    if isinstance(exc, JimError):
        return exc
    status = getattr(exc, "status_code", None) if isinstance(exc, HTTPException) else None
    if status == 401:
        return unauthorised()
    if status == 403:
        return forbidden()
    if status == 404:
        return path_not_found(request.url.path)
    if status == 405:
        allow = (getattr(exc, "headers", None) or {}).get("Allow", "GET, HEAD")
        return method_not_allowed(request.method, in_method_order(allow))
    if status is not None and 400 <= status < 500:
        detail = getattr(exc, "detail", None) or "The request is not valid."
        return validation_error({"request": [quoted(str(detail))]})
    logger.error("unhandled error on %s %s", request.method, printable(quoted(request.url.path)), exc_info=exc)
    return internal_error()


class ErrorStyle(Protocol):
    """How a profile writes a catalogue error on the wire."""

    def response(self, request: ConnexionRequest, error: JimError, now: datetime) -> ConnexionResponse: ...


class EnvelopeStyle:
    """The documented contract: every error is the JIM envelope, application/json."""

    def response(
        self, request: ConnexionRequest, error: JimError, now: datetime, content_type: str = JSON
    ) -> ConnexionResponse:
        return ConnexionResponse(
            status_code=error.status_code,
            mimetype=JSON,
            content_type=content_type,
            body=envelope_bytes(error, now),
            headers=dict(error.headers or {}),
        )


ENVELOPE = EnvelopeStyle()


def error_response(
    request: ConnexionRequest, exc: Exception, *, now: Now, style: ErrorStyle = ENVELOPE
) -> ConnexionResponse:
    """The one error handler, for everything the stack can raise: stamped with the world's time (`now`)."""
    return style.response(request, as_jim_error(request, exc), now())
