"""The commands that write from the data: schedule plan and ics, the handbook, CODEOWNERS, who."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import click

from opscheck.clitools import ON_CALL_PARTS, PLAN_PARTS, compare, echo, emit, load_data, read_check_file
from opscheck.errors import ConfigError
from opscheck.params import DATE, root_option, today
from opscheck.utf8 import valid_utf8


@click.group("schedule")
def schedule_group() -> None:
    """Plan a rotation fairly, and export it to calendars."""


@schedule_group.command("plan")
@click.option("--rotation", "rotation_ids", multiple=True, metavar="ID",
              help="A rotation to extend; repeat it to plan several together.")
@click.option("--all", "every", is_flag=True, help="Plan every rotation, together where they share people.")
@click.option("--until", type=DATE,
              help="Plan through this date (default: as-of + ONC003 min_days_ahead + 13 weeks; at most 10 years).")
@click.option("--time-limit", type=click.FloatRange(0.1, 3600), default=5.0, show_default=True, metavar="S",
              help="Seconds the solver may search for the fairest plans, in all (shared by the rotations planned).")
@click.option("--as-of", type=DATE, help="Plan as of this date (default: today, UTC).")
@root_option
@click.option("--write", is_flag=True, help="Append the plan to ops-data/oncall.yaml, keeping comments and layout.")
def schedule_plan(rotation_ids: tuple[str, ...], every: bool, until: dt.date | None, time_limit: float,
                  as_of: dt.date | None, root: Path, write: bool) -> int:
    """Extend rotations from their last shift so that every on-call and holiday rule holds, as fairly as possible."""
    from opscheck import engine
    from opscheck.planning import planner, render
    from opscheck.planning import write as writer
    from opscheck.planning.explain import Infeasible, TimedOut
    from opscheck.settings import load_policy

    if bool(rotation_ids) == every:
        raise click.UsageError("give --rotation ID (repeatable) or --all")
    policy = load_policy(root, engine.BUILTIN)
    ds = load_data(root, as_of or today(), PLAN_PARTS)
    ids = list(ds.rotations) if every else list(rotation_ids)
    try:
        plans = planner.plan(ds, policy, ids, until, time_limit)
    except Infeasible as exc:
        echo(f"opscheck: {exc}; nothing written", err=True)
        return 1
    except TimedOut as exc:
        echo(f"opscheck: no plan yet: {exc}; nothing written", err=True)
        return 1
    echo("\n".join(render.render(ds, p) for p in plans), nl=False)
    changed = [p for p in plans if p.shifts]
    if write and changed:
        path = writer.write(root, changed)
        echo(f"\nwrote {sum(len(p.shifts) for p in changed)} shifts and "
                   f"{sum(len(p.overrides) for p in changed)} overrides to {path}")
    return 0


@schedule_group.command("ics")
@click.option("--rotation", "rotation_id", required=True, metavar="ID", help="The rotation to export.")
@click.option("--engineer", metavar="ID", help="Only this engineer's shifts and overrides.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (default: stdout).")
@root_option
def schedule_ics(rotation_id: str, engineer: str | None, out: Path | None, root: Path) -> int:
    """The rotation as an iCalendar (RFC 5545) file: stable UIDs, SEQUENCE from git history."""
    from opscheck.exports import ics

    pieces = ics.calendar(load_data(root, today(), ON_CALL_PARTS), rotation_id, engineer)
    pieces = itertools.chain([next(pieces)], pieces)  # the first piece comes after every check
    if out is None:
        for piece in pieces:
            echo(piece, nl=False)
        return 0
    try:
        with out.open("w", encoding="utf-8", newline="") as f:  # keep the CRLF line ends RFC 5545 asks for
            for piece in pieces:
                f.write(valid_utf8(piece))
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc.strerror or exc}") from None
    return 0


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (default: stdout).")
@click.option("--check", type=click.Path(dir_okay=False, path_type=Path),
              help="Exit 1 with a diff when FILE differs from what would be generated.")
@root_option
def report(out: Path | None, check: Path | None, root: Path) -> int:
    """The Markdown handbook (ONCALL.md): ownership, rules, schedule, holidays, load, runbooks."""
    from opscheck import engine, integrations
    from opscheck.exports import report as handbook
    from opscheck.settings import load_policy

    if out and check:
        raise click.UsageError("give --out or --check, not both")
    policy = load_policy(root, engine.BUILTIN)
    ds = load_data(root, today())
    integrations.attach(ds, policy)
    pieces = handbook.pieces(ds, policy)
    if check is None:
        emit(pieces, out)
        return 0
    text = "".join(pieces)
    current = read_check_file(check, root)
    if current is None:
        echo(f"{check} is not UTF-8 text, so it cannot be the handbook; run `opscheck report --out {check}` "
             "and commit it", err=True)
        return 1
    return compare(current, text, str(check), f"opscheck report --out {check}")


@click.command("codeowners")
@click.option("--write", is_flag=True, help="Write the block into .github/CODEOWNERS (created if missing).")
@click.option("--check", is_flag=True, help="Exit 1 with a diff when the block is missing or out of date.")
@root_option
def codeowners_cmd(write: bool, check: bool, root: Path) -> int:
    """The opscheck block of .github/CODEOWNERS: each pipeline's code, owned by its owners' GitHub handles."""
    from opscheck import engine
    from opscheck.integrations import codeowners
    from opscheck.settings import load_policy

    if write and check:
        raise click.UsageError("give --write or --check, not both")
    policy = load_policy(root, engine.BUILTIN)
    found = codeowners.load(load_data(root, today()), policy.codeowners.data_owners)
    if found.error is not None:
        raise ConfigError(found.error.message, f"{found.file}:{found.error.line}")
    if found.unchecked:
        echo(f"opscheck: warning: {found.unchecked} (OWN008)", err=True)
    for later, mine in found.shadows:
        echo(f"opscheck: warning: {found.file}:{later.line}: '{later.pattern}' comes after the opscheck "
                   f"block and also matches '{mine.pattern}'; the last match wins (OWN008)", err=True)
    new = codeowners.updated(found.text, found.wanted)
    if check:
        return compare(found.text, new, found.file, "opscheck codeowners --write")
    if write:
        codeowners.write(root, new)
    echo(f"wrote {found.file}" if write else new, nl=write)
    return 0


@click.command()
@click.option("--at", "at", metavar="DATETIME",
              help="ISO date-time, with an offset or Z; without one it is UTC (default: now).")
@click.option("--rotation", "rotation_ids", metavar="ID", multiple=True,
              help="Only this rotation (repeat for several; default: every rotation).")
@click.option("--pipeline", "pipeline_id", metavar="ID", help="Also show this pipeline's owners and who is off.")
@root_option
def who(at: str | None, rotation_ids: tuple[str, ...], pipeline_id: str | None, root: Path) -> int:
    """Who is on call now (or --at) in each rotation, honouring overrides and the handoff time zone."""
    from opscheck import who as oncall

    if rotation_ids and pipeline_id:
        raise click.UsageError("give --rotation or --pipeline (which names its rotation), not both")
    moment = oncall.parse_moment(at) if at else dt.datetime.now(dt.timezone.utc)
    parts = (*ON_CALL_PARTS, "pipelines.yaml") if pipeline_id else ON_CALL_PARTS
    text, code = oncall.answer(load_data(root, moment.date(), parts), moment, pipeline_id, rotation_ids)
    echo(text, nl=False)
    return code
