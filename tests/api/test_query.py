"""The query parser the parameter rules read: urllib's reading of a query, done without unquoting what needs none."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mockserver import errors
from mockserver.api.params import first_values, query_pairs
from mockserver.http import MAX_QUERY_PARAMETERS

PIECES = st.sampled_from(["a", "B", "=", "&", "&&", "+", "%", "%2", "%20", "%zz", "%e9", "%C3%A9", ";", "\xe9", "\x00"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(PIECES, max_size=24).map("".join))
@example("a&&b=&=c&d=e=f")  # empty fields, a blank value, a blank name, an `=` inside a value
def test_query_pairs_read_a_query_as_parse_qsl_does(text: str) -> None:
    raw = text.encode("latin-1")
    assert query_pairs(raw) == parse_qsl(raw.decode("latin-1"), keep_blank_values=True)


def test_the_first_value_of_a_repeated_parameter_wins() -> None:
    assert first_values(b"page=2&page=3&pageSize=%31%30") == {"page": "2", "pageSize": "10"}


def test_keys_fold_to_lower_case_when_asked() -> None:
    assert first_values(b"PAGE=2&page=3", fold_case=True) == {"page": "2"}


def test_more_parameters_than_the_ceiling_is_the_catalogues_400() -> None:
    assert len(first_values(b"&".join([b"a=1"] * MAX_QUERY_PARAMETERS))) == 1
    with pytest.raises(errors.JimError) as refused:
        first_values(b"&".join([b"a=1"] * (MAX_QUERY_PARAMETERS + 1)))
    assert refused.value.status_code == 400
