"""Command line: flags -> Settings -> a thin path through loader, engine and reporters.

Every entry point returns an exit code: 0 success, 1 findings (or a stale report),
2 usage or configuration error. ``main`` maps ConfigError to 2 in one place.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import gc
import itertools
import json
import os
import sys
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from opscheck import __version__
from opscheck.errors import ConfigError
from opscheck.params import DATE, root_option, rule_ids, today
from opscheck.source import Loc
from opscheck.usage import document
from opscheck.utf8 import valid_utf8

# What the schedule commands read (dataset.PARTS): who is on call needs the rotations and names,
# planning also the holidays; pipelines and runbooks are for validate and the handbook.
ON_CALL_PARTS = ("engineers.yaml", "oncall.yaml")
PLAN_PARTS = (*ON_CALL_PARTS, "holidays.yaml")
FORMATS = ("auto", "text", "json", "github", "sarif", "junit")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             invoke_without_command=True)
@click.version_option(__version__, prog_name="opscheck")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Policy-as-code for a data team's ownership, on-call, holidays and runbooks."""
    if ctx.invoked_subcommand is None:  # bare `opscheck`: the command list, and success
        echo(ctx.get_help())


@cli.command()
@root_option
@click.option("--as-of", type=DATE, help="Check as of this date (default: today, UTC).")
@click.option("--base", metavar="REF", help="Also compare with the data at this git ref (GIT rules).")
@click.option("--rev", metavar="REV", help="Check the data as it was at this commit.")
@click.option("--format", "formats", type=click.Choice(FORMATS), multiple=True,
              help="Output format; repeat for several outputs. [default: auto]")
@click.option("--output", "outputs", type=click.Path(dir_okay=False, path_type=Path), multiple=True,
              help="Write to FILE: one per format, or one per format after the first (which goes to stdout).")
@click.option("--select", multiple=True, metavar="IDS", help="Only these rules (ids or prefixes, comma-separated).")
@click.option("--ignore", multiple=True, metavar="IDS", help="Skip these rules (ids or prefixes, comma-separated).")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
def validate(
    root: Path, as_of: dt.date | None, base: str | None, rev: str | None, formats: tuple[str, ...],
    outputs: tuple[Path, ...], select: tuple[str, ...], ignore: tuple[str, ...], strict: bool,
) -> int:
    """Check ops-data/ against the policy."""
    from opscheck import dataset, engine, history, integrations
    from opscheck.reporters import REPO_RELATIVE, relocate, repo_prefix, reporter
    from opscheck.settings import load_policy, policy_or_none

    targets = _targets(formats or ("auto",), outputs)
    at = history.snapshot(root, rev, "--rev") if rev else None
    day = as_of or (history.commit_day(at.commit) if at else today())
    policy = load_policy(at or root, engine.BUILTIN)
    rules = engine.pick(engine.all_rules(policy), rule_ids("--select", select), rule_ids("--ignore", ignore))
    with paused_gc():
        ds = dataset.load(root, day, at)
        integrations.attach(ds, policy)
        ds.last_commit = history.LastCommits(root, day, at.commit if at else None)
        ds.base = history.load_base(root, base, day) if base else None
        if ds.base is not None:
            ds.base.policy = policy_or_none(ds.base.tree, engine.BUILTIN)
        report = dataclasses.replace(engine.run(ds, policy, rules), strict=strict)
    for fmt, out in targets:
        if fmt == "text":
            from opscheck.reporters.text import render as render_text

            color = out is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
            rendered = render_text(report, rules, color=color)
        else:
            shown = relocate(report, repo_prefix(root)) if fmt in REPO_RELATIVE else report
            rendered = reporter(fmt)(shown, rules)
        _emit(rendered, out)
        if fmt == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
            from opscheck.reporters.github import write_step_summary

            write_step_summary(shown, Path(os.environ["GITHUB_STEP_SUMMARY"]))
    note = engine.unchecked_note(report, rules, bool(select))
    if note:
        echo(f"opscheck: note: {note}", err=True)
    return report.exit_code(strict)


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


