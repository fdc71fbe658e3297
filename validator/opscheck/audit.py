"""`opscheck audit`: the semantic changes each commit made to ops-data/, oldest first.

Walks the first-parent history (a merged pull request is one step), reads each changed file
version with the validator's own loader (once per blob), and compares models by id, so a
moved line or a new comment is no change and a reassigned shift is one. A version that cannot
be read is reported and skipped: the next one is compared with the last good version.
"""

from __future__ import annotations

import bisect
import datetime as dt
import gc
import re
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from opscheck.dataset import DATA_DIR, HOLIDAYS_FILE, ITEM_FILES, Dataset, data_file, load_items
from opscheck.errors import ConfigError
from opscheck.history import commit_day, open_repo, prefix_of, require_full_history
from opscheck.models import (
    Engineer,
    ExtraDay,
    Handoff,
    HolidaysConfig,
    Item,
    Override,
    Pipeline,
    Rotation,
    RunbookMeta,
    TimeOff,
)
from opscheck.source import Problem, load_yaml, parse_yaml, read_text, split_front_matter
from opscheck.tree import MAX_FILE_BYTES, glob_regex, too_big
from opscheck.validation import validate

if TYPE_CHECKING:
    from git import Blob, Commit

RUNBOOK = glob_regex(data_file("runbooks/**/*.md"))

TEMPLATES = {
    "file-added": "{subject} added: {new}",
    "file-deleted": "{subject} deleted; later commits are compared with its last version",
    "file-unreadable": "{subject} unreadable at this commit ({new}); skipped",
    "engineer-joined": "engineer {subject} joined",
    "engineer-left": "engineer {subject} left (removed from engineers.yaml)",
    "engineer-inactive": "engineer {subject} went inactive",
    "engineer-active": "engineer {subject} is active again",
    "pipeline-added": "pipeline {subject} added",
    "pipeline-removed": "pipeline {subject} removed",
    "rotation-added": "rotation {subject} added",
    "rotation-removed": "rotation {subject} removed",
    "shift-added": "{subject} shift added: {new}",
    "shift-removed": "{subject} shift removed (was {old})",
    "shift-reassigned": "{subject} shift {old} -> {new}",
    "override-added": "{subject} override added: {new}",
    "override-removed": "{subject} override removed (was {old})",
    "override-changed": "{subject} override {old} -> {new}",
    "runbook-added": "runbook {subject} added",
    "runbook-removed": "runbook {subject} removed",
    "runbook-renamed": "runbook {old} renamed to {new}",
    "runbook-edited": "runbook {subject} edited (text only)",
    "failure-mode-added": "{subject} failure mode added: {new}",
    "failure-mode-removed": "{subject} failure mode removed: {old}",
    "failure-mode-changed": "{subject} failure mode {field} changed",
    "none": "no semantic change (comments or layout only)",
}
FIELD_CHANGE = "{subject} {field} {old} -> {new}"  # kinds owner, pipeline, engineer, rotation, holidays, runbook


class Change(NamedTuple):
    kind: str
    subject: str
    field: str | None = None
    old: Any = None
    new: Any = None

    def text(self) -> str:
        values = {"subject": self.subject, "field": self.field, "old": _show(self.old), "new": _show(self.new)}
        return TEMPLATES.get(self.kind, FIELD_CHANGE).format(**values)

    def as_dict(self) -> dict[str, Any]:
        return self._asdict()


@dataclass
class Entry:
    """One commit and what it changed."""

    date: dt.date
    sha: str
    author: str
    email: str
    subject: str
    changes: list[Change] = field(default_factory=list)

    def lines(self) -> list[str]:
        head = f"{self.date} {self.sha[:7]} {self.author} <{self.email}>: "
        return [f"# {self.date} {self.sha[:7]} {self.subject}"] + [head + c.text() for c in self.changes]

    def as_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "sha": self.sha, "author": self.author, "email": self.email,
                "subject": self.subject, "changes": [c.as_dict() for c in self.changes]}


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


class Version(NamedTuple):
    """A readable version of a file: its blob and its model (a dict by id, or one model)."""

    sha: str
    model: Any
    unchecked: frozenset[str] = frozenset()  # ids present but invalid here: not removed


