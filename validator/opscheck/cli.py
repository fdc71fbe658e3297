"""Command line: flags -> Settings -> a thin path through loader, engine and reporters.

Every entry point returns an exit code: 0 success, 1 findings (or a stale report),
2 usage or configuration error. ``main`` maps ConfigError to 2 in one place.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from opscheck import __version__, commands
from opscheck.clitools import echo, output, paused_gc
from opscheck.errors import ConfigError
from opscheck.params import DATE, root_option, rule_ids, today
from opscheck.usage import document

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
        shown = relocate(report, repo_prefix(root)) if fmt in REPO_RELATIVE else report
        with output(out) as write:
            if fmt == "text":
                from opscheck.reporters.text import write as write_text

                color = out is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
                write_text(report, rules, write, color=color)
            else:
                reporter(fmt)(shown, rules, write)
        if fmt == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
            from opscheck.reporters.github import write_step_summary

            write_step_summary(shown, Path(os.environ["GITHUB_STEP_SUMMARY"]))
    note = engine.unchecked_note(report, rules, bool(select))
    if note:
        echo(f"opscheck: note: {note}", err=True)
    return report.exit_code(strict)


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


@cli.command()
@root_option
@click.option("--since", type=DATE, help="Only commits on or after this date (committer date, UTC).")
@click.option("--until", type=DATE, help="Only commits on or before this date (committer date, UTC).")
@click.option("--path", metavar="PATH", help="Only this file or folder under ops-data/.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def audit(root: Path, since: dt.date | None, until: dt.date | None, path: str | None, fmt: str) -> int:
    """Semantic changes to ops-data/ per commit, oldest first (first-parent history)."""
    from opscheck import jsontext
    from opscheck.audit import audit as walk

    entries = walk(root, since, until, path)
    first = next(entries, None)
    if first is None:
        span = (f" between {since} and {until}" if since and until else f" since {since}" if since
                else f" until {until}" if until else "")
        echo(f"opscheck: note: no commit changed {path or 'ops-data/'}{span}; nothing to show", err=True)
    listed = itertools.chain([first] if first else [], entries)
    # each commit written as it is made: one may have changed 268,000 shifts
    with output(None) as write:
        if fmt == "json":
            jsontext.dump(jsontext.Lazy(e.as_dict() for e in listed), write)
            write("\n")
        else:
            for e in listed:
                write("".join(line + "\n" for line in e.lines()))
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


# the commands that write from the data live in commands.py
for command in (commands.schedule_group, commands.report, commands.codeowners_cmd, commands.who):
    cli.add_command(command)

document(cli)


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