def _targets(formats: tuple[str, ...], outputs: tuple[Path, ...]) -> list[tuple[str, Path | None]]:
    """Pair formats with outputs: one file each, or stdout for the first and files for the rest."""
    resolved = ["github" if f == "auto" and os.environ.get("GITHUB_ACTIONS") == "true"
                else "text" if f == "auto" else f for f in formats]
    if len(outputs) == len(resolved):
        return list(zip(resolved, outputs, strict=False))
    if len(outputs) == len(resolved) - 1:
        return [(resolved[0], None), *zip(resolved[1:], outputs, strict=False)]
    raise click.UsageError(
        f"{len(resolved)} formats need {len(resolved)} or {len(resolved) - 1} --output files, got {len(outputs)}"
    )


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        echo(text, nl=False)
        return
    try:
        out.write_text(valid_utf8(text), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {out}: {exc.strerror or exc}") from None


@cli.command()
@root_option
@click.option("--since", type=DATE, help="Only commits on or after this date (committer date, UTC).")
@click.option("--until", type=DATE, help="Only commits on or before this date (committer date, UTC).")
@click.option("--path", metavar="PATH", help="Only this file or folder under ops-data/.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def audit(root: Path, since: dt.date | None, until: dt.date | None, path: str | None, fmt: str) -> int:
    """Semantic changes to ops-data/ per commit, oldest first (first-parent history)."""
    from opscheck.audit import audit as walk

    entries = walk(root, since, until, path)
    if not entries:
        span = (f" between {since} and {until}" if since and until else f" since {since}" if since
                else f" until {until}" if until else "")
        echo(f"opscheck: note: no commit changed {path or 'ops-data/'}{span}; nothing to show", err=True)
    if fmt == "json":
        echo(json.dumps([e.as_dict() for e in entries], indent=2, ensure_ascii=False))
    else:
        echo("".join(line + "\n" for e in entries for line in e.lines()), nl=False)
    return 0


@cli.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@root_option
def rules_cmd(fmt: str, root: Path) -> int:
    """List every rule: id, name, default severity, summary."""
    from opscheck import engine
    from opscheck.settings import load_policy

    policy = load_policy(root, engine.BUILTIN) if (root / "policies").is_dir() else None
    rules = engine.all_rules(policy)
    if fmt == "json":
        echo(json.dumps([
            {"id": r.id, "name": r.name, "severity": r.severity, "summary": r.summary,
             "parameters": r.parameters}
            for r in rules
        ], indent=2))
        return 0
    width = max(len(r.id) for r in rules)
    for r in rules:
        echo(f"{r.id:<{width}}  {r.severity:<7}  {r.name:<20}  {r.summary}")
    return 0


@cli.command()
@click.argument("rule_id", metavar="RULE")
@root_option
def explain(rule_id: str, root: Path) -> int:
    """Why a rule exists, its parameters, and a failing and a passing example."""
    from opscheck import engine
    from opscheck.settings import load_policy

    policy = load_policy(root, engine.BUILTIN) if (root / "policies").is_dir() else None
    rules = {r.id: r for r in engine.all_rules(policy)}
    rule = rules.get(rule_id.upper()) or rules.get(rule_id)
    if rule is None:
        from opscheck.suggest import did_you_mean

        raise ConfigError(f"unknown rule '{rule_id}'{did_you_mean(rule_id.upper(), list(rules))}; "
                          "`opscheck rules` lists them")
    echo(f"{rule.id} ({rule.name}), default severity: {rule.severity}\n\n{rule.help_text()}")
    return 0


@cli.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Write one <file>.schema.json per data file into DIR (default: print them).")
def schema(out: Path | None) -> int:
    """JSON Schemas of every data and policy file, generated from the models."""
    from opscheck.schemas import schemas

    found = schemas()
    if out is None:
        echo(json.dumps(found, indent=2))
        return 0
    out.mkdir(parents=True, exist_ok=True)
    for name, body in found.items():
        (out / f"{name}.schema.json").write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
        echo(f"wrote {out / name}.schema.json")
    return 0


@cli.command()
@click.argument("directory", metavar="[DIR]", default=".", type=click.Path(path_type=Path))
@click.option("--as-of", type=DATE, help="Start the on-call schedule from this date (default: today, UTC).")
@click.option("--source", metavar="URL|PATH",
              help="Install opscheck from this fork, git URL or local clone (default: the project's repository).")
@click.option("--rev", metavar="REV", help=f"The tag or commit of the source to pin (default: v{__version__}).")
def init(directory: Path, as_of: dt.date | None, source: str | None, rev: str | None) -> int:
    """Write a starter ops-data/, policies/, CI workflow and pre-commit config into DIR."""
    from opscheck import init as starter

    install = starter.source(source, rev)
    outcome = starter.write(directory, as_of or today(), install)
    for path in outcome.written:
        echo(f"wrote {path}")
    for path in outcome.skipped:
        echo(f"skipped {path} (already exists)")
    echo(f"pre-commit and the workflow install opscheck from {install.repo} at {install.rev}")
    if install.local:
        echo("note: a local path exists only on this machine; CI needs a git URL (--source URL)")
    where = "" if directory == Path(".") else f" --root {directory}"
    echo(f"{len(outcome.written)} written, {len(outcome.skipped)} skipped; next: opscheck validate{where}")
    return 0


def _load_data(root: Path, as_of: dt.date, parts: Collection[str] | None = None) -> Any:
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


@cli.group("schedule")
def schedule_group() -> None:
    """Plan a rotation fairly, and export it to calendars."""


@schedule_group.command("plan")
@click.option("--rotation", "rotation_ids", multiple=True, metavar="ID",
              help="A rotation to extend; repeat it to plan several together.")
@click.option("--all", "every", is_flag=True, help="Plan every rotation, together where they share people.")
@click.option("--until", type=DATE,
              help="Plan through this date (default: as-of + ONC003 min_days_ahead + 13 weeks; at most 10 years).")
@click.option("--time-limit", type=click.FloatRange(0.1, 3600), default=5.0, show_default=True, metavar="S",
              help="Seconds the solver may search for the fairest plan (per group of rotations that share people).")
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
    ds = _load_data(root, as_of or today(), PLAN_PARTS)
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

    pieces = ics.calendar(_load_data(root, today(), ON_CALL_PARTS), rotation_id, engineer)
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


@cli.command()
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
    ds = _load_data(root, today())
    integrations.attach(ds, policy)
    text = handbook.render(ds, policy)
    if check is None:
        _emit(text, out)
        return 0
    current = _read_check_file(check, root)
    if current is None:
        echo(f"{check} is not UTF-8 text, so it cannot be the handbook; run `opscheck report --out {check}` "
             "and commit it", err=True)
        return 1
    return _compare(current, text, str(check), f"opscheck report --out {check}")


def _read_check_file(check: Path, root: Path) -> str | None:
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


def _compare(current: str | None, wanted: str, name: str, fix: str) -> int:
    """0 when ``current`` is ``wanted``, else 1 after a diff and the command that fixes it."""
    from opscheck.exports.report import diff

    if current == wanted:
        echo(f"{name} is up to date")
        return 0
    echo(diff(current or "", wanted, name), nl=False)
    echo(f"{name} is out of date: run `{fix}` and commit it", err=True)
    return 1


@cli.command("codeowners")
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
    found = codeowners.load(_load_data(root, today()), policy.codeowners.data_owners)
    if found.error is not None:
        raise ConfigError(found.error.message, f"{found.file}:{found.error.line}")
    if found.unchecked:
        echo(f"opscheck: warning: {found.unchecked} (OWN008)", err=True)
    for later, mine in found.shadows:
        echo(f"opscheck: warning: {found.file}:{later.line}: '{later.pattern}' comes after the opscheck "
                   f"block and also matches '{mine.pattern}'; the last match wins (OWN008)", err=True)
    new = codeowners.updated(found.text, found.wanted)
    if check:
        return _compare(found.text, new, found.file, "opscheck codeowners --write")
    if write:
        codeowners.write(root, new)
    echo(f"wrote {found.file}" if write else new, nl=write)
    return 0


@cli.command()
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
    text, code = oncall.answer(_load_data(root, moment.date(), parts), moment, pipeline_id, rotation_ids)
    echo(text, nl=False)
    return code


document(cli)


def echo(text: str, err: bool = False, nl: bool = True) -> None:
    """Print ``text`` as valid UTF-8: undecodable file names must not crash the output."""
    click.echo(valid_utf8(text), err=err, nl=nl)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        result = cli.main(args=list(argv) if argv is not None else None, prog_name="opscheck",
                          standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        return 2 if exc.exit_code not in (0, 1) else exc.exit_code
    except click.Abort:
        echo("Aborted.", err=True)
        return 2
    except ConfigError as exc:
        echo(f"opscheck: error: {exc}", err=True)
        return 2
    return result if isinstance(result, int) else 0


def run() -> None:
    """The console script: ``main`` then a fast exit.

    Everything the run built is garbage at this point; skipping the interpreter's
    teardown saves freeing it object by object (as mypy does).
    """
    try:
        code = main()
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # e.g. `opscheck validate | head`
        code = 1
    os._exit(code)
