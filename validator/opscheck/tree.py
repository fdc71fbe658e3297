"""Where the loader reads files from: a folder on disk, or (see history.py) a git commit.

Paths are repository-relative with ``/``, the same strings findings carry, so rules never
learn which kind of tree they run on.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Protocol


class Tree(Protocol):
    """Read-only access to the files of a repository snapshot."""

    name: str  # for messages: the folder, or the revision

    def read_bytes(self, file: str) -> bytes: ...

    def size(self, file: str) -> int: ...

    def exists(self, file: str) -> bool: ...

    def is_file(self, file: str) -> bool: ...

    def is_dir(self, file: str) -> bool: ...

    def glob(self, pattern: str) -> list[str]:
        """Files (after following symlinks) matching ``pattern``: ``*``, ``?`` and whole-part ``**``."""
        ...

    def inside(self, file: str, folder: str) -> bool:
        """Whether ``file`` stays within ``folder`` once symlinks are followed."""
        ...


class FileTree:
    """The working folder ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.name = str(root)

    def read_bytes(self, file: str) -> bytes:
        return (self.root / file).read_bytes()

    def size(self, file: str) -> int:
        return (self.root / file).stat().st_size

    def exists(self, file: str) -> bool:
        return (self.root / file).exists()

    def is_file(self, file: str) -> bool:
        return (self.root / file).is_file()

    def is_dir(self, file: str) -> bool:
        return (self.root / file).is_dir()

    def glob(self, pattern: str) -> list[str]:
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.glob(pattern) if p.is_file())

    def inside(self, file: str, folder: str) -> bool:
        # os.path on strings: this runs once per runbook, and pathlib's resolve costs more
        real, base = os.path.realpath(self.root / file), os.path.realpath(self.root / folder)
        return real == base or real.startswith(base + os.sep)


def as_tree(root: Path | Tree) -> Tree:
    return FileTree(root) if isinstance(root, Path) else root


def glob_regex(pattern: str) -> re.Pattern[str]:
    """A regular expression matching the paths ``pattern`` matches, as Path.glob would."""
    out: list[str] = []
    for part in pattern.split("/"):
        if part == "**":
            out.append("(?:[^/]+/)*")
            continue
        piece = "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in part)
        out.append(piece + "/")
    return re.compile("".join(out)[:-1] + r"\Z")
