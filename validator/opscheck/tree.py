"""Where the loader reads files from: a folder on disk, or (see history.py) a git commit.

Paths are repository-relative with ``/``, the same strings findings carry, so rules never
learn which kind of tree they run on.

Every file opscheck reads from a repository goes through ``read_regular`` (or, for a commit,
the same checks on git objects): only regular files inside the repository, at most the size
limit. A pull request controls these files, so a symlink to ``/dev/zero``, a FIFO or a folder
link to ``/`` must be refused before anything is opened or walked.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

MAX_FILE_BYTES = 10 * 1024 * 1024
# Beyond this a path cannot be a file of a sane repository; the OS would refuse it anyway.
MAX_PATH_CHARS = 1024
OUTSIDE = ("not read: it is a symlink pointing outside the repository (opscheck reads only files inside it); "
           "link to a file in the repository instead")


class Unreadable(Exception):
    """A file the reader refuses or cannot read; the message says why, in the user's words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def too_big(size: int, limit: int) -> Unreadable:
    return Unreadable(f"file is {size:,} bytes, over the {limit:,}-byte limit; split it up")


class Tree(Protocol):
    """Read-only access to the files of a repository snapshot."""

    name: str  # for messages: the folder, or the revision

    def read_bytes(self, file: str, limit: int = MAX_FILE_BYTES) -> bytes:
        """The file's bytes; raises ``Unreadable`` for anything but a regular file of at most ``limit``."""
        ...

    def exists(self, file: str) -> bool: ...

    def is_file(self, file: str) -> bool: ...

    def is_dir(self, file: str) -> bool: ...

    def glob(self, pattern: str) -> list[str]:
        """Files inside the repository matching ``pattern``: ``*``, ``?`` and whole-part ``**``."""
        ...

    def inside(self, file: str, folder: str) -> bool:
        """Whether ``file`` stays within ``folder`` once symlinks are followed."""
        ...


def _real(path: str | Path) -> str | None:
    """The resolved path, or None when no file can have this name (a NUL byte, far too long)."""
    text = os.fspath(path)
    if "\0" in text or len(text) > MAX_PATH_CHARS * 4:
        return None
    try:
        return os.path.realpath(text)
    except (OSError, ValueError):
        return None


def _within(real: str, base: str) -> bool:
    return real == base or real.startswith(base.rstrip(os.sep) + os.sep)


def _stat(real: str | None) -> os.stat_result | None:
    if real is None:
        return None
    try:
        return os.stat(real)
    except (OSError, ValueError):
        return None