class _BlobTree:
    """One blob seen as the only file of a tree, so the loader can read it."""

    def __init__(self, file: str, blob: Blob) -> None:
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
        # Entries of the item files by their text: a commit usually edits one entry of a
        # large file, and only that entry's text needs parsing again.
        self.entries: OrderedDict[tuple[str, str], Item | None] = OrderedDict()
        # The last split of each item file: the next version is cut again only where it differs.
        self.splits: dict[str, Split] = {}

    def read(self, file: str, blob: Blob) -> Version | Problem:
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
        split = split_entries(text, key, self.splits.get(name))
        if split is None:
            return None
        self.splits[name] = split
        found: dict[str, Any] = {}
        unchecked: set[str] = set()
        for chunk in split.chunks:
            cache_key = (name, chunk)
            if cache_key in self.entries:
                self.entries.move_to_end(cache_key)
                item = self.entries[cache_key]
            else:
                doc = parse_yaml(file, chunk)
                if not doc.ok or not isinstance(doc.data, list) or len(doc.data) != 1:
                    return None  # let the whole-file parse say what is wrong
                item, _ = validate(doc, model, doc.data[0])
                if item is None:
                    raw = doc.data[0]
                    if not (isinstance(raw, dict) and isinstance(raw.get("id"), str)):
                        return None
                    unchecked.add(raw["id"])
                self.entries[cache_key] = item
                if len(self.entries) > ENTRY_CACHE:
                    self.entries.popitem(last=False)
            if item is not None:
                found.setdefault(item.id, item)  # type: ignore[attr-defined]
        return Version(sha, found, frozenset(unchecked))

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


