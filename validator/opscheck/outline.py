"""A runbook body's outline: its headings and its links, with their lines.

Most runbooks are headings and plain paragraphs; those are outlined by reading their lines,
exactly as the CommonMark parser would outline them. Anything else (lists, code, quotes,
HTML, links, tabs) goes through markdown-it, imported only then.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token


class Heading(NamedTuple):
    level: int
    text: str
    line: int


class Link(NamedTuple):
    target: str
    line: int


# An ATX heading whose text holds no '#' (so no closing sequence to strip) and nothing but spaces
# around it.
_HEADING = re.compile(r"(#{1,6}) +([^#]*?) *")
# Text that cannot be, hold or open a heading: a line (maybe indented, maybe a list item's first
# line) that starts with a character that opens no block, or with a code span. The others open or
# may open a heading, a fence, a quote, a list item, a rule or HTML; three backticks, a fence.
_TEXT = re.compile(r" *(?:[-*+] +|\d{1,9}[.)] +)?(?:[^-#>+*_=`~<\[\s\d]|`(?!``))")
_SPECIAL = re.compile(r"[\t\r\0\[<]")  # tabs, other line ends, NULs, links and HTML need the parser


class Outliner:
    """Outlines bodies; the markdown-it parser is made on first need and reused."""

    def __init__(self) -> None:
        self._parser: MarkdownIt | None = None

    def __call__(self, body: str, first_line: int) -> tuple[list[Heading], list[Link]]:
        """Headings and links of ``body``, whose first line is line ``first_line`` (0-based) of its file."""
        simple = simple_headings(body, first_line)
        if simple is not None:
            return simple, []
        return self._parsed(body, first_line)

    @property
    def parser(self) -> MarkdownIt:
        if self._parser is None:
            from markdown_it import MarkdownIt

            # Headings need only the block parser; inline parsing runs only where a link may be.
            self._parser = MarkdownIt("commonmark").disable("inline")
        return self._parser

    def _parsed(self, body: str, first_line: int) -> tuple[list[Heading], list[Link]]:
        parser = self.parser
        headings: list[Heading] = []
        links: list[Link] = []
        env: dict[str, Any] = {}  # the block parser stores link reference definitions here for [text][label]
        tokens = parser.parse(body, env)
        for i, tok in enumerate(tokens):
            if tok.type == "heading_open" and tok.map:
                headings.append(Heading(int(tok.tag[1:]), tokens[i + 1].content.strip(), tok.map[0] + first_line + 1))
            elif tok.type == "inline" and tok.map and ("[" in tok.content or "<" in tok.content):
                breaks = 0
                children: list[Token] = []
                parser.inline.parse(tok.content, parser, env, children)
                for child in children:
                    if child.type in ("softbreak", "hardbreak"):
                        breaks += 1
                    elif child.type in ("link_open", "image"):
                        href = str(child.attrs.get("href" if child.type == "link_open" else "src", ""))
                        links.append(Link(href, tok.map[0] + first_line + 1 + breaks))
        return headings, links


def simple_headings(body: str, first_line: int) -> list[Heading] | None:
    """The headings of a body made only of blank lines, plain ATX headings and lines of text
    (``_TEXT``, holding no link); None for any other body."""
    if _SPECIAL.search(body):
        return None
    headings: list[Heading] = []
    for n, line in enumerate(body.split("\n")):
        if not line.strip(" ") or _TEXT.match(line):
            continue
        found = _HEADING.fullmatch(line)
        if found is None:
            return None
        headings.append(Heading(len(found[1]), found[2].strip(), n + first_line + 1))
    return headings
