"""`opscheck audit`: the semantic changes each commit made to ops-data/, oldest first.

Walks the first-parent history (a merged pull request is one step), reads each changed file
version with the validator's own loader (once per blob), and compares models by id
(changes.py), so a moved line or a new comment is no change and a reassigned shift is one. A
version that cannot be read is reported and skipped: the next one is compared with the last
good version. Each commit is made as it is written, and the list stops at MAX_CHANGES, or
when the reader has parsed all the text it may in a run.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opscheck import jsontext, versions
from opscheck.changes import Change, diff_file
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
from opscheck.source import Problem
from opscheck.versions import RUNBOOK, Reader, Spent, Version

if TYPE_CHECKING:
    from git import Commit, Repo

# The changes audit lists in all, past which it says how many more there are and stops: a
# 300-engineer organisation's 1,000 commits hold about 2,000, and a history of 600 commits each
# reassigning 5,000 shifts (3 million) took 19 s and 600 MiB to list whole.
MAX_CHANGES = 100_000


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


def tracked(file: str) -> bool:
    return bool(RUNBOOK.match(file)) or file.removeprefix(DATA_DIR + "/") in (*ITEM_FILES, HOLIDAYS_FILE)


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


def audit(root: Path, since: dt.date | None, until: dt.date | None, path: str | None) -> Iterator[Entry]:
    """The commits that changed ops-data/ (or ``path`` under it) and what each changed, oldest
    first, each made as it is asked for; a wrong ``path`` is an error at once."""
    repo = open_repo(root, "audit")
    require_full_history(repo, "audit")
    prefix = prefix_of(repo, root)
    spec = prefix + _scope(path)
    if not repo.head.is_valid():
        return iter(())
    shas = str(repo.git.rev_list("--first-parent", "--reverse", "HEAD", "--", spec)).split()
    if not shas and path is not None and not (root / _scope(path)).exists():
        from opscheck.suggest import did_you_mean

        known = str(repo.git.ls_tree("-r", "--name-only", "HEAD", "--", prefix + DATA_DIR)).split("\n")
        hint = did_you_mean(_scope(path), [k.removeprefix(prefix) for k in known if k])
        raise ConfigError(f"--path {path}: no such file or folder, now or in the history{hint}")
    commits = [repo.commit(sha) for sha in shas]
    start = next((i for i, c in enumerate(commits) if since is None or commit_day(c) >= since), len(commits))
    return _entries(repo, commits[start:], _Walk(prefix), spec, (since, until))


def _entries(repo: Repo, commits: list[Commit], walk: _Walk, spec: str,
             window: tuple[dt.date | None, dt.date | None]) -> Iterator[Entry]:
    """The entries of ``commits`` in ``window``, until MAX_CHANGES changes are listed or the
    reader has parsed all it may (versions.MAX_PARSED): then one change says what is not listed,
    and the walk stops."""
    diffs = [sorted(files, key=lambda f: f.new_path) for files in first_parent_changes(
        repo, [(c.hexsha, c.parents[0].hexsha if c.parents else None) for c in commits], spec)]

    def followed(f: FileChange) -> bool:
        return f.sha is not None and tracked(f.new_path.removeprefix(walk.prefix))

    def shown(commit: Commit) -> bool:
        day = commit_day(commit)
        return (window[0] is None or day >= window[0]) and (window[1] is None or day <= window[1])

    # every version audit reads, from one git process that reads the next while this one is parsed
    blobs = read_blobs(repo, [f.sha for files in diffs for f in files if followed(f) and f.sha is not None])
    room, n = MAX_CHANGES, 1
    # Parsing builds large acyclic trees that the cycle collector would rescan over and over;
    # collect the young generations now and then instead, for the cycles each YAML loader leaves
    # behind: each object is looked at about once, where a full collection rescans every survivor.
    gc.disable()
    try:
        if commits and commits[0].parents:
            walk.seed(commits[0].parents[0], spec)
        for n, (commit, files) in enumerate(zip(commits, diffs, strict=True), 1):
            if n % 10 == 0:
                gc.collect(1)
            changes = walk.step([(f, next(blobs) if followed(f) else None) for f in files]) or [Change("none", "")]
            if not shown(commit):
                continue
            if len(changes) > room:
                later = sum(map(shown, commits[n:]))
                yield _entry(commit, [*changes[:room], _stopped(
                    f"lists at most {MAX_CHANGES:,} changes", f"{len(changes) - room:,} more of this commit's and "
                    f"{_commits(later)} are", commit_day(commit))])
                return
            room -= len(changes)
            yield _entry(commit, changes)
    except Spent:
        # the commit being read, or the first in the window after it, says so; none is listed past it
        rest = [c for c in commits[n - 1 :] if shown(c)]
        if rest:
            yield _entry(rest[0], [_stopped(
                f"parses at most {versions.MAX_PARSED:,} characters of file versions a run",
                f"this commit's changes and {_commits(len(rest) - 1)} are", commit_day(rest[0]))])
    finally:
        blobs.close()
        gc.enable()


def _commits(n: int) -> str:
    return f"{n:,} later commit{'s' * (n != 1)}"


def _stopped(limit: str, left: str, day: dt.date) -> Change:
    """The last change listed when the list stops at ``limit``: what is ``left`` out, and how to see it."""
    return Change("list-stopped", "", new=(
        f"list stopped: audit {limit}; {left} not listed; see them in a narrower window: --since {day} "
        "(or --until, --path)"))


def _scope(path: str | None) -> str:
    if path is None:
        return DATA_DIR
    clean = path.strip("/")
    if clean != DATA_DIR and not clean.startswith(DATA_DIR + "/"):
        raise ConfigError(f"--path {path}: audit follows files under {DATA_DIR}/; pass e.g. {DATA_DIR}/oncall.yaml")
    return clean


def _entry(commit: Commit, changes: list[Change]) -> Entry:
    message = commit.message if isinstance(commit.message, str) else commit.message.decode("utf-8", "replace")
    return Entry(commit_day(commit), commit.hexsha, str(commit.author.name), str(commit.author.email),
                 message.split("\n", 1)[0].strip(), changes)