ENTRY_CACHE = 20_000
# Anchors and aliases tie entries together, tabs and line ends other than \n follow rules of
# their own: a file holding any of them is parsed whole instead.
_WHOLE_ONLY = re.compile("[*&\t\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
# A line that is neither blank, nor a comment, nor indented (the text before the list's key).
_UNINDENTED = re.compile(r"^(?! )[^\S\n]*[^\s#]", re.M)
_CONTENT = re.compile(r"^[^\S\n]*[^\s#]", re.M)  # a line that is not blank or a comment
_MARK = re.compile(r"( *)-(?: |$)", re.M)
_BLOCK = 4096  # texts are compared this many characters at a time


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
    changed = _changed_entries(last, text) if last is not None else None
    if last is None or changed is None:
        return _split_whole(text, key)
    i, j, start, end = changed
    part = text[start:end]
    if _WHOLE_ONLY.search(part) or _stray(last.lead).search(part):
        return None
    starts = [start + m.start() for m in _entry_line(last.lead).finditer(part)]
    shift = len(text) - len(last.text)
    return Split(text, last.lead, last.starts[:i] + starts + [s + shift for s in last.starts[j:]],
                 last.chunks[:i] + _chunks(text, last.lead, starts, end) + last.chunks[j:])


def _split_whole(text: str, key: str) -> Split | None:
    if _WHOLE_ONLY.search(text):
        return None
    head = re.search(rf"^{re.escape(key)}:[^\S\n]*(#.*)?$", text, re.M)
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


def _chunks(text: str, lead: str, starts: list[int], end: int) -> list[str]:
    chunks = [text[a:b] for a, b in zip(starts, [*starts[1:], end], strict=True)]
    if not lead:
        return chunks
    # a comment or blank line may be indented less than the entries: it stays as it is
    cut = len(lead)
    return ["".join(line[cut:] if line.startswith(lead) else line for line in chunk.splitlines(keepends=True))
            for chunk in chunks]


def _changed_entries(last: Split, text: str) -> tuple[int, int, int, int] | None:
    """The entries ``i`` to ``j`` (excluded) of ``last`` that hold all of its differences from
    ``text``, and where they lie in ``text``; None when the change reaches the file's head or
    the first entry's '-', which decide how the rest is read."""
    old = last.text
    same_start = _common_prefix(old, text)
    same_end = _common_suffix(old, text, min(len(old), len(text)) - same_start)
    # an entry whose first line is unchanged up to the character after its '-' still starts there
    i = bisect.bisect_right(last.starts, same_start - len(last.lead) - 2) - 1
    if i < 0:
        return None
    # an entry is untouched when the line end before it is unchanged too
    j = bisect.bisect_right(last.starts, len(old) - same_end)
    end = last.starts[j] + len(text) - len(old) if j < len(last.starts) else len(text)
    return i, j, last.starts[i], end


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


def _first(problems: list[Problem], file: str) -> Problem:
    return problems[0] if problems else Problem("OPS001", file, 1, 1, "empty")


def tracked(file: str) -> bool:
    return RUNBOOK.match(file) is not None or file.removeprefix(DATA_DIR + "/") in (*ITEM_FILES, HOLIDAYS_FILE)


# --- comparing two versions of a file -------------------------------------------------------------


def diff_file(file: str, old: Version | None, new: Version) -> list[Change]:
    name = file.removeprefix(DATA_DIR + "/")
    if RUNBOOK.match(file):
        rel = name
        if old is None:
            return [Change("runbook-added", rel)]
        return _runbook(rel, old.model, new.model) or [Change("runbook-edited", rel)]
    if old is None:
        return [Change("file-added", file, new=_summary(name, new.model))]
    if name == HOLIDAYS_FILE:
        return list(_fields("holidays", "holidays", old.model, new.model, ("calendar", "subdivision", "dates",
                                                                           "observe", "extra")))
    compare = {"engineers.yaml": _engineer, "pipelines.yaml": _pipeline, "oncall.yaml": _rotation}[name]
    return list(_by_id(name, old.model, new, compare))


def _summary(name: str, model: Any) -> str:
    if name == "oncall.yaml":
        shifts = sum(len(r.shifts) for r in model.values())
        overrides = sum(len(r.overrides) for r in model.values())
        return f"{_count(len(model), 'rotation')}, {_count(shifts, 'shift')}, {_count(overrides, 'override')}"
    if name == HOLIDAYS_FILE:
        return f"calendar {model.calendar}, {_count(len(model.observe), 'holiday')} observed"
    return _count(len(model), ITEM_FILES[name][0].removesuffix("s"))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _by_id(name: str, old: dict[str, Any], new: Version, compare: Any) -> Iterator[Change]:
    thing = ITEM_FILES[name][0].removesuffix("s")
    added = {"engineer": "engineer-joined"}.get(thing, f"{thing}-added")
    removed = {"engineer": "engineer-left"}.get(thing, f"{thing}-removed")
    for ident in sorted(old.keys() | new.model.keys()):
        before, after = old.get(ident), new.model.get(ident)
        if before is None:
            yield Change(added, ident)
        elif after is None:
            if ident not in new.unchecked:  # invalid here, not removed: wait for a good version
                yield Change(removed, ident)
        elif before is not after and before != after:  # an unchanged entry is the same object
            yield from compare(ident, before, after)


def _fields(kind: str, subject: str, old: Any, new: Any, names: tuple[str, ...]) -> Iterator[Change]:
    for name in names:
        before, after = _plain(getattr(old, name)), _plain(getattr(new, name))
        if before != after:
            yield Change(kind, subject, name, before, after)


def _plain(value: Any) -> Any:
    """A JSON-ready form of a model value: dates as text, sub-models as short text."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, TimeOff):
        return f"{value.start}..{value.end}" + (f" ({value.reason})" if value.reason else "")
    if isinstance(value, Handoff):
        return f"{value.weekday} {value.time} {value.timezone}"
    if isinstance(value, ExtraDay):
        return f"{value.name} on {value.date}"
    return value


def _engineer(ident: str, old: Engineer, new: Engineer) -> Iterator[Change]:
    if old.active != new.active:
        yield Change("engineer-active" if new.active else "engineer-inactive", ident)
    yield from _fields("engineer", ident, old, new, ("name", "email", "github", "time_off"))


def _pipeline(ident: str, old: Pipeline, new: Pipeline) -> Iterator[Change]:
    for role in ("primary", "secondary"):
        before = getattr(old.owners, role) if old.owners else None
        after = getattr(new.owners, role) if new.owners else None
        if before != after:
            yield Change("owner", ident, role, before, after)
    yield from _fields("pipeline", ident, old, new, ("name", "area", "audience", "rotation", "runbook"))


def _rotation(ident: str, old: Rotation, new: Rotation) -> Iterator[Change]:
    yield from _fields("rotation", ident, old, new, ("members", "handoff"))
    before = {s.week: s.engineer for s in old.shifts}
    after = {s.week: s.engineer for s in new.shifts}
    for week in sorted(before.keys() | after.keys()):
        subject = f"{ident}@{week}"
        if week not in before:
            yield Change("shift-added", subject, new=after[week])
        elif week not in after:
            yield Change("shift-removed", subject, old=before[week])
        elif before[week] != after[week]:
            yield Change("shift-reassigned", subject, "engineer", before[week], after[week])
    yield from _overrides(ident, old.overrides, new.overrides)


def _override_text(ov: Override) -> str:
    days = "" if ov.first == ov.last else f" until {ov.last}"
    return f"{ov.engineer}{days}" + (f" ({ov.reason})" if ov.reason else "")


def _overrides(ident: str, old: list[Override], new: list[Override]) -> Iterator[Change]:
    def by_day(overrides: list[Override]) -> dict[tuple[dt.date, int], Override]:
        seen: dict[dt.date, int] = {}
        out = {}
        for ov in sorted(overrides, key=lambda o: (o.first, o.last, o.engineer)):
            n = seen[ov.first] = seen.get(ov.first, -1) + 1
            out[(ov.first, n)] = ov
        return out

    before, after = by_day(old), by_day(new)
    for key in sorted(before.keys() | after.keys()):
        subject = f"{ident}@{key[0]}"
        if key not in before:
            yield Change("override-added", subject, new=_override_text(after[key]))
        elif key not in after:
            yield Change("override-removed", subject, old=_override_text(before[key]))
        elif before[key] != after[key]:
            yield Change("override-changed", subject, None, _override_text(before[key]), _override_text(after[key]))


def _runbook(rel: str, old: RunbookMeta, new: RunbookMeta) -> list[Change]:
    changes = list(_fields("runbook", rel, old, new, ("pipeline", "last_reviewed")))
    before = {m.id: m for m in old.failure_modes}
    after = {m.id: m for m in new.failure_modes}
    for mode in sorted(before.keys() | after.keys()):
        if mode not in before:
            changes.append(Change("failure-mode-added", rel, new=mode))
        elif mode not in after:
            changes.append(Change("failure-mode-removed", rel, old=mode))
        elif before[mode] != after[mode]:
            changes.append(Change("failure-mode-changed", rel, mode))
    return changes


# --- walking history -----------------------------------------------------------------------------


class _Walk:
    """The last good version of every file, moved forward one commit at a time."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.reader = Reader()
        self.state: dict[str, Version] = {}

    def seed(self, commit: Commit, spec: str) -> None:
        """Start from the files of ``commit`` (the parent of the first commit shown)."""
        for blob in _blobs(commit, spec):
            file = str(blob.path).removeprefix(self.prefix)
            if tracked(file):
                version = self._last_good(commit, file, blob)
                if version is not None:
                    self.state[file] = version

    def _last_good(self, commit: Commit, file: str, blob: Any) -> Version | None:
        """The file's version at ``commit``, or its last readable one before."""
        version = self.reader.read(file, blob)
        if isinstance(version, Version):
            return version
        for older in commit.repo.iter_commits(commit, paths=self.prefix + file, first_parent=True):
            try:
                version = self.reader.read(file, older.tree / (self.prefix + file))
            except KeyError:
                return None
            if isinstance(version, Version):
                return version
        return None

    def step(self, commit: Commit, spec: str) -> list[Change]:
        changes: list[Change] = []
        diffs: list[tuple[str, str, str, Any]] = (
            [(str(d.change_type), str(d.a_path or ""), str(d.b_path or ""), d.b_blob)
             for d in commit.parents[0].diff(commit, paths=[spec])]
            if commit.parents else [("A", "", str(b.path), b) for b in _blobs(commit, spec)]
        )
        for kind, a_path, b_path, blob in sorted(diffs, key=lambda d: d[2] or d[1]):
            old_file = a_path.removeprefix(self.prefix)
            new_file = b_path.removeprefix(self.prefix)
            if kind == "D":
                changes += self._deleted(old_file)
            elif kind == "R" and RUNBOOK.match(old_file) and RUNBOOK.match(new_file):
                changes.append(Change("runbook-renamed", new_file.removeprefix(DATA_DIR + "/"), None,
                                      old_file.removeprefix(DATA_DIR + "/"), new_file.removeprefix(DATA_DIR + "/")))
                if old_file in self.state:
                    self.state[new_file] = self.state.pop(old_file)
                changes += self._changed(new_file, blob, renamed=True)
            else:
                if kind == "R":
                    changes += self._deleted(old_file)
                changes += self._changed(new_file, blob)
        return changes

    def _deleted(self, file: str) -> list[Change]:
        if not tracked(file):
            return []
        if RUNBOOK.match(file):
            self.state.pop(file, None)
            return [Change("runbook-removed", file.removeprefix(DATA_DIR + "/"))]
        return [Change("file-deleted", file)]

    def _changed(self, file: str, blob: Blob, renamed: bool = False) -> list[Change]:
        if not tracked(file):
            return []
        version = self.reader.read(file, blob)
        if isinstance(version, Problem):
            return [Change("file-unreadable", file, new=f"line {version.line}: {version.message}")]
        old = self.state.get(file)
        self.state[file] = version
        if old is not None and old.sha == version.sha:
            return []
        changes = diff_file(file, old, version)
        return [c for c in changes if c.kind != "runbook-edited"] if renamed else changes


def _blobs(commit: Commit, spec: str) -> list[Any]:
    """The files at or under ``spec`` in ``commit``."""
    try:
        folder: Any = commit.tree / spec
    except KeyError:
        return []
    return [folder] if folder.type == "blob" else [o for o in folder.traverse() if o.type == "blob"]


def audit(root: Path, since: dt.date | None, until: dt.date | None, path: str | None) -> list[Entry]:
    """The commits that changed ops-data/ (or ``path`` under it) and what each changed, oldest first."""
    repo = open_repo(root, "audit")
    require_full_history(repo, "audit")
    prefix = prefix_of(repo, root)
    spec = prefix + _scope(path)
    if not repo.head.is_valid():
        return []
    shas = str(repo.git.rev_list("--first-parent", "--reverse", "HEAD", "--", spec)).split()
    if not shas and path is not None and not (root / _scope(path)).exists():
        from opscheck.suggest import did_you_mean

        known = str(repo.git.ls_tree("-r", "--name-only", "HEAD", "--", prefix + DATA_DIR)).split("\n")
        hint = did_you_mean(_scope(path), [k.removeprefix(prefix) for k in known if k])
        raise ConfigError(f"--path {path}: no such file or folder, now or in the history{hint}")
    commits = [repo.commit(sha) for sha in shas]
    start = next((i for i, c in enumerate(commits) if since is None or commit_day(c) >= since), len(commits))
    walk = _Walk(prefix)
    entries = []
    # Parsing builds large acyclic trees that the cycle collector would rescan over and over;
    # collect the young generations now and then instead, for the cycles git's diff objects leave
    # behind: each object is looked at about once, where a full collection rescans every survivor.
    gc.disable()
    try:
        if start < len(commits) and commits[start].parents:
            walk.seed(commits[start].parents[0], spec)
        for n, commit in enumerate(commits[start:], 1):
            if n % 10 == 0:
                gc.collect(1)
            changes = walk.step(commit, spec)
            day = commit_day(commit)
            if (since is None or day >= since) and (until is None or day <= until):
                entries.append(_entry(commit, day, changes or [Change("none", "")]))
    finally:
        gc.enable()
    return entries


def _scope(path: str | None) -> str:
    if path is None:
        return DATA_DIR
    clean = path.strip("/")
    if clean != DATA_DIR and not clean.startswith(DATA_DIR + "/"):
        raise ConfigError(f"--path {path}: audit follows files under {DATA_DIR}/; pass e.g. {DATA_DIR}/oncall.yaml")
    return clean


def _entry(commit: Commit, day: dt.date, changes: list[Change]) -> Entry:
    message = commit.message if isinstance(commit.message, str) else commit.message.decode("utf-8", "replace")
    return Entry(day, commit.hexsha, str(commit.author.name), str(commit.author.email),
                 message.split("\n", 1)[0].strip(), changes)

