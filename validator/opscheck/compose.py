"""Turn YAML text into plain data in one stream of parser events, keeping no node tree.

A composed node tree costs several times the data it holds (two marks per node), and a
file's tree is needed only when something in that file is reported. So the data is built
straight from the C parser's events, and where things are is worked out again from the text,
on demand (``places``). Both walks do the composer's checks (one document, anchors defined
once and before use) and stop nesting at ``MAX_DEPTH``, without recursion.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    DocumentEndEvent,
    DocumentStartEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.resolver import Resolver

try:  # the C parser is the fast path; the pure-Python one only keeps us working without libyaml
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]
# the parser, for the places index too
Loader = _Loader

MAX_ALIAS_NODES = 10_000
# What aliases bring is weighed by its text too: 9,000 aliases of a 1 MB value are 9,000 nodes but
# act downstream like 9 GB of data (every finding and export copies the value it names); past
# this, aliases could make a small file cost more than the largest file opscheck reads.
MAX_ALIAS_CHARS = 1_000_000
# Each list entry costs every command tens of microseconds (and up to 2 KiB), whatever it holds:
# 2.6 million entries of a 10 MiB file took `validate` 44 s. A 300-engineer organisation's
# largest file holds about 15,000.
MAX_LIST_ENTRIES = 100_000
# Longer numbers are no ops data: 4,000 hex digits make an int Python will not print (a
# traceback wherever a message shows it), and PyYAML reads base 60 (1:59:59) in quadratic time.
MAX_NUMBER_CHARS = 100
# Repeated keys and keys that are not plain listed in a file: each is placed and named (1.75
# million repeats of one key in 10 MiB took 15 s and 1 GB); past these they are counted.
MAX_FAILURES = 1_000
# Deeper than any ops file needs, shallow enough that nothing downstream can run out of stack.
MAX_DEPTH = 64

TAG = "tag:yaml.org,2002:"
SEQ, MAP, MERGE, STR, INT = TAG + "seq", TAG + "map", TAG + "merge", TAG + "str", TAG + "int"
_CONSTRUCT = SafeConstructor()
_Mark = Any  # a pure-Python or a C parser's mark: line, column


def _convert(construct: Callable[[yaml.ScalarNode], Any]) -> Callable[[str], Any]:
    return lambda value: construct(yaml.ScalarNode("", value))


_yaml_int = _convert(_CONSTRUCT.construct_yaml_int)


def _int(value: str) -> Any:
    # Plain decimal digits, the usual whole number, are what the constructor gives without its
    # node (3 us a value: 1.3 million of them took 4 s); it reads the rest (0o17, 1_000, 0x1f).
    if value.isascii() and value.isdigit() and (value[0] != "0" or value == "0"):
        return int(value)
    return _yaml_int(value)


SCALARS: dict[str, Callable[[str], Any]] = {
    TAG + "null": lambda value: None,
    TAG + "bool": _convert(_CONSTRUCT.construct_yaml_bool),
    TAG + "int": _int,
    TAG + "float": _convert(_CONSTRUCT.construct_yaml_float),
    # Dates stay text: the models parse them strictly as YYYY-MM-DD.
    TAG + "timestamp": str,
    STR: str,
}
_NUMBERS = frozenset((TAG + "int", TAG + "float"))
_LONG_NUMBER = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|[0-9._][0-9_:.eE+-]*)")
# PyYAML's implicit resolvers (YAML 1.1), by the first character of a plain scalar
_IMPLICIT: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    first: tuple(pairs) for first, pairs in Resolver.yaml_implicit_resolvers.items() if first is not None
}


@lru_cache(maxsize=4096)  # dates and times repeat across a file: each runs two or three patterns to resolve
def resolve(value: str) -> str:
    """The tag YAML 1.1 gives a plain, untagged scalar."""
    if len(value) > MAX_NUMBER_CHARS:
        # The patterns' repeated groups take memory in proportion to what they match (a 10 MiB
        # 1:59:59... took 500 MiB). A number this long is refused for its length, so whatever is
        # written in number characters throughout is taken for one; the rest is text (a long
        # timestamp too, which the data keeps as its text anyway).
        return INT if _LONG_NUMBER.fullmatch(value) else STR
    for tag, pattern in _IMPLICIT.get(value[:1], ()):
        if pattern.match(value):
            return tag
    return STR


def scalar_tag(event: ScalarEvent) -> str:
    if event.tag is None or event.tag == "!":
        return resolve(event.value) if event.implicit[0] else STR
    return str(event.tag)


def collection_tag(event: MappingStartEvent | SequenceStartEvent) -> str:
    if event.tag is None or event.tag == "!":
        return MAP if type(event) is MappingStartEvent else SEQ
    return str(event.tag)


class Failure(NamedTuple):
    """A problem met while building, at a path (each key or index) and a 0-based line and column.

    An OPS003 failure's message is the key that repeats.
    """

    path: tuple[str | int, ...]
    line: int
    column: int
    message: str
    rule: str


# --- the document around the events -------------------------------------------------------------------------


def open_document(loader: Any) -> _Mark | None:
    """Read up to the first document's content; where that starts (as compose says where a
    document starts), or None for an empty stream."""
    loader.get_event()  # StreamStart
    if type(loader.get_event()) is not DocumentStartEvent:
        return None
    return loader.peek_event().start_mark


def _close(loader: Any, start: _Mark) -> None:
    """After the document: the stream must end with it, as ``yaml.compose`` insists."""
    event = loader.get_event()
    if type(event) is not StreamEndEvent:
        raise _composer_error("expected a single document in the stream", start, "but found another document",
                              event.start_mark)


def undefined(event: AliasEvent) -> yaml.YAMLError:
    return _composer_error(None, None, "found undefined alias", event.start_mark)


def _again(first: _Mark, event: Event) -> yaml.YAMLError:
    return _composer_error("found duplicate anchor; first occurrence", first, "second occurrence", event.start_mark)


def _composer_error(context: str | None, context_mark: _Mark, problem: str, problem_mark: _Mark) -> yaml.YAMLError:
    """The error ``yaml.compose`` raises (its marks may be the C parser's)."""
    return yaml.composer.ComposerError(context, context_mark, problem, problem_mark)


# --- data ---------------------------------------------------------------------------------------------------

# What a mapping waits for when not a value for a key: a key; a value to skip (its key was not
# plain); the mappings to merge ('<<').
_KEY, _SKIP, _MERGE = object(), object(), object()
_NOT_PLAIN = "a key must be a plain value, not a list or mapping"


class _Frame:
    """A collection being built: its data, what it waits for, and (with aliases) its size, height
    and characters (of its scalars and keys)."""

    __slots__ = ("anchor", "chars", "height", "is_map", "key", "merged", "out", "size")

    def __init__(self, out: Any, anchor: str | None) -> None:
        self.out = out
        self.is_map = type(out) is dict
        self.key: Any = _KEY
        self.merged: dict[str, Any] | None = None
        self.anchor = anchor
        self.size = 0
        self.height = 0
        self.chars = 0


# an anchor's data, size (nodes), height, characters and (a scalar's) text
_Anchored = tuple[Any, int, int, int, str | None]


class Built(NamedTuple):
    data: Any
    failures: list[Failure]


def build(text: str) -> Built:
    """The plain data of ``text`` (one YAML document) and the problems met on the way.

    What stops the data being built (a bad tag or value, nesting too deep, an alias bomb) is
    the last failure, and the data is None. Raises ``yaml.YAMLError`` for what the parser or
    the composer refuses anywhere in the text: that comes first, as when the whole document
    was composed before its data was built.
    """
    loader = Loader(text)
    try:
        start = open_document(loader)
        if start is None:
            return Built(None, [])
        builder = _DataBuilder(loader, "*" in text)
        try:
            data = builder.run()
        except _Stop as stop:
            path = () if stop.whole else builder.path()
            builder.failures.append(Failure(path, stop.line, stop.column, stop.message, stop.rule))
            builder.drain()
            _close(loader, start)
            return Built(None, builder.failures + builder.counted())
        loader.get_event()  # DocumentEnd
        _close(loader, start)
        return Built(data, builder.failures + builder.counted())
    finally:
        loader.dispose()


class _Stop(Exception):
    """What stops the data being built; ``whole``: about the document, not the value where it stopped."""

    def __init__(self, mark: _Mark, message: str, rule: str = "OPS001", whole: bool = False) -> None:
        super().__init__(message)
        self.line, self.column, self.message, self.rule, self.whole = mark.line, mark.column, message, rule, whole


_KINDS = {"int": "whole number", "float": "number", "bool": "true or false", "null": "null"}


def _bad_value(mark: _Mark, tag: str, value: str) -> _Stop:
    kind = tag.removeprefix(TAG)
    what = _KINDS.get(kind, kind)
    return _Stop(mark, f"YAML reads '{value[:40]}' as a {what} (by its form or tag), but it is not a valid one; "
                 f"quote it if it is text, or write a valid {what}", "OPS002")


def _bad_tag(mark: _Mark, tag: str, what: str) -> _Stop:
    if tag in (SEQ, MAP) or tag in SCALARS:
        return _Stop(mark, f"tag '{tag.removeprefix(TAG)}' does not fit {what}; remove the tag")
    return _Stop(mark, f"tag '{tag}' is not allowed: ops data uses plain YAML only; remove the tag")


def _too_deep(mark: _Mark) -> _Stop:
    return _Stop(mark, f"the document nests more than {MAX_DEPTH} levels deep (or an alias refers to itself); "
                 "flatten it")


class _DataBuilder:
    def __init__(self, loader: Any, aliases: bool) -> None:
        self.get = loader.get_event
        self.aliases = aliases  # without '*' in the text there are no sizes to keep
        self.stack: list[_Frame] = []
        # each anchor's data, size, height, characters and (a scalar's) text; None while its collection is open
        self.anchors: dict[str, _Anchored | None] = {}
        self.anchor_marks: dict[str, _Mark] = {}
        self.expanded = 0  # nodes aliases add
        self.expanded_chars = 0  # characters aliases add
        self.room = MAX_LIST_ENTRIES  # list entries still to read
        self.failures: list[Failure] = []
        self.unlisted: dict[str, tuple[int, _Mark]] = {}  # past MAX_FAILURES: each rule's count and first place

    def path(self) -> tuple[str | int, ...]:
        """Where the walk is: the key (or index) each open collection is reading."""
        out: list[str | int] = []
        for frame in self.stack:
            if not frame.is_map:
                out.append(len(frame.out))
            elif frame.key is _MERGE:
                out.append("<<")
            elif isinstance(frame.key, str):
                out.append(frame.key)
            else:  # waiting for a key: the mapping itself
                break
        return tuple(out)

    def fail(self, mark: _Mark, message: str, rule: str, key: str | None = None) -> None:
        if len(self.failures) >= MAX_FAILURES:
            count, first = self.unlisted.get(rule, (0, mark))
            self.unlisted[rule] = (count + 1, first)
            return
        path = self.path() if key is None else (*self.path(), key)
        self.failures.append(Failure(path, mark.line, mark.column, message, rule))

    def counted(self) -> list[Failure]:
        """One failure for each rule's failures past MAX_FAILURES, at the first of them."""
        what = {"OPS003": "repeated keys", "OPS002": "keys that are not plain values"}
        return [Failure((), first.line, first.column, f"{count:,} more {what[rule]} in this file are not listed "
                        f"(it lists its first {MAX_FAILURES:,} such problems); fix those and run again", rule)
                for rule, (count, first) in self.unlisted.items()]

    def drain(self) -> None:
        """Read the rest of the document once the data cannot be built, for the parser's and the
        composer's errors further on."""
        while True:
            event = self.get()
            kind = type(event)
            if kind is DocumentEndEvent:
                return
            if kind is AliasEvent:
                if event.anchor not in self.anchor_marks:
                    raise undefined(event)
            elif getattr(event, "anchor", None) is not None:
                self.anchor(event, None)

    def anchor(self, event: Any, value: _Anchored | None) -> None:
        name = event.anchor
        if name in self.anchor_marks:
            raise _again(self.anchor_marks[name], event)
        self.anchor_marks[name] = event.start_mark
        self.anchors[name] = value

    def waiting(self) -> _Frame | None:
        """The innermost mapping when it waits for a key or skips a value, else None."""
        top = self.stack[-1] if self.stack else None
        if top is not None and (top.key is _SKIP or (top.key is _KEY and top.is_map)):
            return top
        return None

    def run(self) -> Any:
        # The hot loop of every command: plain keys, plain untagged scalars and untagged collections
        # without anchors take the short way; everything else goes through the methods below.
        get, stack, implicit, aliases = self.get, self.stack, _IMPLICIT, self.aliases
        top: _Frame | None = None
        while True:
            event = get()
            kind = type(event)
            if kind is ScalarEvent:
                value = event.value
                if top is not None and top.key is _KEY and top.is_map:
                    if event.anchor is None and event.tag is None and value != "<<" and value not in top.out:
                        top.key = value
                    else:
                        if event.anchor is not None:
                            self.anchor(event, (value, 0, 0, len(value), value))
                        self.key(top, event)
                    continue
                if top is not None and top.key is _SKIP:
                    if event.anchor is not None:
                        self.anchor(event, (value, 0, 0, len(value), value))
                    top.key = _KEY
                    continue
                if event.anchor is not None or event.tag is not None or (
                    event.implicit[0] and implicit.get(value[:1])
                ):
                    value = self.scalar(event)
                if top is None:
                    return value
                if aliases or top.key is _MERGE:
                    if not top.is_map:
                        self.entry(event.start_mark)
                    self.put(top, value, 0, 0, len(event.value))
                elif top.is_map:
                    top.out[top.key] = value
                    top.key = _KEY
                else:
                    self.entry(event.start_mark)
                    top.out.append(value)
            elif kind is MappingEndEvent or kind is SequenceEndEvent:
                done = stack.pop()
                top = stack[-1] if stack else None
                value = done.out
                if done.merged:
                    value = {**done.merged, **value}
                if aliases or done.anchor is not None or (top is not None and top.key is _MERGE):
                    size = 1 + len(value) + done.size
                    if done.anchor is not None:
                        self.anchors[done.anchor] = (value, size, done.height, done.chars, None)
                    if top is not None:
                        self.put(top, value, size, done.height + 1, done.chars)
                elif top is not None:
                    if top.is_map:
                        top.out[top.key] = value
                        top.key = _KEY
                    else:
                        top.out.append(value)
                if top is None:
                    return value
            elif kind is MappingStartEvent or kind is SequenceStartEvent:
                self.start(event)
                top = stack[-1] if stack else None
            else:  # an alias: the parser sends nothing else inside a document
                self.alias(event)

    def entry(self, mark: _Mark) -> None:
        """Count one more list entry, starting at ``mark``."""
        self.room -= 1
        if self.room < 0:
            raise _Stop(mark, f"the document has more than {MAX_LIST_ENTRIES:,} list entries, more than opscheck "
                        "reads in a file (a 300-engineer organisation's largest holds about 15,000); remove "
                        "entries, or check that the file was written as intended", whole=True)

    def scalar(self, event: ScalarEvent) -> Any:
        tag = scalar_tag(event)
        make = SCALARS.get(tag)
        if make is None:
            raise _bad_tag(event.start_mark, tag, "a plain value")
        if tag in _NUMBERS and len(event.value) > MAX_NUMBER_CHARS:
            raise _Stop(event.start_mark, f"a number written with {len(event.value):,} characters is longer than "
                        f"opscheck reads ({MAX_NUMBER_CHARS}); write a smaller one, or quote it if it is text",
                        "OPS002")
        try:
            value = make(event.value)
        except (ValueError, TypeError, KeyError, IndexError, OverflowError):
            # the resolver's patterns are looser than the constructors: plain 0b_ looks like a number
            raise _bad_value(event.start_mark, tag, event.value) from None
        if event.anchor is not None:
            self.anchor(event, (value, 0, 0, len(event.value), event.value))
        return value

    def start(self, event: MappingStartEvent | SequenceStartEvent) -> None:
        mark = event.start_mark
        top = self.waiting()
        if top is not None:
            if top.key is _KEY:
                self.fail(mark, _NOT_PLAIN, "OPS002")
                top.key = _SKIP
            else:
                top.key = _KEY
            skip(self.get)
            return
        if len(self.stack) >= MAX_DEPTH:
            raise _too_deep(mark)
        is_map = type(event) is MappingStartEvent
        tag = collection_tag(event)
        if tag != (MAP if is_map else SEQ):
            raise _bad_tag(mark, tag, "a mapping" if is_map else "a list")
        if event.anchor is not None:
            self.anchor(event, None)
        if self.stack and not self.stack[-1].is_map:
            self.entry(mark)
        self.stack.append(_Frame({} if is_map else [], event.anchor))

    def alias(self, event: AliasEvent) -> None:
        name, mark, stack = event.anchor, event.start_mark, self.stack
        if name not in self.anchors:
            raise undefined(event)
        target = self.anchors[name]
        if target is None:  # the anchored collection is still open: it would contain itself
            raise _too_deep(mark)
        value, size, height, chars, text = target
        top = self.waiting()
        if top is not None:
            if top.key is _SKIP:
                top.key = _KEY
            elif text is None:
                self.fail(mark, _NOT_PLAIN, "OPS002")
                top.key = _SKIP
            else:
                self.expand(mark, 0, chars)
                self.key(top, event, text)
            return
        self.expand(mark, size, chars)
        if size and len(stack) + height >= MAX_DEPTH:
            raise _too_deep(mark)
        if not stack[-1].is_map:
            self.entry(mark)
        self.put(stack[-1], value, size, height + 1 if size else 0, chars)

    def expand(self, mark: _Mark, size: int, chars: int) -> None:
        """Count what an alias at ``mark`` adds: it shares its data, but what it would expand to
        is what downstream walks and copies."""
        self.expanded += size
        self.expanded_chars += chars
        if self.expanded > MAX_ALIAS_NODES or self.expanded_chars > MAX_ALIAS_CHARS:
            beyond = (f"{MAX_ALIAS_NODES:,} nodes" if self.expanded > MAX_ALIAS_NODES
                      else f"{MAX_ALIAS_CHARS:,} characters of text")
            raise _Stop(mark, f"aliases expand this document beyond {beyond} (an alias bomb?); "
                        "write the data out or use fewer aliases")

    def key(self, top: _Frame, event: Any, text: str | None = None) -> None:
        value = event.value if text is None else text
        if text is None and (value == "<<" or event.tag == MERGE) and scalar_tag(event) == MERGE:
            top.key = _MERGE
            return
        if value in top.out:  # the message names the first one's line, read from the places
            self.fail(event.start_mark, value, "OPS003", value)
        top.key = value

    def put(self, top: _Frame, value: Any, size: int, height: int, chars: int) -> None:
        out = top.out
        key = top.key if top.is_map else None
        if self.aliases:
            top.size += size
            top.height = max(top.height, height)
            top.chars += chars + len(key) if type(key) is str else chars
        if not top.is_map:
            out.append(value)
            return
        top.key = _KEY
        if key is _MERGE:
            for source in value if isinstance(value, list) else [value]:
                if isinstance(source, dict):
                    top.merged = {**source, **(top.merged or {})}
            return
        out[key] = value


def skip(get: Callable[[], Event]) -> None:
    """Read past a collection whose start was just read, to its end."""
    depth = 1
    while depth:
        kind = type(get())
        depth += (kind is MappingStartEvent or kind is SequenceStartEvent) - (
            kind is MappingEndEvent or kind is SequenceEndEvent
        )
