"""Where each value of a YAML document starts, worked out from its text when something in it is reported.

The data is built without a node tree (``compose``); this index answers "which line and
column is the value at this path" and names list entries for fingerprints, in a few bytes
a node.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
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


class Places:
    """Where each node of a document starts, in flat arrays: a few bytes a node, no object per node.

    Nodes are numbered in document order; a collection's entries follow it, up to ``end`` (a
    mapping's as key, value, key, value). Text is kept where it names something: keys, list
    entries and the values of ``SELECTORS``.
    """

    def __init__(self) -> None:
        self.lines = array("l")
        self.columns = array("l")
        self.kinds = array("b")
        self.ends = array("l")  # the node after the last one nested in this one
        self.texts: list[str | None] = []
        self.aliases: dict[int, int] = {}  # alias node -> the anchored node
        # worked out on the first question about a collection, so that each question is quick
        self._items: dict[int, list[int]] = {}
        self._keys: dict[int, dict[str, tuple[int, int]]] = {}
        # and answers kept: findings share paths (a rotation, its shifts) and ask twice (mark, name)
        self._at: dict[tuple[str | int, ...], int | None] = {(): 0}
        self._names: dict[int, str | None] = {}

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

    def entries(self, node: int) -> Iterator[int]:
        node = self.target(node)
        child, end = node + 1, self.ends[node]
        if self.kinds[node] not in (_LIST, _MAP):
            return
        while child < end:
            yield child
            child = self.ends[child]

    def child(self, node: int, part: str | int, key: bool = False) -> int | None:
        """The value at ``part`` in ``node`` (for a mapping, of its first key ``part``; its key with ``key``)."""
        node = self.target(node)
        kind = self.kinds[node]
        if kind == _MAP:
            pairs = self._keys.get(node)
            if pairs is None:
                pairs = self._keys[node] = {}
                entries = self.entries(node)
                for k in entries:
                    v = next(entries, None)
                    text = self.texts[self.target(k)]
                    if text is not None and v is not None:
                        pairs.setdefault(text, (k, v))
            found = pairs.get(str(part))
            return None if found is None else found[0] if key else found[1]
        if kind == _LIST and isinstance(part, int):
            items = self._items.get(node)
            if items is None:
                items = self._items[node] = list(self.entries(node))
            return items[part] if 0 <= part < len(items) else None
        return None

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


def places(text: str) -> Places | None:
    """Where every node of ``text`` starts, or None when the text has no document or cannot be parsed.

    Collections nested past ``MAX_DEPTH`` are bare: nothing is reported inside them.
    """
    loader = Loader(text)
    try:
        if open_document(loader) is None:
            return None
        return _index(loader.get_event)
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()


def _index(get: Callable[[], Any]) -> Places:
    out = Places()
    line_of, column_of, kind_of, end_of, text_of = (
        out.lines.append, out.columns.append, out.kinds.append, out.ends.append, out.texts.append
    )
    stack: list[list[int]] = []  # each open collection: its node, its kind and how many entries it has so far
    anchors: dict[str, int] = {}
    keys: dict[str, str] = {}  # one text for each key met, however often
    node = 0  # the next node's number
    last: str | None = None  # the text of the node before, when it was a key
    while True:
        event = get()
        kind = type(event)
        if kind is MappingEndEvent or kind is SequenceEndEvent:
            out.ends[stack.pop()[0]] = node
            if not stack:
                return out
            last = None
            continue
        mark = event.start_mark
        top = stack[-1] if stack else None
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
            out.aliases[node] = anchors[event.anchor]
            text, node_kind = None, _ALIAS
        elif len(stack) >= MAX_DEPTH:
            skip(get)
            text, node_kind = None, _BARE
        else:
            text, node_kind = None, _MAP if kind is MappingStartEvent else _LIST
        line_of(mark.line)
        column_of(mark.column)
        kind_of(node_kind)
        end_of(node + 1)
        text_of(text)
        if kind is not AliasEvent and event.anchor is not None:
            anchors[event.anchor] = node
        last = text if top is not None and top[1] == _MAP and top[2] % 2 == 0 else None
        if top is not None:
            top[2] += 1
        if node_kind in (_MAP, _LIST):
            stack.append([node, node_kind, 0])
        elif top is None:
            return out
        node += 1
