"""Runbook outlines: the quick reading of plain bodies agrees with the CommonMark parser."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from opscheck.outline import Heading, Outliner, simple_headings

LINES = [
    "", "  ", "# Title", "## Sub title  ", "###### Six", "####### Seven", "#NoSpace", "#", "# a # b", " # lead",
    "text line", "Text with `code`, *em* and &amp;", "- item", "1. item", "    indented", "```", "~~~", "> quote",
    "===", "---", "***", "<div>", "[ref]: /x", "Tab\there", "Para [link](/x)", "Ünïcode words", "_under_",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=12), st.integers(0, 5))
def test_quick_outline_agrees_with_the_parser(lines: list[str], first_line: int) -> None:
    body = "\n".join(lines) + "\n"
    outline = Outliner()
    assert outline(body, first_line) == outline._parsed(body, first_line)


def test_plain_runbook_needs_no_parser() -> None:
    body = "# pipe runbook\n\n## Overview\n\nWhat it computes.\nWho reads it.\n\n## Escalation  \n"
    assert simple_headings(body, 4) == [Heading(1, "pipe runbook", 5), Heading(2, "Overview", 7),
                                        Heading(2, "Escalation", 12)]
    assert simple_headings("Text\n- a list\n", 0) is None
    assert simple_headings("See [the docs](x)\n", 0) is None
