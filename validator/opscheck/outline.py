"""A runbook body's outline: its headings and its links, with their lines.

Most runbooks are headings and plain paragraphs, maybe with plain inline links; those are
outlined by reading their lines, exactly as the CommonMark parser would outline them (a link's
target is made an href by the parser's own functions). Anything else (code blocks, quotes,
HTML, reference links, escapes, tabs) goes through markdown-it's parser, imported only then.
That parser takes up to about 11 s and 700 MiB a MiB of dense Markdown (a list item or a
heading every few bytes), so it reads at most ``MAX_PARSED_BYTES`` of a body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
# A '[' opens no block but a link reference definition, which holds no inline link (see _links).
_TEXT = re.compile(r" *(?:[-*+] +|\d{1,9}[.)] +)?(?:[^-#>+*_=`~<\s\d]|`(?!``))")
_SPECIAL = re.compile(r"[\t\r\0<]")  # tabs, other line ends, NULs, HTML and autolinks need the parser
# A plain inline link (or image): no brackets, code, escapes or line breaks in its text, and a
# destination with no spaces, parentheses, escapes or entities, and no title.
_LINK = re.compile(r"\[[^\[\]`\\\n]*\]\(([^\s()<>`\\&\x00-\x1f\x7f]+)\)")
_CODE = re.compile(r"`+")
# A destination the parser's normalizeLink leaves as it is: no scheme, host, escapes or characters to encode.
_PLAIN_HREF = re.compile(r"(?!//)[A-Za-z0-9._~/-]+")
# The indent, list marker and spaces after it before a line's text: deeper is an indented code block.
_LEAD = re.compile(r"( *)(?:(?:[-*+]|\d{1,9}[.)])( +))?")


# The parser's share of the bound on time and memory: at most about 3 s and 180 MiB a body.
MAX_PARSED_BYTES = 256 * 1024


# Headings and links read from a body: each link is looked up (RUN006), and 10 MiB holds 1.15
# million of them, which took `validate` 26 s and 547 MiB.
MAX_OUTLINE = 100_000


class Unread(Exception):
    """A body past a limit, not outlined: where its finding goes (a 1-based line of its file) and what it says."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


class TooLarge(Unread):
    """The body needs the parser and is larger than ``MAX_PARSED_BYTES``."""

    def __init__(self, size: int, line: int) -> None:
        super().__init__(line, f"the runbook's Markdown is {size / 1024:,.0f} KiB and more than headings, text, "
                         f"lists and plain links, so it must go through the Markdown parser, which reads at most "
                         f"{MAX_PARSED_BYTES // 1024} KiB: move long parts (logs, code, tables) into files it "
                         "links to")
        self.size = size


class TooMany(Unread):
    """The body holds more than ``MAX_OUTLINE`` headings and links; ``line`` is the first past them."""

    def __init__(self, line: int) -> None:
        super().__init__(line, f"the runbook has more than {MAX_OUTLINE:,} headings and links, more than "
                         "opscheck reads in one: move long lists of links into files it links to")


class Outliner:
    """Outlines bodies; the markdown-it parser is made on first need and reused."""

    def __init__(self) -> None:
        self._parser: MarkdownIt | None = None

    def __call__(self, body: str, first_line: int) -> tuple[list[Heading], list[Link]]:
        """Headings and links of ``body``, whose first line is line ``first_line`` (0-based) of its file.
        Raises Unread: TooLarge when only the parser can read it and it is over ``MAX_PARSED_BYTES``,
        TooMany past ``MAX_OUTLINE`` headings and links."""
        simple = simple_outline(body, first_line, self.href)
        if simple is not None:
            return simple
        if len(body) * 4 > MAX_PARSED_BYTES and (size := len(body.encode())) > MAX_PARSED_BYTES:
            raise TooLarge(size, first_line + 1)
        headings, links = self._parsed(body, first_line)
        if len(headings) + len(links) > MAX_OUTLINE:
            raise TooMany(sorted([h.line for h in headings] + [link.line for link in links])[MAX_OUTLINE])
        return headings, links

    def href(self, target: str) -> str | None:
        """A link destination as the parser makes it a link's href; None where it makes no link of it."""
        if _PLAIN_HREF.fullmatch(target):
            return target
        href = self.parser.normalizeLink(target)
        return href if self.parser.validateLink(href) else None

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


def simple_outline(body: str, first_line: int,
                   href: Callable[[str], str | None]) -> tuple[list[Heading], list[Link]] | None:
    """The headings and links of a body made only of blank lines, plain ATX headings and lines of
    text (``_TEXT``) whose links are plain inline ones (``_LINK``); None for any other body.
    ``href`` makes a link's destination its href (None: no link)."""
    if _SPECIAL.search(body):
        return None
    bracketed = "[" in body or "]" in body
    if bracketed and "\\" in body:
        return None  # an escaped bracket or backtick
    headings: list[Heading] = []
    links: list[Link] = []
    hrefs: dict[str, str | None] = {}
    for n, line in enumerate(body.split("\n")):
        if not line.strip(" "):
            continue
        if not _TEXT.match(line):
            found = _HEADING.fullmatch(line)
            if found is None:
                return None
            headings.append(Heading(len(found[1]), found[2].strip(), n + first_line + 1))
        if bracketed and ("[" in line or "]" in line or "`" in line):
            targets = _links(line)
            if targets is None:
                return None
            for target in targets:
                if target not in hrefs:
                    hrefs[target] = href(target)
                made = hrefs[target]
                if made is None:
                    return None
                links.append(Link(made, n + first_line + 1))
        if len(headings) + len(links) > MAX_OUTLINE:
            raise TooMany(n + first_line + 1)
    return headings, links


def _links(line: str) -> list[str] | None:
    """The destinations of a line's links; None when the line may hold more than plain inline
    links in paragraph text: a bracket of no such link, a code span that may end on another line,
    a link indented as code."""
    spans = _code_spans(line)
    if spans is None:
        return None
    targets: list[str] = []
    for start, end in zip([0, *(e for _, e in spans)], [*(s for s, _ in spans), len(line)], strict=True):
        text = line[start:end]  # outside code spans, whose brackets are text
        targets += (m[1] for m in _LINK.finditer(text))
        rest = _LINK.sub("", text)
        if "[" in rest or "]" in rest:
            return None
    if targets:
        lead = _LEAD.match(line)
        if lead is None or len(lead[1]) > 3 or len(lead[2] or "") > 4:
            return None
    return targets


def _code_spans(line: str) -> list[tuple[int, int]] | None:
    """Where the line's code spans start and end; None when a backtick run closes none on this
    line (it may close one on the next line of the paragraph, or be text)."""
    runs = list(_CODE.finditer(line))
    spans = []
    i = 0
    while i < len(runs):
        size = len(runs[i][0])
        close = next((j for j in range(i + 1, len(runs)) if len(runs[j][0]) == size), None)
        if close is None:
            return None
        spans.append((runs[i].start(), runs[close].end()))
        i = close + 1
    return spans
