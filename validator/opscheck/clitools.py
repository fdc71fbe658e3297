"""What the commands share: writing to the terminal as valid UTF-8, loading the data with the
cycle collector paused, and comparing a generated file with the one in the repository."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import os
from collections.abc import Callable, Collection, Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from opscheck.errors import ConfigError
from opscheck.source import Loc
from opscheck.utf8 import valid_utf8

# What the schedule commands read (dataset.PARTS): who is on call needs the rotations and names,
# planning also the holidays; pipelines and runbooks are for validate and the handbook.
ON_CALL_PARTS = ("engineers.yaml", "oncall.yaml")
PLAN_PARTS = (*ON_CALL_PARTS, "holidays.yaml")


def echo(text: str, err: bool = False, nl: bool = True) -> None:
    """Print ``text`` as valid UTF-8: undecodable file names must not crash the output."""
    click.echo(valid_utf8(text), err=err, nl=nl)


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector: loading builds a large acyclic tree, and scanning it over and
    over while it grows costs more than parsing it (reference counting still frees memory).
    Afterwards the survivors are frozen, so re-enabling does not trigger one full scan of them."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def emit(pieces: Iterable[str], out: Path | None) -> None:
    with output(out) as write:
        for text in pieces:
            write(text)


@contextlib.contextmanager
def output(out: Path | None) -> Iterator[Callable[[str], None]]:
    """Write text to the file ``out`` (stdout when None) as valid UTF-8, a piece at a time."""
    if out is None:
        yield lambda text: echo(text, nl=False)
        return
    try:
        with out.open("w", encoding="utf-8") as stream:

            def write(text: str) -> None:
                stream.write(valid_utf8(text))

            yield write
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc.strerror or exc}") from None


def load_data(root: Path, as_of: dt.date, parts: Collection[str] | None = None) -> Any:
    """The dataset (only ``parts`` of it, see dataset.PARTS), refusing YAML data the loader could
    not read: planning on half a file would be wrong. A file the command does not need is not read.

    Runbooks may be broken: they only feed the handbook's index, which says so.
    """
    from opscheck import dataset

    with paused_gc():
        ds = dataset.load(root, as_of, parts=dataset.PARTS if parts is None else parts)
    broken = [p for p in ds.problems
              if p.rule in ("OPS001", "OPS002", "OPS003", "OPS004") and p.file.endswith(".yaml")]
    if broken:
        first = broken[0]
        raise ConfigError(f"{first.message} (fix the data first: `opscheck validate`)", f"{first.file}:{first.line}")
    if ds.holidays is not None:
        from opscheck.calendar import CalendarError, known_names

        try:  # planning as if there were no holidays would be silently wrong
            known_names(ds.holidays, [as_of.year])
        except CalendarError:
            file = dataset.data_file(dataset.HOLIDAYS_FILE)
            line, _ = ds.mark(Loc(file, ("calendar",)))
            raise ConfigError(f"the holidays library has no calendar '{ds.holidays.calendar}'"
                              + (f" with subdivision '{ds.holidays.subdivision}'" if ds.holidays.subdivision else "")
                              + " (fix the data first: `opscheck validate`)", f"{file}:{line}") from None
    return ds


def read_check_file(check: Path, root: Path) -> str | None:
    """The text of ``report --check``'s file (None if it is not UTF-8), read like every repository file:
    a regular file within the size limit, inside the repository when it lies in it."""
    from opscheck.tree import Unreadable, read_regular

    inside = root if Path(os.path.abspath(check)).is_relative_to(os.path.abspath(root)) else None
    try:
        raw = read_regular(check, inside)
    except Unreadable as exc:
        raise ConfigError(f"cannot read {check}: {exc.message}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def compare(current: str | None, wanted: str, name: str, fix: str) -> int:
    """0 when ``current`` is ``wanted``, else 1 after a diff and the command that fixes it."""
    from opscheck.textdiff import diff

    if current == wanted:
        echo(f"{name} is up to date")
        return 0
    echo(diff(current or "", wanted, name), nl=False)
    echo(f"{name} is out of date: run `{fix}` and commit it", err=True)
    return 1
