"""Runbook outlines: the quick reading of plain bodies agrees with the CommonMark parser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opscheck import outline as outline_module
from opscheck.outline import MAX_OUTLINE, MAX_PARSED_BYTES, Heading, Link, Outliner, TooLarge, TooMany, simple_outline

LINES = [
    "", "  ", "# Title", "## Sub title  ", "###### Six", "####### Seven", "#NoSpace", "#", "# a # b", " # lead",
    "text line", "Text with `code`, *em* and &amp;", "- item", "1. item", "    indented", "```", "~~~", "> quote",
    "===", "---", "***", "<div>", "[ref]: /x", "Tab\there", "Para [link](/x)", "Ünïcode words", "_under_",
    "`code` first", "``double`` code", "`", "````four", "``` fence", "`a` [link](/x)",
    "- `code` item", "* star item", "+ plus item", "1) paren item", "10. ten", "- # in a list", "-", "- ```",
    "  continued text", "   ```", "  # indented heading", "   - nested item", "  `indented code span`",
    "1234567890. too long", "_ under", "Setext", "=", "-----", "   (in parentheses)", "\\# escaped", "&amp; x",
    '"quoted"', "! bang", "2026 was a year", "| pipe |", "- (paren item)", "\u00a0nbsp", ":colon", "/path",
]
# Lines with links, plain inline ones and others, for the quick reading of links
LINKS = [
    "See [step 1](./x.md) and `code 1` *here*.", "[a](b)", "[a](b) [c](./d.md#e)", "![img](p.png)", "`[a](b)`",
    "`x [a](b)", "[a](b) `y`", "- [a](b)", "-     [a](b)", "    [a](b)", "   [a](b)", "1. [a](b)", "2. [a](b)",
    "# [a](b) title", "## Links `[x]` [y](z)", "[a]: /x", "[a]", "x]", "[a] (b)", "[a](b c)", "[a](<x>)",
    "[a](b(c))", '[a](b "t")', "[](x)", "[a]()", "[a](%zz)", "[a](ü é)", "[a](ü)", "[a](https://Ex.com/x?y=1#z)",
    "[a](javascript:alert)", "[a](data:image/png;base64,x)", "``a [b](c)``", "a `` ` `` [b](c)", "[a](b)`",
    "`` x ` [a](b)", "[*a*](b) *c*", "[a`b](c)`", "[a\\](b)", "\\[a](b)", "[a](b&amp;c)", "[[a](b)]",
    "[a](b)[c](d)", "[a\u00a0b](c)", "  - [a](b)", "    - [a](b)", "1234. [a](b)", "see\u00a0[a](b)",
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=12), st.integers(0, 5))
def test_quick_outline_agrees_with_the_parser(lines: list[str], first_line: int) -> None:
    body = "\n".join(lines) + "\n"
    outline = Outliner()
    assert outline(body, first_line) == outline._parsed(body, first_line)


@settings(max_examples=1500, deadline=None)
@given(st.lists(st.sampled_from(LINES + LINKS * 2), max_size=10), st.integers(0, 5))
def test_quick_outline_of_links_agrees_with_the_parser(lines: list[str], first_line: int) -> None:
    body = "\n".join(lines) + "\n"
    outline = Outliner()
    assert outline(body, first_line) == outline._parsed(body, first_line)


@pytest.mark.parametrize("line", LINKS)
def test_each_kind_of_link_line_agrees_with_the_parser(line: str) -> None:
    outline = Outliner()
    for body in (f"# T\n{line}\n", f"Para\n{line}\n", f"- item\n\n{line}\nmore [x](y)\n"):
        assert outline(body, 2) == outline._parsed(body, 2)


def _never(target: str) -> str:
    raise AssertionError("no link here")


def test_plain_runbook_needs_no_parser() -> None:
    body = "# pipe runbook\n\n## Overview\n\nWhat it computes.\nWho reads it.\n\n## Escalation  \n"
    assert simple_outline(body, 4, _never) == ([Heading(1, "pipe runbook", 5), Heading(2, "Overview", 7),
                                                Heading(2, "Escalation", 12)], [])
    assert simple_outline("# T\n`pipe` computes it.\n", 0, _never) == ([Heading(1, "T", 1)], [])
    assert simple_outline("```\n# not a heading\n```\n", 0, _never) is None
    assert simple_outline("# T\n- `a`, then\n  b\n1. step\n", 0, _never) == ([Heading(1, "T", 1)], [])
    assert simple_outline("- item\n\n  # inside the item\n", 0, _never) is None


def test_plain_links_need_no_parser() -> None:
    """A runbook of 124,000 sections each with a link took the parser 10 s; their lines are read."""
    body = "## Section 1\n\nSee [step 1](./a.md) and `code [x](y)` *here*.\n- [two](c.md) [three](c.md)\n"
    assert simple_outline(body, 3, str.upper) == (
        [Heading(2, "Section 1", 4)], [Link("./A.MD", 6), Link("C.MD", 7), Link("C.MD", 7)])
    for other in ("See [the docs][ref]\n", "[ref]: /x\n", "`a\n[b](c) `\n", "    [a](b)\n", "\\[a](b)\n"):
        assert simple_outline(other, 0, str.upper) is None
    assert simple_outline("[a](javascript:x)\n", 0, lambda target: None) is None


def test_the_parser_reads_a_body_up_to_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dense Markdown (a nested list every few bytes) costs the parser about 11 s a MiB: it reads
    at most MAX_PARSED_BYTES of a body; a plain body of any size is read by its lines."""
    monkeypatch.setattr(outline_module, "MAX_PARSED_BYTES", 64)
    outline = Outliner()
    dense = "- - a\n" * 10  # 60 bytes
    assert outline(dense, 0) == outline._parsed(dense, 0) == ([], [])
    with pytest.raises(TooLarge) as big:
        outline(dense + "> é\n", 0)
    assert big.value.size == 65  # bytes: 64 characters
    plain = "# T\n" + "Some [text](a.md).\n" * 100
    assert outline(plain, 0) == ([Heading(1, "T", 1)], [Link("a.md", n) for n in range(2, 102)])
    assert MAX_PARSED_BYTES == 256 * 1024


@pytest.mark.parametrize("extra", ["", "<b>\n\n"])  # read by its lines, or by the parser
def test_a_body_holds_at_most_so_many_headings_and_links(monkeypatch: pytest.MonkeyPatch, extra: str) -> None:
    """1.15 million links to distinct missing files fit in 10 MiB and took `validate` 26 s."""
    monkeypatch.setattr(outline_module, "MAX_OUTLINE", 4)
    outline = Outliner()
    body = extra + "# T\n[a](a.md) [b](b.md)\n[c](c.md)\n"
    assert len(outline(body, 0)[1]) == 3
    with pytest.raises(TooMany) as many:
        outline(body + "## U\n", 10)
    assert many.value.line == body.count("\n") + 11  # the first past the limit, in the file
    assert MAX_OUTLINE == 100_000
