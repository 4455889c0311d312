"""The one bounded memo: what it keeps, what it never keeps, and the figures every stage's memo reports."""

from __future__ import annotations

import pytest
from starlette.responses import Response

from mockserver.api.handlers import JsonAnswer
from mockserver.app import create_app
from mockserver.memo import Memo, Memos
from mockserver.profiles import PROFILES
from mockserver.settings import Settings
from tests.conftest import ADMIN, SEED_ACTIVITY

ITEMS = f"/api/v1/activities/{SEED_ACTIVITY}/items"


def test_a_memo_keeps_at_most_its_bound_the_least_recently_used_out_first() -> None:
    memo: Memo[str, int] = Memo("letters", 2)
    memo.put("a", 1)
    memo.put("b", 2)
    assert memo.get("a") == 1  # "a" is now the most recently used
    memo.put("c", 3)
    assert (memo.get("b"), memo.get("a"), memo.get("c")) == (None, 1, 3)
    figures = memo.figures()
    assert (figures.entries, figures.bound, figures.evictions) == (2, 2, 1)
    assert (figures.hits, figures.misses) == (3, 1)


def test_the_figures_line_says_bound_entries_hits_and_misses() -> None:
    memo: Memo[str, int] = Memo("routes", 10)
    memo.put("a", 1)
    memo.get("a")
    memo.get("b")
    assert memo.figures().line() == "memo routes: 1 of 10 kept, 1 hits, 1 misses (50.0% hit), 0 evicted"


def test_a_bound_below_one_and_a_name_given_twice_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Memo("none", 0)
    memos = Memos()
    memos.new("routes", 1)
    with pytest.raises(ValueError, match="already exists"):
        memos.new("routes", 1)


def test_every_stage_that_repeats_work_keeps_it_in_the_apps_memos() -> None:
    app = create_app(Settings(access_log=False))
    with app.test_client() as client:
        for _ in range(3):
            assert client.get(ITEMS, params={"pageSize": 7}, headers=ADMIN).status_code == 200
    figures = {f.name: f for f in app.memos}
    assert set(figures) == {"routes", "parameters", "item pages"}
    for name in figures:
        assert (figures[name].misses, figures[name].hits, figures[name].entries) == (1, 2, 1), name


def test_a_refused_query_is_parsed_afresh_every_time() -> None:
    app = create_app(Settings(access_log=False))
    with app.test_client() as client:
        for _ in range(3):
            assert client.get(ITEMS, params={"page": "x"}, headers=ADMIN).status_code == 400
    parameters = app.memos.by_name["parameters"].figures()
    assert (parameters.entries, parameters.hits, parameters.misses) == (0, 0, 3)


def test_a_refused_caller_is_refused_again_on_a_route_remembered() -> None:
    with create_app(Settings(access_log=False)).test_client() as client:
        assert client.get(ITEMS, headers=ADMIN).status_code == 200
        assert client.get(ITEMS).status_code == 401
        assert client.get(ITEMS, headers={"X-Api-Key": "jim_ak_sandbox_reader"}).status_code == 403


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_a_json_answer_carries_the_header_lines_starlette_would_send(profile: str) -> None:
    chosen = PROFILES[profile]
    headers = dict(chosen.api_headers or {})
    expected = Response(content=b'{"a":1}', media_type=chosen.json_media_type, headers=headers).raw_headers
    head = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
    content_type = (b"content-type", chosen.json_media_type.encode("latin-1"))
    assert JsonAnswer(b'{"a":1}', head, content_type).raw_headers == expected
