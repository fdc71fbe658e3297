"""Item files cut into their entries, and entries into their long lists' items, as plain text:
what lets versions.py parse a new version of a large file only where it changed.

Each function says None when the layout is not the plain block style it expects (flow style,
anchors, tabs, other top-level keys): the caller then parses the larger text as usual. When it
answers, parsing the parts gives the data of parsing the whole. Given the cut of another
version of the same text, each cuts again only around what changed, with the same result.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Collection
from typing import NamedTuple

# Anchors and aliases tie entries together, tabs and line ends other than \n follow rules of
# their own: a file holding any of them is parsed whole instead.
_WHOLE_ONLY = re.compile("[*&\t\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# A line that is neither blank, nor a comment, nor indented (the text before the list's key).
_UNINDENTED = re.compile(r"^(?! )[^\S\n]*[^\s#]", re.M)
_CONTENT = re.compile(r"^[^\S\n]*[^\s#]", re.M)  # a line that is not blank or a comment
_MARK = re.compile(r"( *)-(?: |$)", re.M)
_BLOCK = 4096  # texts are compared this many characters at a time
_KEY_END = r":(?:[^\S\n]+(?:#.*)?)?$"  # the end of a line holding only a key (and a comment)


class Split(NamedTuple):
    """An item file cut into the entries of its list: entry ``n`` starts at ``starts[n]`` of
    ``text``; ``chunks[n]`` is its text moved to column 0, a one-item YAML list."""

    text: str
    lead: str  # the indent of every entry's '-'
    starts: list[int]
    chunks: list[str]


def split_entries(text: str, key: str, last: Split | None = None) -> Split | None:
    """The entries of the block list under top-level ``key``; ``last``, a split of another
    version of the file, spares cutting again the entries the two texts share.

    None when the file is not laid out as one plain block list (flow style, anchors, other
    top-level keys, tabs): the caller then parses the whole file as usual. Either way the
    result is the same as without ``last``; with it, only the text around the change is
    searched, which matters when every version of a large file is read.
    """
    if last is None or not last.starts:
        return _split_whole(text, key)
    again = _again(last.lead, last.starts, len(last.text), last.text, text)
    if again is None or _WHOLE_ONLY.search(text, again.start, again.stop):
        return _split_whole(text, key)  # it says None when a changed line breaks the layout
    return Split(text, last.lead, again.starts(last.starts), again.texts(last.chunks, _chunks(text, last.lead,
                                                                                                again.new, again.stop)))


def _split_whole(text: str, key: str) -> Split | None:
    if _WHOLE_ONLY.search(text):
        return None
    head = re.search(rf"^{re.escape(key)}{_KEY_END}", text, re.M)
    if head is None or _UNINDENTED.search(text, 0, head.start()):
        return None
    body = text.find("\n", head.end()) + 1
    first = _CONTENT.search(text, body) if body else None
    if first is None:
        return Split(text, "", [], [])
    indent = _MARK.match(text, first.start())
    if indent is None:
        return None
    lead = indent[1]
    if _stray(lead).search(text, body):
        return None
    starts = [m.start() for m in _entry_line(lead).finditer(text, body)]
    return Split(text, lead, starts, _chunks(text, lead, starts, len(text)))


def _entry_line(lead: str) -> re.Pattern[str]:
    """The first line of an entry."""
    return re.compile(rf"^{lead}-(?: |$)", re.M)


def _stray(lead: str) -> re.Pattern[str]:
    """A line that is not blank, a comment, an entry's first line or indented deeper than it."""
    return re.compile(rf"^(?!{lead}-(?: |$)|{lead} )[^\S\n]*[^\s#]", re.M)


def _slices(text: str, starts: list[int], end: int) -> list[str]:
    """The texts from each of ``starts`` to the next, the last one to ``end``."""
    return [text[a:b] for a, b in zip(starts, [*starts[1:], end], strict=True)]


def _chunks(text: str, lead: str, starts: list[int], end: int) -> list[str]:
    chunks = _slices(text, starts, end)
    if not lead:
        return chunks
    # a comment or blank line may be indented less than the entries: it stays as it is
    cut = len(lead)
    return ["".join(line[cut:] if line.startswith(lead) else line for line in chunk.splitlines(keepends=True))
            for chunk in chunks]


class _Again(NamedTuple):
    """The entries ``i`` to ``j`` (excluded) of a list's last version that held all the changes,
    and where entries begin (``new``) from ``start`` to ``stop`` in the new text in their place."""

    i: int
    j: int
    new: list[int]
    start: int
    stop: int
    shift: int  # how much longer the new text is

    def starts(self, old: list[int]) -> list[int]:
        return old[: self.i] + self.new + [s + self.shift for s in old[self.j :]]

    def texts(self, old: list[str], new: list[str]) -> list[str]:
        return old[: self.i] + new + old[self.j :]


