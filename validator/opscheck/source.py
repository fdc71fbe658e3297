"""Read files into composed YAML documents that remember where every value came from.

The loader never raises for bad input: every problem becomes a ``Problem`` (OPS001
unreadable, OPS003 repeated key) and the rest of the run goes on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from yaml.constructor import SafeConstructor

from opscheck.tree import MAX_FILE_BYTES, Tree, Unreadable, as_tree

try:  # the C parser is the fast path; the pure-Python one only keeps us working without libyaml
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_ALIAS_NODES = 10_000
# Deeper than any ops file needs, shallow enough that nothing downstream can run out of stack.
MAX_DEPTH = 64

PathPart = str | int
DocPath = tuple[PathPart, ...]

_TAG = "tag:yaml.org,2002:"
_CONSTRUCT = SafeConstructor()
_SCALARS: dict[str, Callable[[yaml.ScalarNode], Any]] = {
    _TAG + "null": lambda node: None,
    _TAG + "bool": _CONSTRUCT.construct_yaml_bool,
    _TAG + "int": _CONSTRUCT.construct_yaml_int,
    _TAG + "float": _CONSTRUCT.construct_yaml_float,
    # Dates stay text: the models parse them strictly as YYYY-MM-DD.
    _TAG + "timestamp": lambda node: node.value,
    _TAG + "str": lambda node: node.value,
}
_SEQ, _MAP, _MERGE = _TAG + "seq", _TAG + "map", _TAG + "merge"


class Problem(NamedTuple):
    """A loader finding, before the engine stamps severity on it."""

    rule: str
    file: str
    line: int
    column: int
    message: str
    ident: str = ""  # what is wrong, stable across edits elsewhere (see ``node_key``)


class Loc(NamedTuple):
    """A place in the data: a file and a path into its document."""

    file: str
    path: DocPath = ()

    def at(self, *more: PathPart) -> Loc:
        return Loc(self.file, self.path + more)


@dataclass
class Document:
    """One parsed file: its data, its node tree (for marks) and any problems met."""

    file: str
    data: Any = None
    node: yaml.Node | None = None
    line_offset: int = 0
    problems: list[Problem] = field(default_factory=list)
    text: str = ""

    @property
    def ok(self) -> bool:
        return not any(p.rule == "OPS001" for p in self.problems)

    def mark(self, path: Sequence[PathPart], key: bool = False) -> tuple[int, int]:
        """1-based line and column of the node at ``path`` (of its key with ``key``).

        Walks as far as the path exists, so a missing key points at its parent.
        """
        node = self.node
        if node is None:
            return 1 + self.line_offset, 1
        found: yaml.Node = node
        for i, part in enumerate(path):
            last = i == len(path) - 1
            child: yaml.Node | None = None
            if isinstance(found, yaml.MappingNode):
                for k, v in found.value:
                    if k.value == str(part):
                        child = k if (key and last) else v
                        break
            elif isinstance(found, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(found.value):
                child = found.value[part]
            if child is None:
                break
            found = child
        return found.start_mark.line + 1 + self.line_offset, found.start_mark.column + 1

    def problem(
        self, rule: str, path: Sequence[PathPart], message: str, key: bool = False, ident: str | None = None
    ) -> Problem:
        line, col = self.mark(path, key)
        return Problem(rule, self.file, line, col, message, node_key(self.node, path) if ident is None else ident)


# Keys of a list entry that name it better than its position does.
_SELECTORS = ("id", "week", "date", "start")


def node_key(root: yaml.Node | None, path: Sequence[PathPart]) -> str:
    """``path`` as text, each list entry named by its id (week, date) or its value, else its index.

    ``rotations[id=data-pipelines].shifts[week=2025-01-06].engineer`` stays the same when
    lines or entries are inserted above, which is what a finding's fingerprint needs.
    """
    out: list[str] = []
    node = root
    for part in path:
        child: yaml.Node | None = None
        if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
            out.append(f"[{_selector(child, part)}]")
        else:
            if isinstance(node, yaml.MappingNode):
                child = next((v for k, v in node.value if k.value == str(part)), None)
            out.append(f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part))
        node = child
    return "".join(out)


def _selector(node: yaml.Node, index: int) -> str:
    if isinstance(node, yaml.ScalarNode):
        return f"={node.value}"
    if isinstance(node, yaml.MappingNode):
        fields = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
        for name in _SELECTORS:
            value = fields.get(name)
            if isinstance(value, yaml.ScalarNode):
                return f"{name}={value.value}"
    return str(index)


def node_paths(root: yaml.Node, wanted: set[int]) -> dict[int, DocPath]:
    """The path of each node whose ``id()`` is in ``wanted`` (a key node: the path of its value).

    One walk for all of them, each shared (aliased) node visited once.
    """
    found: dict[int, DocPath] = {}
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, DocPath]] = [(root, ())]
    while stack and len(found) < len(wanted):
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if id(node) in wanted:
            found.setdefault(id(node), path)
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                here = (*path, str(k.value))
                if id(k) in wanted:
                    found.setdefault(id(k), here)
                stack.append((v, here))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, (*path, i)) for i, item in enumerate(node.value))
    return found


class _Builder:
    """Turn a composed node tree into plain data, checking what PyYAML lets through."""

    def __init__(self, doc: Document, aliases: bool) -> None:
        self.doc = doc
        self.aliases = aliases  # without '*' in the text there are none to track
        self.seen: set[int] = set()
        self.expanding = 0
        self.expanded = 0
        self.failed: list[tuple[int, yaml.Node]] = []  # (index in doc.problems, node) to name afterwards
        self.depth = 0

    def fail(self, node: yaml.Node, message: str, rule: str = "OPS001") -> None:
        mark = node.start_mark
        self.failed.append((len(self.doc.problems), node))
        self.doc.problems.append(
            Problem(rule, self.doc.file, mark.line + 1 + self.doc.line_offset, mark.column + 1, message)
        )

    def name_failures(self, root: yaml.Node) -> None:
        """Give each problem met while building the key of its node (rare: one walk for all)."""
        if not self.failed:
            return
        paths = node_paths(root, {id(node) for _, node in self.failed})
        for i, node in self.failed:
            self.doc.problems[i] = self.doc.problems[i]._replace(ident=node_key(root, paths.get(id(node), ())))

    def build(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return _scalar(node)
        if self.depth >= MAX_DEPTH:
            raise _TooDeep(node)
        self.depth += 1
        try:
            if not self.aliases:
                return self.collection(node)
            # An alias is the same node object met again: count what it expands to.
            alias = id(node) in self.seen
            self.seen.add(id(node))
            self.expanding += alias
            try:
                return self.collection(node)
            finally:
                self.expanding -= alias
        finally:
            self.depth -= 1

    def collection(self, node: yaml.Node) -> Any:
        if self.expanding:
            self.expanded += 1 + len(node.value)
            if self.expanded > MAX_ALIAS_NODES:
                raise _TooBig(node)
        if node.tag == _SEQ and isinstance(node, yaml.SequenceNode):
            return [self.build(item) for item in node.value]
        if node.tag == _MAP and isinstance(node, yaml.MappingNode):
            return self.mapping(node)
        raise _BadTag(node)

    def mapping(self, node: yaml.MappingNode) -> dict[str, Any]:
        out: dict[str, Any] = {}
        merged: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in sources:
                    value = self.build(source)
                    if isinstance(value, dict):
                        merged = {**value, **merged}
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.fail(key_node, "a key must be a plain value, not a list or mapping", "OPS002")
                continue
            key = key_node.value
            if key in out:
                self.fail(
                    key_node,
                    f"key '{key}' repeats the one on line {first_line[key]}: YAML would silently keep "
                    "only the last; remove one of them",
                    "OPS003",
                )
            else:
                first_line[key] = key_node.start_mark.line + 1 + self.doc.line_offset
            out[key] = self.build(value_node)
        if merged:
            return {**merged, **out}
        return out


def _scalar(node: yaml.ScalarNode) -> Any:
    make = _SCALARS.get(node.tag)
    if make is None:
        raise _BadTag(node)
    try:
        return make(node)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError):
        # the resolver's patterns are looser than the constructors: plain 0b_ looks like a number
        raise _BadValue(node) from None


class _NodeError(Exception):
    """What stops building the document, at ``node``."""

    def __init__(self, node: yaml.Node) -> None:
        self.node = node


class _BadValue(_NodeError):
    """A scalar its tag's constructor cannot convert."""


