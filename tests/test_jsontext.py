"""Indented JSON written by jsontext is the standard library's, byte for byte."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opscheck import jsontext

SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text()
KEYS = st.text() | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
                      | st.dictionaries(KEYS, inner, max_size=4), max_leaves=30)


@settings(max_examples=300)
@given(VALUES)
def test_any_value_is_written_as_the_library_writes_it(value: Any) -> None:
    assert jsontext.dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


@pytest.mark.parametrize("value", [object(), {(1, 2): 3}, [set()]])
def test_what_the_library_refuses_is_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        json.dumps(value, indent=2)
    with pytest.raises(TypeError):
        jsontext.dumps(value)


@settings(max_examples=200)
@given(st.lists(VALUES, max_size=6), st.booleans())
def test_a_lazy_list_is_written_as_the_list(items: list[Any], nested: bool) -> None:
    lazy = jsontext.Lazy(iter(items))
    value = {"head": 1, "items": [lazy]} if nested else lazy
    assert jsontext.dumps(value) == json.dumps({"head": 1, "items": [items]} if nested else items, indent=2,
                                               ensure_ascii=False)


def test_a_long_document_is_handed_on_in_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsontext, "FLUSH", 10)
    findings = [{"rule": f"R{n}", "line": n, "where": ["a", {"b": None}]} for n in range(200)]
    pieces: list[str] = []
    jsontext.dump({"summary": {"errors": 200}, "findings": jsontext.Lazy(f for f in findings)}, pieces.append)
    assert len(pieces) > 20  # the text was never one string until here
    assert "".join(pieces) == json.dumps({"summary": {"errors": 200}, "findings": findings}, indent=2,
                                         ensure_ascii=False)
