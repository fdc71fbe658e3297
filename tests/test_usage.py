"""Requests that cannot mean anything are usage errors; runs that checked nothing say so; every
command finds its repository, explains itself and names its exit codes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import pytest

from conftest import AS_OF, REPO, Result
from gitrepo import init
from opscheck.cli import cli
from opscheck.usage import HELP


@pytest.mark.parametrize(("args", "message"), [
    (("--select", ""), "--select '' names no rule"),
    (("--select", " , "), "--select ' , ' names no rule"),
    (("--ignore", ""), "--ignore '' names no rule"),
    (("--select", "ONC001", "--ignore", "ONC"), "--ignore ONC leaves no rule to run of those selected (ONC001)"),
    (("--select", "OWN", "--ignore", "OWN,ONC"), "leaves no rule to run of those selected (OWN001, OWN002"),
])
def test_a_selection_that_means_nothing_is_a_usage_error(run: Callable[..., Result], args: tuple[str, ...],
                                                         message: str) -> None:
    result = run("validate", "--root", REPO, "--as-of", AS_OF, *args)
    assert result.code == 2 and result.out == ""
    assert message in result.err


@pytest.mark.parametrize(("args", "note"), [
    (("--select", "GIT"), "opscheck: note: GIT001, GIT002 compare with --base REF, which was not given: "
                          "nothing was checked; pass e.g. --base origin/main\n"),
    (("--select", "GIT,OWN001"), "opscheck: note: GIT001, GIT002 compare with --base REF, which was not given, "
                                 "so they were skipped\n"),
    (("--select", "GIT001"), "opscheck: note: GIT001 compares with --base REF, which was not given: "
                             "nothing was checked; pass e.g. --base origin/main\n"),
    (("--select", "DBT002,DBT003"), "opscheck: note: DBT002, DBT003 read the dbt manifest, which "
                                    "policies/opscheck.yaml does not name: nothing was checked; set sources: "
                                    "{dbt: {manifest: PATH}} in it\n"),
    ((), ""),
    (("--select", "OWN"), ""),
])
def test_a_run_that_checked_nothing_says_so(run: Callable[..., Result], args: tuple[str, ...], note: str) -> None:
    result = run("validate", "--root", REPO, "--as-of", AS_OF, *args)
    assert result.code == 0
    assert result.err == note
    assert result.out.endswith(f"0 errors, 0 warnings in 8 files (as of {AS_OF})\n")


def test_selecting_only_rules_the_policy_turns_off_says_so(run: Callable[..., Result], team: Path) -> None:
    policy = team / "policies" / "opscheck.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("OWN005: {max_primary: 3}", "OWN005: {severity: off}"),
                      encoding="utf-8")
    result = run("validate", "--root", team, "--as-of", AS_OF, "--select", "OWN005", "--format", "json")
    assert result.code == 0 and result.json()["findings"] == []
    assert result.err == "opscheck: note: every selected rule (OWN005) is off in the policy: nothing was checked\n"


@pytest.mark.parametrize(("day", "message"), [
    ("2026-02-30", "2026-02-30 is not a day: February 2026 has 28 days"),
    ("2028-02-30", "2028-02-30 is not a day: February 2028 has 29 days"),
    ("2026-13-01", "2026-13-01 is not a day: there is no month 13"),
    ("2026-04-31", "2026-04-31 is not a day: April 2026 has 30 days"),
    ("26-11-2026", "'26-11-2026' is not a date in the form YYYY-MM-DD"),
])
def test_as_of_a_day_that_does_not_exist(run: Callable[..., Result], day: str, message: str) -> None:
    result = run("validate", "--root", REPO, "--as-of", day)
    assert result.code == 2
    assert f"Invalid value for '--as-of': {message}\n" in result.err


def test_a_day_that_does_not_exist_in_the_data(run: Callable[..., Result], team: Path) -> None:
    oncall = team / "ops-data" / "oncall.yaml"
    oncall.write_text(oncall.read_text(encoding="utf-8").replace("week: 2026-02-23", "week: 2026-02-30"),
                      encoding="utf-8")
    result = run("validate", "--root", team, "--as-of", AS_OF, "--select", "OPS002", "--format", "json")
    assert [f["message"] for f in result.json()["findings"]] == [
        "'week': 2026-02-30 is not a day: February 2026 has 28 days"]


def test_a_root_that_does_not_exist(run: Callable[..., Result], tmp_path: Path) -> None:
    result = run("who", "--root", tmp_path / "nope")
    assert result.code == 2
    assert f"Invalid value for '--root': folder {tmp_path / 'nope'} does not exist" in result.err


@pytest.mark.parametrize("below", ["", "ops-data", "ops-data/runbooks", "policies"])
def test_the_repository_is_found_from_any_folder_inside_it(run: Callable[..., Result], team: Path, below: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(team / below)
    result = run("validate", "--as-of", AS_OF)
    assert (result.code, result.out) == (0, f"0 errors, 0 warnings in 8 files (as of {AS_OF})\n")
    assert run("who", "--at", "2026-11-30T14:00Z").out.splitlines()[1].startswith("  data-pipelines: Eng1 (eng1)")


def test_the_search_stops_at_the_git_repository(run: Callable[..., Result], team: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    inner = team / "tools" / "other-repo"
    inner.mkdir(parents=True)
    init(inner)
    monkeypatch.chdir(inner)
    result = run("validate", "--as-of", AS_OF)
    assert result.code == 2
    assert "no ops-data/ folder under ." in result.err


def test_bare_opscheck_lists_the_commands(run: Callable[..., Result]) -> None:
    result = run()
    assert result.code == 0 and result.err == ""
    assert "Commands:" in result.out
    for name in cli.commands:
        assert f"\n  {name} " in result.out


def _commands(group: click.Group, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        found.append((prefix + name, command))
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix}{name} ")
    return found


@pytest.mark.parametrize(("path", "command"), _commands(cli), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_help_has_examples_and_exit_codes(run: Callable[..., Result], path: str,
                                                        command: click.Command) -> None:
    assert path in HELP, f"add examples and exit codes for `opscheck {path}` to opscheck/usage.py"
    result = run(*path.split(), "--help")
    assert result.code == 0
    examples = [line.strip() for line in result.out.split("Examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()]
    assert examples and all(line.startswith(f"opscheck {path.split()[0]}") for line in examples), result.out
    codes = result.out.split("Exit codes:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in codes] == (["0", "1", "2"] if HELP[path][1] else ["0", "2"])


@pytest.mark.parametrize("example", [e for examples, _ in HELP.values() for e in examples])
def test_every_help_example_parses(example: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Examples are invocations that the command line accepts, not prose."""
    import shlex

    monkeypatch.chdir(REPO)
    args = shlex.split(example)[1:]
    command: click.Command = cli
    ctx = cli.make_context("opscheck", list(args), resilient_parsing=True)
    while isinstance(command, click.Group) and args and args[0] in command.commands:
        command = command.commands[args.pop(0)]
        ctx = command.make_context(command.name, list(args), parent=ctx)
    assert not isinstance(command, click.Group) or not args, example