class _TooDeep(_NodeError):
    """Nesting beyond MAX_DEPTH."""


class _TooBig(_NodeError):
    """Aliases expanding beyond MAX_ALIAS_NODES."""


class _BadTag(_NodeError):
    """A tag that is not a standard one, or that does not fit its node."""


def parse_yaml(file: str, text: str, line_offset: int = 0) -> Document:
    """Compose ``text`` (one YAML document) and build its data, recording problems."""
    doc = Document(file=file, line_offset=line_offset, text=text)
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        col = mark.column + 1 if mark else 1
        what = exc.problem or str(exc)
        opened = _opened(exc, line_offset)
        doc.problems.append(Problem("OPS001", file, line, col, f"YAML syntax error: {what}{opened}; fix the syntax"))
        return doc
    except yaml.YAMLError as exc:
        doc.problems.append(Problem("OPS001", file, 1 + line_offset, 1, f"cannot read YAML: {exc}"))
        return doc
    doc.node = node
    if node is None:
        return doc
    builder = _Builder(doc, "*" in text)
    try:
        doc.data = builder.build(node)
    except _TooBig as exc:
        builder.fail(
            exc.node,
            f"aliases expand this document beyond {MAX_ALIAS_NODES:,} nodes (an alias bomb?); "
            "write the data out or use fewer aliases",
        )
        doc.data = None
    except _BadTag as exc:
        builder.fail(exc.node, _tag_message(exc.node))
        doc.data = None
    except _BadValue as exc:
        kind = exc.node.tag.removeprefix(_TAG)
        what = _KINDS.get(kind, kind)
        builder.fail(exc.node, f"YAML reads '{exc.node.value[:40]}' as a {what} (by its form or tag), but it is "
                     f"not a valid one; quote it if it is text, or write a valid {what}", "OPS002")
        doc.data = None
    except _TooDeep as exc:
        builder.fail(exc.node, f"the document nests more than {MAX_DEPTH} levels deep (or an alias refers to "
                     "itself); flatten it")
        doc.data = None
    builder.name_failures(node)
    return doc


_KINDS = {"int": "whole number", "float": "number", "bool": "true or false", "null": "null"}


def _tag_message(node: yaml.Node) -> str:
    if node.tag in (_SEQ, _MAP) or node.tag in _SCALARS:
        what = {yaml.ScalarNode: "a plain value", yaml.SequenceNode: "a list"}.get(type(node), "a mapping")
        return f"tag '{node.tag.removeprefix(_TAG)}' does not fit {what}; remove the tag"
    return f"tag '{node.tag}' is not allowed: ops data uses plain YAML only; remove the tag"


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
        doc = Document(file=file, text=text)
        doc.problems.append(
            Problem("OPS001", file, 1, 1, "runbook has no front matter: start the file with a '---' line, "
                    "the YAML fields, and a closing '---' line")
        )
        return doc, text, 0
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i]):
            doc = parse_yaml(file, "".join(lines[1:i]), line_offset=1)
            return doc, "".join(lines[i + 1 :]), i + 1
    doc = Document(file=file, text=text)
    doc.problems.append(
        Problem("OPS001", file, 1, 1, "front matter is never closed: add a '---' line after its YAML fields")
    )
    return doc, "", len(lines)

