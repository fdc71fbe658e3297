"""The streaming loader agrees with PyYAML: the same data as its safe constructor and the same
marks as its composed node tree, for documents written in every style PyYAML can write."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from opscheck import compose, places
from opscheck.compose import MAX_DEPTH, MAX_FAILURES, MAX_LIST_ENTRIES, build
from opscheck.source import parse_yaml

KEYS = st.sampled_from(["id", "name", "week", "start", "engineer", "time_off", "a", "b", "<<x", "on", "null"])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12),
    st.sampled_from(["2027-01-04", "09:00", "9:00", "0x1f", "1_000", "~", "yes", "", "a b", "- x"]),
)
DATA = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=25,
)
STYLES = [{"default_flow_style": False}, {"default_flow_style": True}, {"default_flow_style": None, "indent": 4}]


def _paths(node: yaml.Node, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], yaml.Node, yaml.Node | None]]:
    """Every (path, value node, key node) in a composed tree."""
    out: list[tuple[tuple[Any, ...], yaml.Node, yaml.Node | None]] = []
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            if k.value in seen:  # marks point at the first of a repeated key
                continue
            seen.add(k.value)
            out.append(((*path, k.value), v, k))
            out += _paths(v, (*path, k.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out.append(((*path, i), item, None))
            out += _paths(item, (*path, i))
    return out


@settings(max_examples=150, deadline=None)
@given(DATA, st.sampled_from(STYLES))
def test_data_and_marks_match_pyyaml(data: Any, style: dict[str, Any]) -> None:
    text = yaml.safe_dump({"root": data}, sort_keys=False, allow_unicode=True, **style)
    built = build(text)
    assert built.failures == []
    assert built.data == yaml.load(text, Loader=yaml.CSafeLoader)
    doc = parse_yaml("f.yaml", text)
    root = yaml.compose(text, Loader=yaml.CSafeLoader)
    for path, value, key in _paths(root):
        assert doc.mark(path) == (value.start_mark.line + 1, value.start_mark.column + 1), path
        if key is not None:
            assert doc.mark(path, key=True) == (key.start_mark.line + 1, key.start_mark.column + 1), path


@settings(max_examples=60, deadline=None)
@given(st.lists(DATA, min_size=2, max_size=4), st.sampled_from(STYLES), st.randoms(use_true_random=False))
def test_marks_do_not_depend_on_the_order_of_questions(data: list[Any], style: dict[str, Any], rng: Any) -> None:
    """The index reads only as far as each question needs, and one set aside reads its text again."""
    kept, places.MAX_OPEN = places.MAX_OPEN, 1
    try:
        _ask_in_any_order(data, style, rng)
    finally:
        places.MAX_OPEN = kept


def _ask_in_any_order(data: list[Any], style: dict[str, Any], rng: Any) -> None:
    texts = [yaml.safe_dump({"root": d, "tail": [1, {"id": "x"}]}, sort_keys=False, **style) for d in data]
    docs = [parse_yaml("f.yaml", text) for text in texts]
    questions = [(n, q) for n, text in enumerate(texts) for q in _paths(yaml.compose(text, Loader=yaml.CSafeLoader))]
    rng.shuffle(questions)
    for n, (path, value, key) in questions:
        assert docs[n].mark(path) == (value.start_mark.line + 1, value.start_mark.column + 1), path
        assert docs[n].mark((*path, "missing")) == docs[n].mark(path)
        if key is not None:
            assert docs[n].mark(path, key=True) == (key.start_mark.line + 1, key.start_mark.column + 1), path
    assert docs[0].ident(("tail", 1, "id")) == "tail[id=x].id"


def test_a_question_near_the_top_reads_only_the_top() -> None:
    text = "last_reviewed: 2026-01-05\nfailure_modes:\n" + "".join(f"- {{id: m{n}}}\n" for n in range(1000))
    doc = parse_yaml("f.md", text, line_offset=1)
    assert doc.mark(("last_reviewed",)) == (2, 16)
    assert doc.root is not None and len(doc.root.kinds) < 50
    assert doc.mark(("failure_modes", 999, "id")) == (1003, 8)
    assert len(doc.root.kinds) == 1 + 4 + 1000 * 3


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: 1\n---\nb: 2\n", "but found another document"),
        ("a: *x\n", "found undefined alias"),
        ("a: &x 1\nb: &x 2\n", "second occurrence"),
    ],
)
def test_composer_errors_are_pyyamls(text: str, message: str) -> None:
    with pytest.raises(yaml.YAMLError, match=message):
        yaml.compose(text, Loader=yaml.CSafeLoader)
    doc = parse_yaml("f.yaml", text)
    assert [p.rule for p in doc.problems] == ["OPS001"]
    assert message in doc.problems[0].message


def test_aliases_share_data_and_count_what_they_expand_to() -> None:
    doc = parse_yaml("f.yaml", "a: &a {x: [1, 2]}\nb: *a\nc: {<<: *a, y: 3}\n")
    assert doc.data == {"a": {"x": [1, 2]}, "b": {"x": [1, 2]}, "c": {"x": [1, 2], "y": 3}}
    assert doc.problems == []
    assert doc.mark(("b", "x")) == (1, 11)  # an alias's places are its anchor's, as in a node tree


@pytest.mark.parametrize(
    ("anchored", "alias"),
    [
        (f"a: &x {'t' * 20}\n", "*x"),  # a scalar
        (f"a: &x [[{'t' * 10}], {'t' * 10}]\n", "*x"),  # a collection: its scalars
        (f"a: &x {'t' * 20}\n", "{*x : 1}"),  # a key
        (f"a: &x\n  ? {'t' * 19}\n  : 1\n", "{<<: *x}"),  # merged keys and values
    ],
)
def test_aliases_count_the_characters_they_bring(monkeypatch: pytest.MonkeyPatch, anchored: str, alias: str) -> None:
    """Each alias brings 20 characters: five fit in 100, the sixth is one OPS001 finding where it is."""
    monkeypatch.setattr(compose, "MAX_ALIAS_CHARS", 100)
    within = anchored + "".join(f"b{i}: {alias}\n" for i in range(5))
    assert parse_yaml("f.yaml", within).problems == []
    doc = parse_yaml("f.yaml", within + f"c: {alias}\n")
    assert doc.data is None
    assert [(p.rule, p.line) for p in doc.problems] == [("OPS001", anchored.count("\n") + 6)]
    assert "beyond 100 characters of text (an alias bomb?)" in doc.problems[0].message
    assert compose.MAX_ALIAS_NODES == 10_000


def test_an_alias_cannot_make_data_deeper_than_the_limit() -> None:
    nested = "[" * (MAX_DEPTH - 1) + "1" + "]" * (MAX_DEPTH - 1)
    text = f"a: &deep {nested}\nb: [*deep]\n"
    doc = parse_yaml("f.yaml", text)
    assert doc.data is None
    assert [(p.rule, p.line) for p in doc.problems] == [("OPS001", 2)]
    assert "levels deep" in doc.problems[0].message


@pytest.mark.parametrize("aliases", [False, True])
def test_a_document_holds_at_most_so_many_list_entries(monkeypatch: pytest.MonkeyPatch, aliases: bool) -> None:
    """Every entry of every list counts, whatever it holds (a value, a collection, an alias)."""
    monkeypatch.setattr(compose, "MAX_LIST_ENTRIES", 6)
    anchor = "&x 1" if aliases else "1"
    six = f"a: [{anchor}, {{}}]\nb:\n- []\n- [2]\n- {'*x' if aliases else '4'}\n"
    assert parse_yaml("f.yaml", six).problems == []
    doc = parse_yaml("f.yaml", six + "c: [5]\n")
    assert doc.data is None
    assert [(p.rule, p.line, p.column, p.ident) for p in doc.problems] == [("OPS001", 6, 5, "")]
    assert "more than 6 list entries" in doc.problems[0].message
    assert MAX_LIST_ENTRIES == 100_000


def test_past_so_many_repeated_or_odd_keys_a_file_counts_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """1.75 million repeats of one key fit in 10 MiB and took 15 s and 1 GB to place and name."""
    monkeypatch.setattr(compose, "MAX_FAILURES", 2)
    doc = parse_yaml("f.yaml", "a: 1\na: 2\na: 3\n? [k]\n: 4\na: 5\n")
    assert doc.data == {"a": 5}
    assert [(p.rule, p.line) for p in doc.problems] == [("OPS003", 2), ("OPS003", 3), ("OPS002", 4), ("OPS003", 6)]
    assert doc.problems[2].message.startswith("1 more keys that are not plain values in this file are not listed")
    assert doc.problems[3].message.startswith("1 more repeated keys in this file are not listed (it lists its "
                                              "first 2 such problems)")
    assert compose.MAX_FAILURES == 2 and MAX_FAILURES == 1_000


def test_a_key_that_is_not_plain_skips_its_value_and_names_the_mapping() -> None:
    doc = parse_yaml("f.yaml", "m:\n  ? [k]\n  : {bad: !!python/none x}\n  ok: 1\n")
    assert doc.data == {"m": {"ok": 1}}
    assert [(p.rule, p.line, p.ident) for p in doc.problems] == [("OPS002", 2, "m")]


@pytest.mark.parametrize("text", ["a: {<<: 1, b: 2}\n", "a: {<<: [1, {c: 3}], b: 2}\n", "a: {<<: {c: 3}, b: 2}\n"])
def test_a_merge_of_something_other_than_a_mapping_is_ignored(text: str) -> None:
    expected = yaml.load(text.replace("<<: 1, ", "").replace("[1, {c: 3}]", "{c: 3}"), Loader=yaml.CSafeLoader)
    assert parse_yaml("f.yaml", text).data == expected


@pytest.mark.parametrize(
    "text",
    [
        "a: !!int x\nb: [1\n",  # a value that cannot be read, then a bracket never closed
        "a: &t [*t]\n---\nb: 1\n",  # data that cannot be built, then a second document
        "a: !!bool maybe\nb: *nope\n",  # then an alias to nothing
        "a: &x 1\nb: !!seq {c: 1}\nd: &x 2\n",  # then an anchor defined twice
        "---\nd: {z: 1}\n---\nb: 2\n",  # the first document's content starts on line 2
    ],
)
def test_what_the_parser_refuses_comes_first(text: str) -> None:
    with pytest.raises(yaml.MarkedYAMLError) as refused:
        yaml.compose(text, Loader=yaml.CSafeLoader)
    exc = refused.value
    doc = parse_yaml("f.yaml", text)
    assert [(p.rule, p.line) for p in doc.problems] == [("OPS001", exc.problem_mark.line + 1)]  # type: ignore[union-attr]
    assert str(exc.problem) in doc.problems[0].message
    if exc.context_mark is not None and exc.context_mark.line != exc.problem_mark.line:  # type: ignore[union-attr]
        assert f"on line {exc.context_mark.line + 1}" in doc.problems[0].message
