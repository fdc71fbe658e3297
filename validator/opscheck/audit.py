"""`opscheck audit`: the semantic changes each commit made to ops-data/, oldest first.

Walks the first-parent history (a merged pull request is one step), reads each changed file
version with the validator's own loader (once per blob), and compares models by id, so a
moved line or a new comment is no change and a reassigned shift is one. A version that cannot
be read is reported and skipped: the next one is compared with the last good version.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from opscheck import jsontext
from opscheck.dataset import DATA_DIR, HOLIDAYS_FILE, ITEM_FILES
from opscheck.errors import ConfigError
from opscheck.history import (
    Contents,
    FileChange,
    commit_day,
    first_parent_changes,
    open_repo,
    prefix_of,
    read_blobs,
    require_full_history,
)
from opscheck.models import Engineer, ExtraDay, Handoff, Override, Pipeline, Rotation, RunbookMeta, TimeOff
from opscheck.source import Problem
from opscheck.versions import RUNBOOK, Reader, Version

if TYPE_CHECKING:
    from git import Commit

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
        """The entry for jsontext, its changes made into objects one by one as they are written."""
        return {"date": self.date.isoformat(), "sha": self.sha, "author": self.author, "email": self.email,
                "subject": self.subject, "changes": jsontext.Lazy(c.as_dict() for c in self.changes)}


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def tracked(file: str) -> bool:
    return bool(RUNBOOK.match(file)) or file.removeprefix(DATA_DIR + "/") in (*ITEM_FILES, HOLIDAYS_FILE)


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

    def step(self, files: list[tuple[FileChange, Contents | None]]) -> list[Change]:
        """What one commit changed, from git's list of the files it changed (by path), each with
        its new version when it is a file audit follows."""
        changes: list[Change] = []
        for (kind, old_path, new_path, _), blob in files:
            old_file = old_path.removeprefix(self.prefix)
            new_file = new_path.removeprefix(self.prefix)
            if blob is None:  # deleted, or no longer a file audit follows: only its old path counts
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

    def _changed(self, file: str, blob: Contents, renamed: bool = False) -> list[Change]:
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
    diffs = [sorted(files, key=lambda f: f.new_path) for files in first_parent_changes(
        repo, [(c.hexsha, c.parents[0].hexsha if c.parents else None) for c in commits[start:]], spec)]

    def followed(f: FileChange) -> bool:
        return f.sha is not None and tracked(f.new_path.removeprefix(prefix))

    # every version audit reads, from one git process that reads the next while this one is parsed
    versions = read_blobs(repo, [f.sha for files in diffs for f in files if followed(f) and f.sha is not None])
    walk = _Walk(prefix)
    entries = []
    # Parsing builds large acyclic trees that the cycle collector would rescan over and over;
    # collect the young generations now and then instead, for the cycles each YAML loader leaves
    # behind: each object is looked at about once, where a full collection rescans every survivor.
    gc.disable()
    try:
        if start < len(commits) and commits[start].parents:
            walk.seed(commits[start].parents[0], spec)
        for n, (commit, files) in enumerate(zip(commits[start:], diffs, strict=True), 1):
            if n % 10 == 0:
                gc.collect(1)
            changes = walk.step([(f, next(versions) if followed(f) else None) for f in files])
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

