"""Git access (via GitPython, imported only when history is needed): files at a revision,
the last commit of each runbook, and the errors a user can meet (no repository, unknown ref,
shallow clone).
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
from collections.abc import Generator, Iterator
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from opscheck.errors import ConfigError
from opscheck.tree import MAX_FILE_BYTES, MAX_PATH_CHARS, OUTSIDE, Unreadable, fixed_prefix, glob_regex, too_big

if TYPE_CHECKING:
    from git import Commit, Repo

    from opscheck.dataset import Dataset

SYMLINK_MODE = 0o120000
MAX_SYMLINK_HOPS = 40
SHALLOW = "this clone is shallow; fetch full history (actions/checkout with fetch-depth: 0, or git fetch --unshallow)"


def open_repo(root: Path, why: str) -> Repo:
    """The repository holding ``root``; ``why`` (a flag or command) explains the need in errors."""
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise ConfigError(
            f"{why} reads git history, but {root} is not inside a git repository; run it in a clone of the "
            "repository (plain `opscheck validate` works without git)"
        ) from None
    except git.GitCommandNotFound:
        raise ConfigError(f"{why} reads git history, but the git program is not installed") from None
    if repo.working_tree_dir is None:
        raise ConfigError(f"{why} needs a work tree, but {root} is inside a bare repository")
    return repo


def find_repo(root: Path) -> Repo | None:
    """The repository whose work tree holds ``root``, or None: for features that are optional."""
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, git.GitCommandNotFound):
        return None
    return repo if repo.working_tree_dir is not None else None


def is_shallow(repo: Repo) -> bool:
    return str(repo.git.rev_parse("--is-shallow-repository")) == "true"


def require_full_history(repo: Repo, why: str) -> None:
    if is_shallow(repo):
        raise ConfigError(f"{why} walks git history, but {SHALLOW}")


def resolve(repo: Repo, ref: str, why: str) -> Commit:
    """The commit ``ref`` names; an unknown ref in a shallow clone is most likely cut-off history."""
    import git

    try:
        commit = repo.commit(ref)
        commit.tree  # noqa: B018 -- in a shallow clone a parent's sha resolves but its objects are missing
    except (git.BadName, git.BadObject, ValueError):
        if is_shallow(repo):
            raise ConfigError(f"{why} {ref}: no such commit in this clone; {SHALLOW}") from None
        raise ConfigError(
            f"{why} {ref}: unknown git ref '{ref}'; name a branch, tag or commit of this repository "
            "(run `git fetch` if it lives on the remote)"
        ) from None
    return commit


def prefix_of(repo: Repo, root: Path) -> str:
    """``root`` relative to the repository's top folder, as a path prefix ("" or "sub/dir/")."""
    top = Path(str(repo.working_tree_dir)).resolve()
    rel = root.resolve().relative_to(top).as_posix()
    return "" if rel == "." else rel + "/"


def commit_day(commit: Commit) -> dt.date:
    """The UTC date of the commit's committer timestamp: when it landed, not when it was written."""
    return dt.datetime.fromtimestamp(commit.committed_date, dt.timezone.utc).date()


class FileChange(NamedTuple):
    """A file a commit changed: git's status letter (A, D, M, R, T), its paths before and after
    (the same unless renamed) and the blob id of its new version (None when deleted)."""

    kind: str
    old_path: str
    new_path: str
    sha: str | None


GITLINK_MODE = "160000"


def first_parent_changes(repo: Repo, commits: list[tuple[str, str | None]], spec: str) -> list[list[FileChange]]:
    """What each commit (its id and its first parent's, None for a root commit) changed at or
    under ``spec``, with renames found as ``git diff-tree -M`` finds them.

    One git process compares them all, where a diff per commit would start one each.
    """
    import tempfile  # here, as git is: `validate` imports this module and seldom runs git

    with tempfile.TemporaryFile() as todo:
        todo.write("".join(f"{sha} {parent or ''}\n" for sha, parent in commits).encode())
        todo.seek(0)
        out = repo.git.diff_tree("--stdin", "--always", "--root", "-r", "-M", "--raw", "-z", "--no-abbrev",
                                 "--no-color", "--", spec, istream=todo, stdout_as_string=False)
    found: list[list[FileChange]] = []
    tokens = out.decode("utf-8", "replace").split("\0")
    i = 0
    while tokens[i]:  # the output ends with a NUL
        if not tokens[i].startswith(":"):  # a commit's id, then its changes
            found.append([])
            i += 1
            continue
        _, mode, _, sha, kind = tokens[i][1:].split()
        paths = tokens[i + 1 : i + (3 if kind[0] in "RC" else 2)]
        i += 1 + len(paths)
        if mode != GITLINK_MODE:
            found[-1].append(FileChange(kind[0], paths[0], paths[-1], None if kind[0] == "D" else sha))
    return found


