"""A pytest plugin that plants one named bug in the mockserver, so a run of the contract suite can prove it catches it.

Load it with `-p tests.mutants` and name the bug in MOCKSERVER_MUTANT:

    MOCKSERVER_MUTANT=items_unsorted python -m pytest contract_tests -p tests.mutants

With the variable unset or empty it changes nothing. With a mutant set it also builds the
in-process app with `validate_responses=False`, so that the suite's own assertions, not
Connexion's response validation, have to notice the bug. Each mutant is a plain attribute
patch of a mockserver module or class, made in `pytest_configure`, before the contract
suite's `target` fixture imports and calls `create_app`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

import orjson
import pytest
from connexion.lifecycle import ConnexionRequest, ConnexionResponse

import mockserver.app
from mockserver import errors, items, paging, params, synth
from mockserver.settings import Settings

ENV = "MOCKSERVER_MUTANT"
BIG_PAGE = 1_000_000


def page_size_not_capped() -> None:
    # effective_page_size reads the module constant at call time, so patching the constant takes effect.
    paging.MAX_PAGE_SIZE = 1000


def has_next_page_off_by_one() -> None:
    original = paging.Window.envelope_fields

    def envelope_fields(self: paging.Window) -> dict[str, int | bool]:
        fields = original(self)
        fields["hasNextPage"] = self.page <= self.total_pages
        return fields

    paging.Window.envelope_fields = envelope_fields  # type: ignore[method-assign]


def items_unsorted() -> None:
    def stored_page_json(self: items.StoredItems, start: int, stop: int) -> bytes:
        return b"[" + b",".join(reversed(self.encoded[start:stop])) + b"]"

    generated = synth.GeneratedActivity.page_json

    def generated_page_json(self: synth.GeneratedActivity, start: int, stop: int) -> bytes:
        return orjson.dumps(orjson.loads(generated(self, start, stop))[::-1])

    items.StoredItems.page_json = stored_page_json  # type: ignore[method-assign]
    synth.GeneratedActivity.page_json = generated_page_json  # type: ignore[method-assign]


def reader_404_not_403() -> None:
    # auth.check_api_key calls errors.forbidden() through the module, so the patch reaches it.
    def forbidden() -> errors.JimError:
        return errors.JimError(404, "NOT_FOUND", "Activity not found.")

    errors.forbidden = forbidden


def problem_json_errors() -> None:
    # create_app reads errors.render when it wires the handlers, which happens after this patch.
    def render(request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
        error = errors.as_jim_error(request, exc)
        problem = {"type": "about:blank", "title": error.code, "status": error.status_code, "detail": error.message}
        return ConnexionResponse(
            status_code=error.status_code,
            mimetype="application/problem+json",
            content_type="application/problem+json",
            body=orjson.dumps(problem),
            headers=dict(error.headers or {}),
        )

    errors.render = render


def huge_page_500() -> None:
    original = paging.effective_page

    def effective_page(page: int | None) -> int:
        if page is not None and page > BIG_PAGE:
            raise OverflowError(f"page {page} overflows the row offset")
        return original(page)

    paging.effective_page = effective_page


def total_count_zero_past_last_page() -> None:
    original = paging.Window.envelope_fields

    def envelope_fields(self: paging.Window) -> dict[str, int | bool]:
        if self.total_count and self.start >= self.total_count:
            return original(paging.Window(self.page, self.page_size, 0))
        return original(self)

    paging.Window.envelope_fields = envelope_fields  # type: ignore[method-assign]


def first_value_loses() -> None:
    def last_values(query_string: bytes) -> dict[str, str]:
        return dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))

    params.first_values = last_values


def depth_ceiling_off_by_one() -> None:
    original = paging.depth_error

    def depth_error(page: int, page_size: int) -> str | None:
        if (page - 1) * page_size == paging.MAX_DEPTH:  # `>=` where the contract says `>`
            message = original(page + 1, page_size)
            return message and message.replace(f"Page {page + 1:,}", f"Page {page:,}", 1)
        return original(page, page_size)

    paging.depth_error = depth_error


def only_first_validation_error() -> None:
    original = errors.validation_error

    def validation_error(
        problems: Mapping[str, Sequence[str]], message: str = errors.GENERIC_VALIDATION_MESSAGE
    ) -> errors.JimError:
        first = next(iter(problems))
        return original({first: problems[first]}, message)

    errors.validation_error = validation_error


MUTANTS: dict[str, tuple[str, Callable[[], None]]] = {
    "page_size_not_capped": ("pageSize above 100 is not capped (cap raised to 1000)", page_size_not_capped),
    "has_next_page_off_by_one": ("hasNextPage is page <= totalPages", has_next_page_off_by_one),
    "items_unsorted": ("the items of a page come in descending id order", items_unsorted),
    "reader_404_not_403": (
        "a valid key without the Administrator role gets 404 NOT_FOUND, not 403",
        reader_404_not_403,
    ),
    "problem_json_errors": (
        "errors are application/problem+json {type,title,status,detail}, not the JIM envelope",
        problem_json_errors,
    ),
    "huge_page_500": ("a page number above 1,000,000 crashes into a 500", huge_page_500),
    "total_count_zero_past_last_page": (
        "pages past the last report totalCount 0 (real JIM, not the contract)",
        total_count_zero_past_last_page,
    ),
    "first_value_loses": ("a repeated query parameter takes its last value", first_value_loses),
    "depth_ceiling_off_by_one": ("skipping exactly 1,000,000 rows is rejected", depth_ceiling_off_by_one),
    "only_first_validation_error": (
        "only the first bad parameter is reported in validationErrors",
        only_first_validation_error,
    ),
}


def without_response_validation() -> None:
    original = mockserver.app.create_app

    def create_app(settings: Settings, *args: Any, **kwargs: Any) -> Any:
        return original(settings.model_copy(update={"validate_responses": False}), *args, **kwargs)

    create_app.__wrapped__ = original  # type: ignore[attr-defined]
    mockserver.app.create_app = create_app


def selected() -> str | None:
    return os.environ.get(ENV) or None


def pytest_configure(config: pytest.Config) -> None:
    name = selected()
    if name is None:
        return
    if name not in MUTANTS:
        raise pytest.UsageError(f"{ENV}={name!r} is not a mutant; valid names: {', '.join(sorted(MUTANTS))}")
    if config.getoption("base_url", default=None):
        raise pytest.UsageError(f"{ENV} patches the in-process app; it cannot apply with --base-url")
    without_response_validation()
    MUTANTS[name][1]()


def pytest_report_header(config: pytest.Config) -> str | None:
    name = selected()
    return f"mutant: {name} ({MUTANTS[name][0]})" if name in MUTANTS else None
