"""Read files into plain data that remembers where every value came from.

The loader never raises for bad input: every problem becomes a ``Problem`` (OPS001
unreadable, OPS003 repeated key) and the rest of the run goes on.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from opscheck.compose import build
from opscheck.places import Places, places
from opscheck.tree import MAX_FILE_BYTES, Tree, Unreadable, as_tree

_PLAIN = re.compile(r"[^\s,\[\]{}#]*")

PathPart = str | int
DocPath = tuple[PathPart, ...]


class Problem(NamedTuple):
    """A loader finding, before the engine stamps severity on it."""

    rule: str
    file: str
    line: int
    column: int
    message: str
    ident: str = ""  # what is wrong, stable across edits elsewhere (see ``path_key``)
    always: bool = False  # listed past the engine's cap: it says the loader stopped short


class Loc(NamedTuple):
    """A place in the data: a file and a path into its document."""

    file: str
    path: DocPath = ()

    def at(self, *more: PathPart) -> Loc:
        return Loc(self.file, self.path + more)


@dataclass
class Document:
    """One parsed file: its data, its text (where things are is read again from it) and any problems met."""

    file: str
    data: Any = None
    line_offset: int = 0
    problems: list[Problem] = field(default_factory=list)
    text: str = ""

    @property
    def ok(self) -> bool:
        return not any(p.rule == "OPS001" for p in self.problems)

    @cached_property
    def root(self) -> Places | None:
        """Where every value starts: worked out on the first question, when something here is reported."""
        return places(self.text) if self.text else None

    def node(self, path: Sequence[PathPart]) -> int | None:
        """The node of the value at ``path``, None where the path does not exist."""
        return None if self.root is None else self.root.at(tuple(path))

    def mark(self, path: Sequence[PathPart], key: bool = False) -> tuple[int, int]:
        """1-based line and column of the value at ``path`` (of its key with ``key``).

        Walks as far as the path exists, so a missing key points at its parent.
        """
        index = self.root
        if index is None:
            return 1 + self.line_offset, 1
        path = tuple(path)
        end = len(path)
        while (node := index.at(path[:end])) is None:  # the root, path[:0], always exists
            end -= 1
        parent = index.at(path[:-1]) if key and path and end == len(path) else None
        key_node = None if parent is None else index.child(parent, path[-1], key=True)
        line, column = index.mark(node if key_node is None else key_node)
        return line + 1 + self.line_offset, column + 1

    def written(self, path: Sequence[PathPart]) -> str | None:
        """How the plain value at ``path`` is written in the file (up to a space, comma, bracket or comment)."""
        node = self.node(path)
        if node is None or self.root is None or self.root.is_collection(node):
            return None
        line, column = self.root.mark(node)
        lines = self._lines
        return _PLAIN.match(lines[line] if line < len(lines) else "", column)[0]  # type: ignore[index]

    @cached_property
    def _lines(self) -> list[str]:
        return self.text.splitlines()

    def ident(self, path: Sequence[PathPart]) -> str:
        return path_key(self.root, path)

    def problem(
        self, rule: str, path: Sequence[PathPart], message: str, key: bool = False, ident: str | None = None
    ) -> Problem:
        line, col = self.mark(path, key)
        return Problem(rule, self.file, line, col, message, self.ident(path) if ident is None else ident)


def path_key(index: Places | None, path: Sequence[PathPart]) -> str:
    """``path`` as text, each list entry named by its id (week, date) or its value, else its index.

    ``rotations[id=data-pipelines].shifts[week=2025-01-06].engineer`` stays the same when
    lines or entries are inserted above, which is what a finding's fingerprint needs.
    """
    out: list[str] = []
    path = tuple(path)
    for i, part in enumerate(path):
        found = index.at(path[: i + 1]) if index is not None else None
        if index is not None and found is not None and isinstance(part, int):
            out.append(f"[{index.selector(found) or part}]")
        else:
            out.append(f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part))
    return "".join(out)


def parse_yaml(file: str, text: str, line_offset: int = 0) -> Document:
    """Build the data of ``text`` (one YAML document), recording problems."""
    doc = Document(file=file, line_offset=line_offset, text=text)
    try:
        built = build(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        col = mark.column + 1 if mark else 1
        what = exc.problem or str(exc)
        opened = _opened(exc, line_offset)
        doc.problems.append(Problem("OPS001", file, line, col, f"YAML syntax error: {what}{opened}; fix the syntax"))
        doc.root = None  # nothing to point into
        return doc
    except yaml.YAMLError as exc:
        doc.problems.append(Problem("OPS001", file, 1 + line_offset, 1, f"cannot read YAML: {exc}"))
        doc.root = None
        return doc
    doc.data = built.data
    for f in built.failures:
        message = f.message
        if f.rule == "OPS003" and f.path:  # a repeated key (not the count of those past the limit)
            first = doc.mark((*f.path[:-1], f.message), key=True)[0]
            message = (f"key '{f.message}' repeats the one on line {first}: YAML would silently keep only the last; "
                       "remove one of them")
        doc.problems.append(Problem(f.rule, file, f.line + 1 + line_offset, f.column + 1, message, doc.ident(f.path)))
    return doc


# what the parser was inside when it failed, in the words of the file
_OPENERS = {
    "while parsing a flow sequence": "the list '[' opened on line {} is not closed with ']'",
    "while parsing a flow mapping": "the mapping '{{' opened on line {} is not closed with '}}'",
    "while scanning a quoted scalar": "the quote opened on line {} is not closed",
}


def _opened(exc: yaml.MarkedYAMLError, line_offset: int) -> str:
    """Where the bracket or quote that never closed was opened, when that is another line than the error."""
    context, start, problem = exc.context or "", exc.context_mark, exc.problem_mark
    if start is None or (problem is not None and problem.line == start.line):
        return ""
    line = start.line + 1 + line_offset
    template = _OPENERS.get(context)
    if template:
        return f" ({template.format(line)})"
    what = context.removeprefix("while parsing a ").removeprefix("while scanning a ")
    return f" (in the {what} that starts on line {line})" if what else ""


def read_text(root: Path | Tree, file: str) -> tuple[str | None, Problem | None]:
    """The file's text, or the OPS001 problem that stops us reading it."""
    try:
        raw = as_tree(root).read_bytes(file, MAX_FILE_BYTES)
    except Unreadable as exc:
        return None, Problem("OPS001", file, 1, 1, exc.message)
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return None, Problem(
            "OPS001", file, line, 1, f"file is not UTF-8 (byte {exc.start}); save it as UTF-8"
        )


def load_yaml(root: Path | Tree, file: str) -> Document:
    text, problem = read_text(root, file)
    if text is None:
        doc = Document(file=file)
        doc.problems.append(problem)  # type: ignore[arg-type]
        return doc
    return parse_yaml(file, text)


_FENCE = re.compile(r"^(---|\.\.\.)[ \t]*\r?$")  # a file saved with CRLF line ends keeps its \r


def split_front_matter(file: str, text: str) -> tuple[Document, str, int]:
    """Split a Markdown file into its parsed front matter, its body and the body's first line (0-based)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        doc = Document(file=file)
        doc.problems.append(
            Problem("OPS001", file, 1, 1, "runbook has no front matter: start the file with a '---' line, "
                    "the YAML fields, and a closing '---' line")
        )
        return doc, text, 0
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i]):
            doc = parse_yaml(file, "".join(lines[1:i]), line_offset=1)
            return doc, "".join(lines[i + 1 :]), i + 1
    doc = Document(file=file)
    doc.problems.append(
        Problem("OPS001", file, 1, 1, "front matter is never closed: add a '---' line after its YAML fields")
    )
    return doc, "", len(lines)

