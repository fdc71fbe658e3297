"""`opscheck init`: a small starter repository that passes `opscheck validate` the day it is written.

The files come from the package's ``templates/init/`` tree (``dot-x`` names become
``.x``, the ``.tmpl`` suffix goes). The on-call schedule is generated from the date:
weekly round-robin shifts from the Monday on or before it through as-of + 91 days
(ONC003) + 13 more weeks, which is less than a year, so no calendar year is covered
whole and the balance rules have nothing to compare yet. Existing files are never
overwritten.
"""

from __future__ import annotations

import datetime as dt
import string
import sys
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, NamedTuple

from opscheck import __version__
from opscheck.errors import ConfigError

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

ENGINEERS = ("alex", "blair", "casey")
AHEAD = dt.timedelta(days=91 + 13 * 7)


class _Template(string.Template):
    # ``$`` is everywhere in workflows and shell; ``%{name}`` is not.
    delimiter = "%"


class Outcome(NamedTuple):
    written: list[str]
    skipped: list[str]


def shifts(as_of: dt.date) -> list[tuple[dt.date, str]]:
    """Round-robin weeks from the Monday on or before ``as_of`` through the week holding as-of + AHEAD."""
    week = as_of - dt.timedelta(days=as_of.weekday())
    out: list[tuple[dt.date, str]] = []
    while week <= as_of + AHEAD:
        out.append((week, ENGINEERS[len(out) % len(ENGINEERS)]))
        week += dt.timedelta(weeks=1)
    return out


def _templates(folder: Traversable, prefix: PurePosixPath) -> list[tuple[str, Traversable]]:
    found: list[tuple[str, Traversable]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        name = "." + entry.name[4:] if entry.name.startswith("dot-") else entry.name
        if entry.is_dir():
            found += _templates(entry, prefix / name)
        elif name.endswith(".tmpl"):
            found.append((str(prefix / name.removesuffix(".tmpl")), entry))
    return found


def starter(as_of: dt.date) -> dict[str, str]:
    """Every starter file, by path relative to the target folder."""
    values = {
        "as_of": as_of.isoformat(),
        "version": __version__,
        "shifts": "\n".join(f"      - {{week: {week}, engineer: {who}}}" for week, who in shifts(as_of)),
    }
    root = resources.files("opscheck") / "templates" / "init"
    return {
        path: _Template(source.read_text(encoding="utf-8")).substitute(values)
        for path, source in _templates(root, PurePosixPath())
    }


def write(target: Path, as_of: dt.date) -> Outcome:
    """Write the starter into ``target``, skipping every file that already exists."""
    if target.exists() and not target.is_dir():
        raise ConfigError(f"{target} is not a folder; pass the folder to set up")
    outcome = Outcome([], [])
    for path, text in starter(as_of).items():
        dest = target / path
        if dest.exists() or dest.is_symlink():
            outcome.skipped.append(path)
            continue
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with dest.open("x", encoding="utf-8") as out:
                out.write(text)
        except FileExistsError:
            outcome.skipped.append(path)
            continue
        except OSError as exc:
            raise ConfigError(f"cannot write {dest}: {exc.strerror or exc}") from None
        outcome.written.append(path)
    return outcome