def read_regular(path: Path, inside: Path | None, limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of ``path``: a regular file of at most ``limit`` bytes that stays inside ``inside``.

    The type and size are checked on the resolved path before opening it, and again on the open
    file; at most ``limit + 1`` bytes are read, so a file that grows meanwhile cannot exhaust memory.
    """
    return read_resolved(_real(path), None if inside is None else _real(inside) or "", limit)


def read_resolved(real: str | None, base: str | None, limit: int) -> bytes:
    """``read_regular`` once the path (and the folder it must stay in, if any) are resolved."""
    if real is None:
        raise Unreadable("not read: no file can have this name (it holds a NUL byte or is far too long)")
    if base is not None and (not base or not _within(real, base)):
        raise Unreadable(OUTSIDE)
    info = _stat(real)
    if info is None:
        why = "it cannot be opened" if os.path.lexists(real) else "no such file"
        raise Unreadable(f"cannot read file: {why}")
    _check_kind(info, limit)
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise Unreadable(f"cannot read file: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        _check_kind(info, limit)  # the file may have been swapped since the first look
        return _read_at_most(fd, limit, info.st_size)
    finally:
        os.close(fd)


def _check_kind(info: os.stat_result, limit: int) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise Unreadable("not read: it is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise Unreadable("not read: it is not a regular file (a FIFO, device or socket); make it a plain file")
    if info.st_size > limit:
        raise too_big(info.st_size, limit)


def _read_at_most(fd: int, limit: int, size: int) -> bytes:
    # One read of the size fstat gave (plus a byte, to notice growth): a large file is then held
    # once, not once in chunks and again joined.
    chunks = [os.read(fd, min(size, limit) + 1)]
    got = len(chunks[0])
    while got <= limit:
        chunk = os.read(fd, min(1 << 20, limit + 1 - got))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    if got > limit:
        raise too_big(got, limit)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


class FileTree:
    """The working folder ``root``: only what lies inside it once symlinks are followed is visible."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.name = str(root)
        self._base = _real(root)
        # Folders and files resolved so far: a thousand runbooks in one folder resolve it once, not
        # a thousand times (os.path.realpath looks at every part of the path on each call), and a
        # file asked about three times (listed, checked inside ops-data/, read) is resolved once.
        # Reading stays safe: the last part is opened with O_NOFOLLOW and checked again.
        self._folders: dict[str, str | None] = {"": self._base}
        self._files: dict[str, str | None] = {}

    def _real(self, file: str) -> str | None:
        """``os.path.realpath`` of the root joined with ``file``, or None where ``_real`` gives None."""
        if file not in self._files:
            self._files[file] = self._resolve_name(file)
        return self._files[file]

    def _resolve_name(self, file: str) -> str | None:
        if len(file) > MAX_PATH_CHARS or "\0" in file:
            return None
        folder, _, name = file.rpartition("/")
        real_folder = self._real_folder(folder)
        if real_folder is None or name in ("", ".", ".."):
            return _real(self.root / file)
        path = os.path.join(real_folder, name)
        try:
            if stat.S_ISLNK(os.lstat(path).st_mode):
                return _real(path)
        except OSError:
            pass  # a missing name resolves to itself, as realpath has it
        return path

    def _real_folder(self, folder: str) -> str | None:
        """``os.path.realpath`` of the root joined with ``folder``, once per folder."""
        if folder not in self._folders:
            self._folders[folder] = _real(self.root / folder)
        return self._folders[folder]

    def _resolve(self, file: str) -> str | None:
        """The real path of ``file`` when it lies inside the root, else None."""
        real = self._real(file)
        return real if real is not None and self._base is not None and _within(real, self._base) else None

    def read_bytes(self, file: str, limit: int = MAX_FILE_BYTES) -> bytes:
        if len(file) > MAX_PATH_CHARS:
            raise Unreadable(f"not read: the path is longer than {MAX_PATH_CHARS} characters")
        return read_resolved(self._real(file), self._base or "", limit)

    def exists(self, file: str) -> bool:
        """Whether the name exists (a symlink pointing outside does; reading it is refused)."""
        if len(file) > MAX_PATH_CHARS or self._real(file) is None or self._base is None:
            return False
        # a runbook's 100,000 links to missing files of one folder resolve the folder once
        parent = self._real_folder(os.path.dirname(file))
        return parent is not None and _within(parent, self._base) and os.path.lexists(os.path.join(self.root, file))

    def is_file(self, file: str) -> bool:
        info = _stat(self._resolve(file))
        return info is not None and stat.S_ISREG(info.st_mode)

    def is_dir(self, file: str) -> bool:
        info = _stat(self._resolve(file))
        return info is not None and stat.S_ISDIR(info.st_mode)

    def glob(self, pattern: str) -> list[str]:
        fixed = fixed_prefix(pattern)
        start = self._resolve(fixed)
        if start is None or not self.is_dir(fixed):
            return []
        matches = glob_regex(pattern).match
        # a plain file is known from its folder's listing; only a symlink needs a look at its target
        return sorted(rel for rel, plain in self._walk(start, fixed) if matches(rel) and (plain or self.is_file(rel)))

    @staticmethod
    def _walk(real: str, rel: str) -> Iterator[tuple[str, bool]]:
        """Paths under ``rel``, each with whether it is a plain file (not a symlink); symlinked
        folders are not entered, so no walk leaves the repository."""
        stack = [(real, rel)]
        while stack:
            folder, prefix = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                path = f"{prefix}/{entry.name}" if prefix else entry.name
                try:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    plain = not is_dir and entry.is_file(follow_symlinks=False)
                except OSError:
                    continue
                if is_dir:
                    stack.append((entry.path, path))
                else:
                    yield path, plain

    def inside(self, file: str, folder: str) -> bool:
        real, base = self._resolve(file), self._resolve(folder)
        return real is not None and base is not None and _within(real, base)


def as_tree(root: Path | Tree) -> Tree:
    return FileTree(root) if isinstance(root, Path) else root


def fixed_prefix(pattern: str) -> str:
    """The folders of ``pattern`` before its first wildcard."""
    parts = pattern.split("/")
    wild = next((i for i, p in enumerate(parts) if any(c in p for c in "*?")), len(parts) - 1)
    return "/".join(parts[:wild])


class Matcher(Protocol):
    def match(self, text: str) -> object: ...


def glob_regex(pattern: str) -> Matcher:
    """A regular expression matching the paths ``pattern`` matches, as Path.glob would.

    The usual globs (at most one ``*`` in a part, at most one ``**``, no longer than a path) are
    matched by ``re``, fast per path and linear on them. A glob with more, such as ``*a*a*a*b`` from a CODEOWNERS line a
    pull request wrote, can take a backtracking engine exponential time: RE2 matches those.
    """
    parts = pattern.split("/")
    # re also takes seconds to compile a pattern of megabytes; no file's path is that long
    usual = len(pattern) <= MAX_PATH_CHARS and sum(part == "**" for part in parts) <= 1 and \
        all(part == "**" or part.count("*") <= 1 for part in parts)
    escape = re.escape if usual else literal
    out: list[str] = []
    for part in parts:
        if part == "**":
            out.append("(?:[^/]+/)*")
            continue
        piece = "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else escape(c) for c in part)
        out.append(piece + "/")
    source = "".join(out)[:-1]
    return re.compile(source + r"\Z") if usual else Linear(source + r"\z")


_SURROGATE = re.compile("[\ud800-\udfff]")


def compile_re2(pattern: str) -> Any:
    """``pattern`` compiled by RE2 (raising ``re2.error``), its errors not printed on stderr:
    the caller reports them, with where the pattern came from."""
    import re2

    options = re2.Options()
    options.log_errors = False
    return re2.compile(pattern, options)


def literal(char: str) -> str:
    """``char`` as RE2 reads it literally: letters and digits as they are, anything else by code point."""
    return char if char.isalnum() or char == "_" else f"\\x{{{ord(char):x}}}"


class Linear:
    """A regular expression run by RE2, in time linear in the text whatever the pattern.

    Globs come from files a pull request controls (CODEOWNERS, the pipelines' code:); with
    backtracking, a pattern such as ``*a*a*a*a*a*b`` takes exponential time on a long name.
    A pattern too large for RE2 matches nothing. A path with bytes the OS could not decode
    (lone surrogates) is matched with U+FFFD in their place, one character each.
    """

    def __init__(self, pattern: str) -> None:
        import re2  # loaded on the first glob, not with every command

        try:
            self._regex: Any = compile_re2(pattern)
        except re2.error:
            self._regex = None

    @property
    def compiled(self) -> bool:
        return self._regex is not None

    def match(self, text: str) -> bool:
        return self._regex is not None and self._regex.match(self._safe(text)) is not None

    def search(self, text: str) -> bool:
        return self._regex is not None and self._regex.search(self._safe(text)) is not None

    @staticmethod
    def _safe(text: str) -> str:
        return text if text.isascii() else _SURROGATE.sub("\ufffd", text)
