"""Versions of the data files as audit and schedule ics read them, one committed version after
another: each parsed with the validator's loader once per blob, and an item file entry by entry.

A commit usually edits one entry of a large file. So a new version is cut into entries only
around the text that changed since the last one (entries.py), an entry whose text was read
before is not parsed again, and a large entry is read as its head and the items of its long
lists (a reassigned shift re-reads one shift, not the rotation's hundreds). Whatever cannot be
read in parts is parsed whole, as the validator reads it.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, get_args, get_origin

from pydantic import BaseModel, ValidationError

from opscheck.budget import Budget, OutOfWork
from opscheck.compose import MAX_LIST_ENTRIES
from opscheck.dataset import DATA_DIR, HOLIDAYS_FILE, ITEM_FILES, Dataset, data_file, load_items
from opscheck.entries import Cut, Split, cut_lists, split_entries
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


class Spent(OutOfWork):
    """The reader has parsed as much text as it may in one run (MAX_PARSED)."""


class Reader:
    """Parse file versions with the loader, once per blob, within MAX_PARSED characters a run.

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
        self.room = MAX_LIST_ENTRIES
        self.work = Budget(MAX_PARSED)  # characters this reader may still parse

    def _charge(self, text: str | bytes) -> None:
        """Count ``text`` against the budget before it is parsed; Spent when it does not fit (its
        own kind, as comparing versions may spend other budgets)."""
        try:
            self.work.spend(max(len(text), MIN_PARSE))
        except OutOfWork:
            raise Spent from None

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
        # The file's entries and the items of the lists cut out of them count towards its limit on
        # list entries (those of lists left in an entry's head do not: a file just over the limit
        # may still be read here, but never one that costs more than the limit's worth of pieces).
        self.room = MAX_LIST_ENTRIES - (len(split.chunks) if split else 0)
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
        if self.room < 0:
            return None  # the whole-file parse refuses it
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
        self._charge(text)
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
            self._charge(chunk)
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
        self.room -= len(texts)
        if self.room < 0:
            return None  # more than a file may hold: the whole-file parse says so, without reading each
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
            self._charge(text)
            doc = parse_yaml(file, text)
            if not doc.ok or not isinstance(doc.data, list) or len(doc.data) != 1:
                return None
            found = doc.data[0] if model is None else _model_of(model, doc.data[0])
            if found is not None:
                self.pieces.keep(key, found)
        return found

    def _parse(self, file: str, name: str, tree: _BlobTree, sha: str) -> Version | Problem:
        self._charge(tree.data)
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


# The text the reader parses in a run, in characters, each parse counted as at least MIN_PARSE
# (a parse costs as much as that much text): a 300-engineer organisation's 1,000 commits take
# about 4,000,000, and twenty commits that each put a new comment on every line of a
# 20,000-shift rotation (no change at all) took 19,000,000 in 380,000 parses, 14 s and 363 MiB.
MAX_PARSED = 16_000_000
MIN_PARSE = 512
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
    what is wrong with it (and a file invalid in each of its 100,000 entries has as many).
    ``data`` is used up: its long lists end up holding their items' models."""
    try:
        return model.model_validate(_items_made(model, data))
    except ValidationError:
        return None


LONG_LIST = 1_000  # a list of models this long is validated an item at a time


def _items_made(model: type[BaseModel], data: Any) -> Any:
    """``data`` with each long list of models holding its items' models, each raw item let go
    once its model is made: the raw data and the models of a rotation's 268,000 shifts are not
    held at once. The entry is then validated with models for items, which are not validated again."""
    if not isinstance(data, dict):
        return data
    for key, item in _model_lists(model).items():
        raws = data.get(key)
        if isinstance(raws, list) and len(raws) > LONG_LIST:
            for n, raw in enumerate(raws):
                raws[n] = item.model_validate(raw)
    return data


def _id_of(raw: Any) -> str | None:
    """The id of an entry that is there but invalid, if it names one."""
    return raw["id"] if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None


def _first(problems: list[Problem], file: str) -> Problem:
    return problems[0] if problems else Problem("OPS001", file, 1, 1, "empty")