def file_versions(repo: Repo, path: str) -> Iterator[tuple[int, Contents]]:
    """Each version of the file at repository path ``path`` that a first-parent commit made,
    oldest first, with the commit's time (seconds since the epoch). A commit that deleted the
    file, or made it something else than a file, made no version."""
    import git

    try:
        log = repo.git.log("--first-parent", "--reverse", "--format=%H %ct %P", "--", path)
    except git.GitCommandError:
        return  # no commit yet
    commits = [line.split() for line in log.splitlines()]
    changes = first_parent_changes(repo, [(c[0], c[2] if len(c) > 2 else None) for c in commits], path)
    made = [(int(c[1]), next((f.sha for f in found if f.new_path == path and f.sha), None))
            for c, found in zip(commits, changes, strict=True)]
    kept = [(stamp, sha) for stamp, sha in made if sha is not None]
    yield from zip([stamp for stamp, _ in kept], read_blobs(repo, [sha for _, sha in kept]), strict=True)


class Contents(NamedTuple):
    """A version of a file as git stores it: its blob id, its size and its bytes (none when over
    the size limit: such a file is never read into memory)."""

    hexsha: str
    size: int
    data: bytes

    @property
    def data_stream(self) -> io.BytesIO:
        return io.BytesIO(self.data)


def read_blobs(repo: Repo, shas: list[str], limit: int = MAX_FILE_BYTES) -> Generator[Contents, None, None]:
    """The blobs ``shas``, in order, from one `git cat-file --batch` process that is always asked
    for the next one before this one is read: git reads it while the caller parses this one."""
    import subprocess

    proc = repo.git.cat_file("--batch", istream=subprocess.PIPE, as_process=True)
    asked = iter([*shas, None])
    try:
        _ask(proc.stdin, next(asked))
        for _ in shas:
            _ask(proc.stdin, next(asked))
            header = proc.stdout.readline().split()
            if len(header) != 3:
                raise ConfigError(f"git cannot read object {header[0].decode() if header else '?'} of this "
                                  f"repository ({b' '.join(header[1:]).decode()}); run `git fsck`")
            size = int(header[2])
            yield Contents(header[0].decode(), size, _contents(proc.stdout, size, limit))
    finally:
        proc.stdin.close()
        proc.stdout.close()  # a git still writing stops at once
        proc.proc.wait()


def _ask(stdin: Any, sha: str | None) -> None:
    if sha is not None:
        stdin.write(sha.encode() + b"\n")
        stdin.flush()


def _contents(stdout: Any, size: int, limit: int) -> bytes:
    """The ``size`` bytes of an object and its closing line end; none kept when over ``limit``."""
    data = stdout.read(size) if size <= limit else b""
    left = 0 if size <= limit else size
    while left:
        left -= len(stdout.read(min(left, 1 << 20)))
    stdout.read(1)
    return data


