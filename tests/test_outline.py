"""Runbook outlines: the quick reading of plain bodies agrees with the CommonMark parser."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from opscheck.outline import Heading, Outliner, simple_headings

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


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=12), st.integers(0, 5))
def test_quick_outline_agrees_with_the_parser(lines: list[str], first_line: int) -> None:
    body = "\n".join(lines) + "\n"
    outline = Outliner()
    assert outline(body, first_line) == outline._parsed(body, first_line)


def test_plain_runbook_needs_no_parser() -> None:
    body = "# pipe runbook\n\n## Overview\n\nWhat it computes.\nWho reads it.\n\n## Escalation  \n"
    assert simple_headings(body, 4) == [Heading(1, "pipe runbook", 5), Heading(2, "Overview", 7),
                                        Heading(2, "Escalation", 12)]
    assert simple_headings("See [the docs](x)\n", 0) is None
    assert simple_headings("# T\n`pipe` computes it.\n", 0) == [Heading(1, "T", 1)]
    assert simple_headings("```\n# not a heading\n```\n", 0) is None
    assert simple_headings("# T\n- `a`, then\n  b\n1. step\n", 0) == [Heading(1, "T", 1)]
    assert simple_headings("- item\n\n  # inside the item\n", 0) is None
