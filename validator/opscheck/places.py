"""Where each value of a YAML document starts, worked out from its text when something in it is reported.

The data is built without a node tree (``compose``); this index answers "which line and
column is the value at this path" and names list entries for fingerprints, in a few bytes
a node. It reads the text only as far as the questions asked need: a finding near the top
of a file (a runbook's ``last_reviewed``) costs a few events, not the whole document.
"""

from __future__ import annotations

import weakref
from array import array
from collections import OrderedDict
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
)

from opscheck.compose import MAX_DEPTH, Loader, open_document, skip, undefined

# Keys of a list entry that name it better than its position does; their text is kept.
SELECTORS = ("id", "week", "date", "start")
_SCALAR, _LIST, _MAP, _ALIAS, _BARE = range(5)  # kinds of node; a bare node stands for what is nested too deep
_OPEN = -1  # the end of a collection not read to its end yet
_ALL = 2**62  # read to the end
# Indexes with a parser still open, most recently asked last: each open parser holds some 13 KiB,
# so only the last few keep theirs; one set aside reads its whole text again if asked past where it stopped.
MAX_OPEN = 8
_open_indexes: OrderedDict[int, weakref.ref[Places]] = OrderedDict()


class _Scan:
    """A collection's entries read so far (a list's in order, a mapping's by key text), and where
    the next one starts: after ``last``, the entry handed out last (the collection itself at first),
    whose end may not be read yet; -1 once all are read. A few dozen bytes, no generator."""

    __slots__ = ("found", "last")

    def __init__(self, node: int, found: list[int] | dict[str, tuple[int, int]]) -> None:
        self.last = node
        self.found = found