class GitTree:
    """The files of one commit, as a ``Tree`` rooted at ``prefix`` (``--root`` inside the repository).

    A symlink is a blob of mode 120000 holding its target; it is followed within the commit, and
    one pointing out of the repository counts as pointing outside any folder.
    """

    def __init__(self, commit: Commit, prefix: str = "", name: str | None = None) -> None:
        self.commit = commit
        self.prefix = prefix
        self.name = name or commit.hexsha[:7]
        self._objects: dict[str, Any] = {}

    def _lookup(self, path: str) -> Any:
        """The tree or blob at repository path ``path``, without following symlinks, or None."""
        if path not in self._objects:
            try:
                self._objects[path] = self.commit.tree / path if path else self.commit.tree
            except KeyError:
                self._objects[path] = None
        return self._objects[path]

    def _real(self, file: str) -> str | None:
        """The repository path ``file`` leads to once symlinks are followed; None if it leaves the repository."""
        parts = (self.prefix + file).split("/")
        done = ""
        hops = 0
        while parts:
            part = parts.pop(0)
            if part in ("", "."):
                continue
            if part == "..":
                if not done:
                    return None
                done = posixpath.dirname(done)
                continue
            candidate = f"{done}/{part}" if done else part
            obj = self._lookup(candidate)
            if obj is not None and obj.type == "blob" and obj.mode == SYMLINK_MODE:
                hops += 1
                target = obj.data_stream.read(MAX_PATH_CHARS).decode("utf-8", "replace")
                if hops > MAX_SYMLINK_HOPS or target.startswith("/"):
                    return None
                parts = target.split("/") + parts
                continue
            done = candidate
        return done

    def _object(self, file: str) -> Any:
        real = self._real(file)
        return None if real is None else self._lookup(real)

    def read_bytes(self, file: str, limit: int = MAX_FILE_BYTES) -> bytes:
        real = self._real(file)
        if real is None:
            raise Unreadable(OUTSIDE)
        obj = self._lookup(real)
        if obj is None:
            raise Unreadable(f"cannot read file: no such file at {self.name}")
        if obj.type == "tree":
            raise Unreadable("not read: it is a folder, not a file")
        if obj.type != "blob" or obj.mode == SYMLINK_MODE:
            raise Unreadable("not read: it is not a regular file")
        if obj.size > limit:
            raise too_big(int(obj.size), limit)
        return bytes(obj.data_stream.read())

    def exists(self, file: str) -> bool:
        return self._object(file) is not None

    def is_file(self, file: str) -> bool:
        obj = self._object(file)
        return obj is not None and obj.type == "blob"

    def is_dir(self, file: str) -> bool:
        obj = self._object(file)
        return obj is not None and obj.type == "tree"

    def glob(self, pattern: str) -> list[str]:
        fixed = fixed_prefix(pattern)
        folder = self._object(fixed)
        if folder is None or folder.type != "tree":
            return []
        matches = glob_regex(pattern).match
        found = []
        for obj in folder.traverse():
            rel = fixed + obj.path[len(folder.path):]
            if obj.type == "blob" and matches(rel) and self.is_file(rel):
                found.append(rel)
        return sorted(found)

    def inside(self, file: str, folder: str) -> bool:
        real, top = self._real(file), self._real(folder)
        return real is not None and top is not None and real.startswith(top + "/")


class LastCommits:
    """The date of the last commit touching each runbook: RUN005's fallback without `last_reviewed`.

    Read lazily, so a run whose runbooks all carry `last_reviewed` never touches git. In the
    work tree, a runbook with uncommitted changes, or not committed at all, counts as reviewed
    on as-of (it is being edited now). Outside a git repository there is no fallback.
    """

    def __init__(self, root: Path, as_of: dt.date, commit: Commit | None = None) -> None:
        self.root = root
        self.as_of = as_of
        self.commit = commit

    def __call__(self, file: str) -> dt.date | None:
        if self._dates is None:
            return None
        # In the work tree, a file git has no commit for is new or ignored: being edited now.
        return self._dates.get(file, self.as_of if self.commit is None else None)

    @cached_property
    def _dates(self) -> dict[str, dt.date] | None:
        repo = self.commit.repo if self.commit is not None else find_repo(self.root)
        if repo is None:
            return None
        require_full_history(repo, "RUN005 (a runbook without last_reviewed is dated by its last commit)")
        prefix = prefix_of(repo, self.root)
        where = f"{prefix}ops-data/runbooks"
        dates: dict[str, dt.date] = {}
        if self.commit is None and not repo.head.is_valid():
            return dates  # no commit yet: everything is new
        rev = self.commit.hexsha if self.commit is not None else "HEAD"
        log = repo.git(c="core.quotePath=false").log("--format=%x00%ct", "--name-only", "--no-renames", rev,
                                                      "--", where)
        day = self.as_of
        for line in str(log).splitlines():
            if line.startswith("\x00"):
                day = dt.datetime.fromtimestamp(int(line[1:]), dt.timezone.utc).date()
            elif line:
                dates.setdefault(line.removeprefix(prefix), day)
        if self.commit is None:
            changed = repo.git.status("--porcelain", "-z", "--untracked-files=all", "--no-renames", "--", where)
            for entry in str(changed).split("\x00"):
                if entry:
                    dates[entry[3:].removeprefix(prefix)] = self.as_of
        return dates


def snapshot(root: Path, ref: str, why: str) -> GitTree:
    """The files of commit ``ref`` seen from ``root`` (which may be a folder inside the repository)."""
    repo = open_repo(root, why)
    commit = resolve(repo, ref, why)
    return GitTree(commit, prefix_of(repo, root), name=f"{ref} ({commit.hexsha[:7]})")


def load_base(root: Path, ref: str, as_of: dt.date) -> Dataset | None:
    """The data at ``ref`` for the GIT rules; None when ops-data/ did not exist there yet."""
    from opscheck import dataset

    tree = snapshot(root, ref, "--base")
    return dataset.load(root, as_of, tree) if tree.is_dir(dataset.DATA_DIR) else None
