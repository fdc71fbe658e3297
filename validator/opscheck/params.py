"""The command line's shared parameters: dates, rule ids and the repository to work on."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click


def today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


class DateParam(click.ParamType):  # type: ignore[type-arg]
    name = "DATE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        from opscheck.models import strict_date

        try:  # the same reading as dates in the data, whatever Python's fromisoformat accepts
            day: dt.date = strict_date(str(value))
        except ValueError as exc:
            # YYYY-MM-DD, but no such day in the calendar or outside the supported years
            shaped = "is not a day" in str(exc) or "outside the years" in str(exc)
            self.fail(str(exc) if shaped else f"{value!r} is not a date in the form YYYY-MM-DD", param, ctx)
        return day


DATE = DateParam()


def rule_ids(flag: str, values: Sequence[str]) -> tuple[str, ...]:
    """Rule ids from repeated, comma-separated flags; ids are upper case (custom ones too)."""
    ids = tuple(part.strip().upper() for value in values for part in value.split(",") if part.strip())
    if values and not ids:  # `--select ''` would otherwise quietly mean every rule
        raise click.UsageError(f"{flag} {values[0]!r} names no rule; give rule ids or prefixes such as ONC,OWN001")
    return ids


def _root(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path:
    """``--root`` as given, else the nearest folder holding ops-data/ from here up (as git finds .git),
    not leaving the git repository the current folder is in."""
    if value is not None:
        with contextlib.suppress(OSError):  # a name the system refuses is reported by the loader
            if not value.exists():
                raise click.BadParameter(f"folder {value} does not exist", ctx, param)
        return value
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "ops-data").is_dir():
            return Path(os.path.relpath(folder, here))
        if (folder / ".git").exists():
            break
    return Path(".")


root_option = click.option(
    "--root", type=click.Path(file_okay=False, path_type=Path), callback=_root,
    help="Repository holding ops-data/ and policies/ (default: the nearest folder holding ops-data/, "
         "from the current one up).",
)