class Places:
    """Where each node of a document starts, in flat arrays: a few bytes a node, no object per node.

    Nodes are numbered in document order; a collection's entries follow it, up to ``end`` (a
    mapping's as key, value, key, value). Text is kept where it names something: keys, list
    entries and the values of ``SELECTORS``. Nodes are read from the text as questions need them.
    """

    def __init__(self, text: str) -> None:
        # 4 bytes a number: a 10 MiB file has fewer than 2**31 lines, columns and nodes
        self.lines = array("i")
        self.columns = array("i")
        self.kinds = array("b")
        self.ends = array("i")  # the node after the last one nested in this one; _OPEN until read
        self.texts: list[str | None] = []
        self.aliases: dict[int, int] = {}  # alias node -> the anchored node
        self._text = text
        self._loader: Any = None
        self._done = False
        self._ahead = 8
        if self._start():
            self._read(upto=0)  # the root: every question starts there
        # worked out on the first question about a collection, so that each question is quick
        self._scans: dict[int, _Scan] = {}
        # and answers kept: findings share paths (a rotation, its shifts) and ask twice (mark, name)
        self._at: dict[tuple[str | int, ...], int | None] = {(): 0}
        self._names: dict[int, str | None] = {}

    # --- questions ----------------------------------------------------------------------------------------

    def at(self, path: tuple[str | int, ...]) -> int | None:
        """The node of the value at ``path``, None where the path does not exist."""
        if path in self._at:
            return self._at[path]
        parent = self.at(path[:-1])
        found = self._at[path] = None if parent is None else self.child(parent, path[-1])
        return found

    def target(self, node: int) -> int:
        return self.aliases.get(node, node) if self.kinds[node] == _ALIAS else node

    def mark(self, node: int) -> tuple[int, int]:
        node = self.target(node)
        return self.lines[node], self.columns[node]

    def is_collection(self, node: int) -> bool:
        return self.kinds[self.target(node)] in (_LIST, _MAP)

    def _next(self, node: int, scan: _Scan) -> int | None:
        """The entry of ``node`` after the one ``scan`` handed out last, None after the last."""
        if scan.last < 0:
            return None
        if scan.last == node:
            entry = node + 1
        else:
            self._read(close=scan.last)
            entry = self.ends[scan.last]
        self._read(upto=entry)
        end = self.ends[node]
        if entry >= len(self.kinds) or (end != _OPEN and entry >= end):
            scan.last = -1
            return None
        scan.last = entry
        return entry

    def child(self, node: int, part: str | int, key: bool = False) -> int | None:
        """The value at ``part`` in ``node`` (for a mapping, of its first key ``part``; its key with ``key``)."""
        node = self.target(node)
        kind = self.kinds[node]
        if kind not in (_MAP, _LIST) or (kind == _LIST and (not isinstance(part, int) or part < 0)):
            return None
        scan = self._scans.get(node)
        if scan is None:
            scan = self._scans[node] = _Scan(node, [] if kind == _LIST else {})
        found = scan.found
        if isinstance(found, dict):
            text = str(part)
            while text not in found and (k := self._next(node, scan)) is not None:
                v = self._next(node, scan)
                name = self.texts[self.target(k)]
                if name is not None and v is not None:
                    found.setdefault(name, (k, v))
            pair = found.get(text)
            return None if pair is None else pair[0] if key else pair[1]
        index = int(part)  # a list's part is a whole number (above)
        while len(found) <= index and (entry := self._next(node, scan)) is not None:
            found.append(entry)
        return found[index] if index < len(found) else None

    def text(self, node: int) -> str | None:
        node = self.target(node)
        return self.texts[node] if self.kinds[node] == _SCALAR else None

    def selector(self, node: int) -> str | None:
        """What names a list entry: its text, or its first selector field's, else None."""
        if node not in self._names:
            self._names[node] = self._selector(node)
        return self._names[node]

    def _selector(self, node: int) -> str | None:
        text = self.text(node)
        if text is not None:
            return f"={text}"
        for name in SELECTORS:
            value = self.child(node, name)
            if value is not None and (text := self.text(value)) is not None:
                return f"{name}={text}"
        return None

    # --- reading ------------------------------------------------------------------------------------------

    def _start(self) -> bool:
        """Open the parser at the document's content (again, after being set aside); False for no document."""
        self._loader = loader = Loader(self._text)
        self._stack: list[list[int]] = []  # each open collection: its node, its kind and how many entries so far
        self._anchors: dict[str, int] = {}
        self._keys: dict[str, str] = {}  # one text for each key met, however often
        self._node = 0  # the next node's number
        self._last: str | None = None  # the text of the node before, when it was a key
        try:
            opened = open_document(loader)
        except yaml.YAMLError:
            loader.dispose()
            raise
        if opened is None:
            self._finish()
            return False
        key = id(self)
        _open_indexes[key] = weakref.ref(self, lambda _: _open_indexes.pop(key, None))
        while len(_open_indexes) > MAX_OPEN:
            aside = _open_indexes.popitem(last=False)[1]()
            if aside is not None:
                aside._set_aside()
        return True

    def _set_aside(self) -> None:
        self._loader.dispose()
        self._loader = None

    def _finish(self) -> None:
        self._set_aside()
        self._done = True
        _open_indexes.pop(id(self), None)
        for entry in self._stack:  # only when the text stopped early, which a parsed document does not
            self.ends[entry[0]] = self._node

    def _read(self, upto: int = -1, close: int = -1) -> None:
        """Read on until node ``upto`` exists and node ``close`` has ended (or the document has)."""
        if self._done or (upto < self._node and (close < 0 or self.ends[close] != _OPEN)):
            return
        # read ahead a little more each time, so walking a long list is a few long reads, not one per entry
        upto, self._ahead = max(upto, self._node + self._ahead), min(2 * self._ahead, 4096)
        if self._loader is None:  # set aside: read it again, this time to the end, so no text is read thrice
            self.lines, self.columns, self.kinds, self.ends = array("i"), array("i"), array("b"), array("i")
            self.texts, self.aliases = [], {}
            self._start()
            upto = _ALL
        _open_indexes.move_to_end(id(self))
        try:
            self._index(upto, close)
        except yaml.YAMLError:
            self._finish()

    def _index(self, upto: int, close: int) -> None:
        get = self._loader.get_event
        line_of, column_of, kind_of, end_of, text_of = (
            self.lines.append, self.columns.append, self.kinds.append, self.ends.append, self.texts.append
        )
        ends, stack, anchors, keys = self.ends, self._stack, self._anchors, self._keys
        node, last = self._node, self._last
        try:
            while node <= upto or (close >= 0 and ends[close] == _OPEN):
                event = get()
                kind = type(event)
                if kind is MappingEndEvent or kind is SequenceEndEvent:
                    ends[stack.pop()[0]] = node
                    last = None
                    if not stack:
                        self._node = node
                        self._finish()
                        return
                    continue
                mark = event.start_mark
                top = stack[-1] if stack else None
                end = node + 1
                if kind is ScalarEvent:
                    value = event.value
                    if top is None or top[1] == _LIST or event.anchor is not None:
                        text: str | None = value
                    elif top[2] % 2 == 0:  # a key: one shared text
                        text = keys.setdefault(value, value)
                    else:
                        text = value if last in SELECTORS else None
                    node_kind = _SCALAR
                elif kind is AliasEvent:
                    if event.anchor not in anchors:
                        raise undefined(event)
                    self.aliases[node] = anchors[event.anchor]
                    text, node_kind = None, _ALIAS
                elif len(stack) >= MAX_DEPTH:
                    skip(get)
                    text, node_kind = None, _BARE
                else:
                    text, node_kind = None, _MAP if kind is MappingStartEvent else _LIST
                    end = _OPEN
                line_of(mark.line)
                column_of(mark.column)
                kind_of(node_kind)
                end_of(end)
                text_of(text)
                if kind is not AliasEvent and event.anchor is not None:
                    anchors[event.anchor] = node
                last = text if top is not None and top[1] == _MAP and top[2] % 2 == 0 else None
                if top is not None:
                    top[2] += 1
                node += 1
                if end == _OPEN:
                    stack.append([node - 1, node_kind, 0])
                elif top is None:
                    self._node = node
                    self._finish()
                    return
        finally:
            self._node, self._last = node, last


def places(text: str) -> Places | None:
    """Where every node of ``text`` starts, or None when the text has no document or cannot be parsed.

    Only call it for text that ``compose.build`` read without a YAML error: the text is read
    as questions come, so an error further on would show only then. Collections nested past
    ``MAX_DEPTH`` are bare: nothing is reported inside them.
    """
    try:
        index = Places(text)
    except yaml.YAMLError:
        return None
    return None if index._done and not index.kinds else index
