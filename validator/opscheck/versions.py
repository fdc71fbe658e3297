"""Versions of the data files as audit and schedule ics read them, one committed version after
another: each parsed with the validator's loader once per blob, and an item file entry by entry.

A commit usually edits one entry of a large file. So a new version is cut into entries only
around the text that changed since the last one, an entry whose text was read before is not
parsed again, and a large entry is read as its head and the items of its long lists (a
reassigned shift re-reads one shift, not the rotation's hundreds). Every cutting function says
None when the layout is not the plain block style it expects, and the larger text is then parsed
as usual; when it answers, parsing the parts gives the data of parsing the whole.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import OrderedDict
from collections.abc import Collection
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

from opscheck.dataset import DATA_DIR, HOLIDAYS_FILE, ITEM_FILES, Dataset, data_file, load_items
from opscheck.models import HolidaysConfig, Item, RunbookMeta
from opscheck.source import Problem, load_yaml, parse_yaml, read_text, split_front_matter
from opscheck.tree import MAX_FILE_BYTES, glob_regex, too_big
from opscheck.validation import validate

if TYPE_CHECKING:
    from git import Blob

    from opscheck.history import Contents

RUNBOOK = glob_regex(data_file("runbooks/**/*.md"))
V = TypeVar("V")
M = TypeVar("M", bound=BaseModel)


class Version(NamedTuple):
    """A readable version of a file: its blob and its model (a dict by id, or one model)."""

    sha: str
    model: Any
    unchecked: frozenset[str] = frozenset()  # ids present but invalid here: not removed


class _BlobTree:
    """One blob seen as the only file of a tree, so the loader can read it."""

    def __init__(self, file: str, blob: Blob | Contents) -> None:
        self.file, self.name, self.size = file, file, int(blob.size)
        # a blob over the limit is never read into memory
        self.data = bytes(blob.data_stream.read()) if self.size <= MAX_FILE_BYTES else b""

    def read_bytes(self, file: str, limit: int = MAX_FILE_BYTES) -> bytes:
        if self.size > limit:
            raise too_big(self.size, limit)
        return self.data

    def exists(self, file: str) -> bool:
        return file == self.file

    is_file = exists

    def is_dir(self, file: str) -> bool:
        return False

    def glob(self, pattern: str) -> list[str]:
        return []

    def inside(self, file: str, folder: str) -> bool:
        return file.startswith(folder + "/")


class Reader:
    """Parse file versions with the loader, once per blob.

    The cache is bounded: a large data file's models take megabytes, and only recent versions
    come back (a revert, a file moved back); the walk itself keeps the last good version.
    """

    def __init__(self, size: int = 16) -> None:
        self.cache: OrderedDict[tuple[str, str], Version | Problem] = OrderedDict()
        self.size = size
        # Entries of the item files by their text (their model, or the id of an invalid one):
        # a commit usually edits one entry of a large file, and only that entry needs parsing.
        self.entries: _Recent[Item | str] = _Recent(ENTRY_CACHE)
        # Parts of large entries by their text (an entry without its long lists, an item of a
        # list): a reassigned shift re-reads one shift, not the rotation's hundreds.
        self.pieces: _Recent[Any] = _Recent(PIECE_CACHE)
        # The last split of each item file and its entries: the next version is cut again only
        # where it differs, and the entries it shares are taken over as they are.
        self.last: dict[str, tuple[Split, list[Item | str]]] = {}
        # How large entries were cut, by their text: the next version of one is cut alike.
        self.cuts: _Recent[Cut] = _Recent(ENTRY_CACHE)

    def read(self, file: str, blob: Blob | Contents) -> Version | Problem:
        name = file.removeprefix(DATA_DIR + "/")
        key = ("runbook" if RUNBOOK.match(file) else name, blob.hexsha)
        if key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        tree = _BlobTree(file, blob)
        by_entry = self._by_entry(file, name, tree, blob.hexsha) if name in ITEM_FILES and tree.data else None
        version = self.cache[key] = by_entry or self._parse(file, name, tree, blob.hexsha)
        if len(self.cache) > self.size:
            self.cache.popitem(last=False)
        return version

    def _by_entry(self, file: str, name: str, tree: _BlobTree, sha: str) -> Version | None:
        """The version built entry by entry from cached parses, or None to parse the whole file."""
        key, model = ITEM_FILES[name]
        try:
            text = tree.data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        last = self.last.get(name)
        split = split_entries(text, key, last[0] if last else None)
        entries = None if split is None else self._entries(file, name, text, split, model, last)
        if split is None or entries is None:
            return None  # let the whole-file parse say what is wrong
        self.last[name] = (split, entries)
        found: dict[str, Any] = {}
        unchecked: set[str] = set()
        for entry in entries:
            if isinstance(entry, str):
                unchecked.add(entry)
            else:
                found.setdefault(entry.id, entry)  # type: ignore[attr-defined]
        return Version(sha, found, frozenset(unchecked))

    def _entries(self, file: str, name: str, text: str, split: Split, model: type[Item],
                 last: tuple[Split, list[Item | str]] | None) -> list[Item | str] | None:
        """The entries of ``split`` (of ``text``); None if one cannot be read on its own."""
        before, after = ([], []) if last is None else _shared(last[0].chunks, last[1], split.chunks)
        chunks = split.chunks[len(before) : len(split.chunks) - len(after)]
        if sum(1 for chunk in chunks if (name, chunk) not in self.entries) > MAX_UNREAD_ENTRIES:
            return self._all_entries(file, name, text, split.chunks)
        # a commit that edits one entry: the entry's last version tells how to cut it again
        gone = slice(len(before), len(last[1]) - len(after)) if last else None
        old = list(zip(last[0].chunks[gone], last[1][gone], strict=True)) if last and gone else None
        changed = []
        for n, chunk in enumerate(chunks):
            entry = self.entries.recent((name, chunk))
            if entry is None:
                entry = self._entry(file, name, chunk, model, old[n] if old and len(old) == len(chunks) else None)
            if entry is None:
                return None
            changed.append(entry)
        return before + changed + after

    def _all_entries(self, file: str, name: str, text: str, chunks: list[str]) -> list[Item | str] | None:
        """Every entry of a version most of whose entries are new, from one parse of the whole
        text (as the entries' own parses would give them); None if one cannot be read."""
        key, model = ITEM_FILES[name]
        doc = parse_yaml(file, text)
        raws = doc.data.get(key) if doc.ok and isinstance(doc.data, dict) else None
        if not isinstance(raws, list) or len(raws) != len(chunks):
            return None
        found: list[Item | str] = []
        for chunk, raw in zip(chunks, raws, strict=True):
            entry = _model_of(model, raw) or _id_of(raw)
            if entry is None:
                return None
            self.entries.keep((name, chunk), entry)
            found.append(entry)
        return found

    def _entry(self, file: str, name: str, chunk: str, model: type[Item],
               old: tuple[str, Item | str] | None) -> Item | str | None:
        """The model of one entry (``old``, its last version's text and entry, when known), or
        the id of an entry that is there but invalid; None when it cannot be read on its own."""
        entry: Item | str | None = self._from_pieces(file, name, chunk, model, old)
        if entry is None:
            doc = parse_yaml(file, chunk)
            if not doc.ok or not isinstance(doc.data, list) or len(doc.data) != 1:
                return None
            entry = _model_of(model, doc.data[0]) or _id_of(doc.data[0])
        if entry is not None:
            self.entries.keep((name, chunk), entry)
        return entry

    def _from_pieces(self, file: str, name: str, chunk: str, model: type[Item],
                     old: tuple[str, Item | str] | None) -> Item | None:
        """The entry built from its head and the items of its long lists, each parsed once;
        None when it is not laid out for that or is invalid (the entry is then parsed whole)."""
        lists = _model_lists(model)
        last = None if old is None else self.cuts.recent((name, old[0]))
        cut = cut_lists(chunk, lists, None if old is None or last is None else (old[0], last))
        if cut is None:
            return None
        self.cuts.keep((name, chunk), cut)
        head = self.pieces.recent(("", cut.head))
        if head is None:
            # Met for the first time: parsing it whole is cheaper than parsing its items one by one.
            # Its head is read now, so that a later version of it is read from its pieces.
            self._piece(file, cut.head, None)
            return None
        # each list's key is there without a value, where the whole entry has the list
        if not isinstance(head, dict) or any(key not in head or head[key] is not None for key in cut.items):
            return None
        raw = dict(head)
        known = None if old is None or isinstance(old[1], str) else old[1]  # the last version's model
        for key, texts in cut.items.items():
            shared = (last.items.get(key, []), getattr(known, key)) if last and known else None
            raw[key] = self._items(file, texts, lists[key], shared)
            if raw[key] is None:
                return None
        try:
            return model.model_validate(raw)  # the items are models already: not validated again
        except ValidationError:
            return None

    def _items(self, file: str, texts: list[str], model: type[BaseModel],
               old: tuple[list[str], list[Any]] | None) -> list[Any] | None:
        """The models of a list's items; ``old``, the item texts and models of the list's last
        version, gives those of the items they share."""
        before: list[Any] = []
        after: list[Any] = []
        if old is not None and len(old[1]) == len(old[0]):
            before, after = _shared(old[0], old[1], texts)
        models = [*before, *(self._piece(file, text, model) for text in texts[len(before) : len(texts) - len(after)]),
                  *after]
        return None if any(item is None for item in models) else models

    def _piece(self, file: str, text: str, model: type[BaseModel] | None) -> Any:
        """The data of a one-item list (its model, with ``model``), or None."""
        key = (model.__name__ if model else "", text)
        found = self.pieces.recent(key)
        if found is None:
            doc = parse_yaml(file, text)
            if not doc.ok or not isinstance(doc.data, list) or len(doc.data) != 1:
                return None
            found = doc.data[0] if model is None else _model_of(model, doc.data[0])
            if found is not None:
                self.pieces.keep(key, found)
        return found

    @staticmethod
    def _parse(file: str, name: str, tree: _BlobTree, sha: str) -> Version | Problem:
        if name in ITEM_FILES:
            ds = Dataset(root=Path("."), as_of=dt.date.min, tree=tree)
            load_items(ds, name)
            key = ITEM_FILES[name][0]
            unchecked = ds.unchecked.get(key)
            if unchecked is None:
                return _first(ds.problems, file)
            return Version(sha, dict(getattr(ds, key)), frozenset(unchecked))
        if name == HOLIDAYS_FILE:
            doc = load_yaml(tree, file)
            model, problems = validate(doc, HolidaysConfig, doc.data) if doc.ok else (None, doc.problems)
            return Version(sha, model) if model is not None else _first(problems, file)
        text, problem = read_text(tree, file)
        if text is None:
            return problem or _first([], file)
        doc, _, _ = split_front_matter(file, text)
        meta, problems = validate(doc, RunbookMeta, doc.data) if doc.ok else (None, doc.problems)
        return Version(sha, meta) if meta is not None else _first(problems, file)


def _shared(old: list[str], values: list[V], texts: list[str]) -> tuple[list[V], list[V]]:
    """The values of the texts ``texts`` starts and ends with that ``old`` has in the same
    places: the very same string objects, as a new cut takes them over from the last."""
    most = min(len(old), len(texts))
    start = 0
    while start < most and texts[start] is old[start]:
        start += 1
    end = 0
    while end < most - start and texts[-1 - end] is old[-1 - end]:
        end += 1
    return values[:start], values[len(values) - end :]


ENTRY_CACHE = 20_000
PIECE_CACHE = 50_000
# Parsing entries one by one pays when most were read before; a version with more new ones than
# this (the first of a 90,000-engineer file) is parsed whole, several times faster.
MAX_UNREAD_ENTRIES = 2_000


class _Recent(OrderedDict[tuple[str, str], V]):
    """A cache that forgets its least recently used values beyond ``size``."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def recent(self, key: tuple[str, str]) -> V | None:
        found = self.get(key)
        if found is not None:
            self.move_to_end(key)
        return found

    def keep(self, key: tuple[str, str], value: V) -> None:
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)


@cache
def _model_lists(model: type[BaseModel]) -> dict[str, type[BaseModel]]:
    """The fields of ``model`` that hold a list of models, and the model of their items."""
    found = {}
    for name, info in model.model_fields.items():
        item = get_args(info.annotation)[0] if get_origin(info.annotation) is list else None
        if isinstance(item, type) and issubclass(item, BaseModel):
            found[name] = item
    return found


def _model_of(model: type[M], data: Any) -> M | None:
    """The model of ``data``, or None: a version read for its data needs no explanation of
    what is wrong with it (and a file invalid in each of its 100,000 entries has as many)."""
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


def _id_of(raw: Any) -> str | None:
    """The id of an entry that is there but invalid, if it names one."""
    return raw["id"] if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None


def _first(problems: list[Problem], file: str) -> Problem:
    return problems[0] if problems else Problem("OPS001", file, 1, 1, "empty")


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