def _again(lead: str, starts: list[int], end: int, old: str, text: str) -> _Again | None:
    """Where a list changed between ``old`` and ``text`` (its entries at indent ``lead`` begin at
    ``starts`` in ``old`` and the list ends at ``end``). None when the change reaches the first
    entry's '-' or the list's end, which decide how the rest is read, or leaves a line the list
    cannot hold: the list is then cut again whole."""
    same_start = _common_prefix(old, text)
    same_end = _common_suffix(old, text, min(len(old), len(text)) - same_start)
    # an entry whose first line is unchanged up to the character after its '-' still starts there
    i = bisect.bisect_right(starts, same_start - len(lead) - 2) - 1
    if i < 0 or (end < len(old) and len(old) - same_end >= end):
        return None
    # an entry is untouched when the line end before it is unchanged too
    j = bisect.bisect_right(starts, len(old) - same_end)
    shift = len(text) - len(old)
    stop = (starts[j] if j < len(starts) else end) + shift
    part = text[starts[i] : stop]
    if _stray(lead).search(part):
        return None
    return _Again(i, j, [starts[i] + m.start() for m in _entry_line(lead).finditer(part)], starts[i], stop, shift)


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common start of ``a`` and ``b``."""
    n = min(len(a), len(b))
    same = 0
    while same + _BLOCK <= n and a[same : same + _BLOCK] == b[same : same + _BLOCK]:
        same += _BLOCK
    top = min(n, same + _BLOCK)
    while same < top:
        mid = (same + top + 1) // 2
        if a[same:mid] == b[same:mid]:
            same = mid
        else:
            top = mid - 1
    return same


def _common_suffix(a: str, b: str, limit: int) -> int:
    """The length of the longest common end of ``a`` and ``b``, at most ``limit``."""
    la, lb = len(a), len(b)
    same = 0
    while same + _BLOCK <= limit and a[la - same - _BLOCK : la - same] == b[lb - same - _BLOCK : lb - same]:
        same += _BLOCK
    top = min(limit, same + _BLOCK)
    while same < top:
        mid = (same + top + 1) // 2
        if a[la - mid : la - same] == b[lb - mid : lb - same]:
            same = mid
        else:
            top = mid - 1
    return same


class Block(NamedTuple):
    """Where a block list lies in an entry: the indent of its items' '-', where each item begins,
    and where the list ends."""

    lead: str
    starts: list[int]
    end: int


class Cut(NamedTuple):
    """An entry with the block lists under some of its keys taken out: ``head`` is the entry with
    those keys left without a value; ``items[key]`` are the texts of the list's items, each a
    one-item YAML list at the list's indent."""

    head: str
    items: dict[str, list[str]]
    blocks: dict[str, Block]


_KEYS_AT_2 = re.compile(r"- [^\s#]")  # an entry whose first key is on its first line, at column 2
_SIBLING = re.compile(r"  [^ \n]")  # a line of a key at column 2


def cut_lists(chunk: str, keys: Collection[str], last: tuple[str, Cut] | None = None) -> Cut | None:
    """The entry ``chunk`` (a one-item list at column 0, as cut by split_entries) with the block
    lists under ``keys`` cut out: None unless at least one of them is there, each once, as a
    plain block list that runs until the next key of the entry.

    ``last``, another version of the entry and its cut, spares cutting again the items they
    share when only one list's items changed; the result is the same.
    """
    again = None if last is None else _cut_again(*last, chunk)
    if again is not None:
        return again
    if not keys or not _KEYS_AT_2.match(chunk):
        return None
    names = "|".join(re.escape(key) for key in keys)
    found = list(re.finditer(rf"^  ({names}){_KEY_END}\n", chunk, re.M))
    if not found or len({m[1] for m in found}) != len(found):
        return None
    head: list[str] = []
    items: dict[str, list[str]] = {}
    blocks: dict[str, Block] = {}
    done = 0
    for m in found:
        block = _block(chunk, m.end())
        if block is None:
            return None
        items[m[1]] = _slices(chunk, block.starts, block.end)
        blocks[m[1]] = block
        head.append(chunk[done : m.end()])
        done = block.end
    head.append(chunk[done:])
    return Cut("".join(head), items, blocks)


def _block(chunk: str, start: int) -> Block | None:
    """The block list from ``start``, or None."""
    first = _CONTENT.search(chunk, start)
    mark = None if first is None else _MARK.match(chunk, first.start())
    if mark is None or len(mark[1]) < 2:
        return None
    lead = mark[1]
    stray = _stray(lead).search(chunk, start)
    end = len(chunk) if stray is None else stray.start()
    if end < len(chunk) and not _SIBLING.match(chunk, end):
        return None
    return Block(lead, [m.start() for m in _entry_line(lead).finditer(chunk, mark.start(), end)], end)


def _cut_again(old: str, cut: Cut, chunk: str) -> Cut | None:
    """``chunk`` cut like ``old`` was, when all that changed lies among the items of one list."""
    for key, block in cut.blocks.items():
        again = _again(block.lead, block.starts, block.end, old, chunk)
        if again is None:
            continue
        items = {**cut.items, key: again.texts(cut.items[key], _slices(chunk, again.new, again.stop))}
        # the lists after this one moved with the text
        blocks = {name: b if b.end <= block.starts[0] else Block(b.lead, [s + again.shift for s in b.starts],
                                                                 b.end + again.shift)
                  for name, b in cut.blocks.items()}
        blocks[key] = Block(block.lead, again.starts(block.starts), block.end + again.shift)
        return Cut(cut.head, items, blocks)
    return None
