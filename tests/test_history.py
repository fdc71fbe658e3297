"""Git history in validate: --base (GIT001, GIT002), --rev, RUN005's fallback, and git errors."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import AS_OF, Result
from gitrepo import OMAR, base_findings, commit, edit, git, init, line_of, pull_request

ONCALL = "ops-data/oncall.yaml"


@pytest.fixture
def repo(team: Path) -> Path:
    """The team's data committed on main, with a pull-request branch checked out."""
    return pull_request(team)


def _git_findings(run: Callable[..., Result], root: Path, *extra: str) -> tuple[int, list[dict[str, Any]]]:
    return base_findings(run, root, "GIT", *extra)


def _shift(week: str, engineer: str) -> str:
    return f"- {{week: {week}, engineer: {engineer}}}"


@pytest.mark.parametrize(("week", "old", "new"), [
    ("2026-11-16", "eng4", "eng1"),  # last week
    ("2026-11-23", "eng5", "eng2"),  # this week: started on Monday, as-of is Thursday
])
def test_reassigning_a_past_shift_is_git001(
    run: Callable[..., Result], repo: Path, week: str, old: str, new: str
) -> None:
    edit(repo / ONCALL, _shift(week, old), _shift(week, new))
    code, findings = _git_findings(run, repo)
    assert code == 1
    assert [(f["rule"], f["severity"], f["line"], f["subject"]) for f in findings] == [
        ("GIT001", "error", line_of(repo / ONCALL, _shift(week, new)), f"data-pipelines@{week}")
    ]
    assert f"reassigned from {old} to {new}" in findings[0]["message"]
    assert "record the change as an override with a reason" in findings[0]["message"]


def test_deleting_a_past_shift_points_at_the_rotation(run: Callable[..., Result], repo: Path) -> None:
    edit(repo / ONCALL, "      " + _shift("2026-11-09", "eng3") + "\n", "")
    code, findings = _git_findings(run, repo)
    assert code == 1
    assert [(f["rule"], f["line"], f["subject"]) for f in findings] == [
        ("GIT001", line_of(repo / ONCALL, "- id: data-pipelines"), "data-pipelines@2026-11-09")
    ]
    assert "week 2026-11-09 (eng3) was removed" in findings[0]["message"]


def test_changing_a_past_override_is_git001(run: Callable[..., Result], repo: Path) -> None:
    edit(repo / ONCALL, "{date: 2026-09-07, engineer: eng1,", "{date: 2026-09-07, engineer: eng3,")
    code, findings = _git_findings(run, repo)
    assert code == 1
    assert [(f["rule"], f["line"], f["column"], f["subject"]) for f in findings] == [
        ("GIT001", line_of(repo / ONCALL, "{date: 2026-09-07, engineer: eng3,"), 38, "data-pipelines@2026-09-07")
    ]


def _day_of_overrides(reasons: list[str]) -> str:
    return "".join(f"      - {{date: 2026-01-07, engineer: eng1, reason: {r}}}\n" for r in reasons)


def test_many_overrides_on_one_day_are_matched_by_value(run: Callable[..., Result], repo: Path) -> None:
    # 2,000 past overrides on one day: each old one is looked up among the new ones once, in any
    # order (a scan of the day's overrides for each took seconds here, and minutes at 8,000)
    count = 2000
    before = [f"a{i}" for i in range(count)]
    git(repo, "checkout", "-q", "main")
    edit(repo / ONCALL, "    overrides:\n", "    overrides:\n" + _day_of_overrides(before))
    commit(repo, "Record a busy day", "2026-01-08T10:00:00+00:00")
    git(repo, "checkout", "-q", "-B", "pr")
    after = [f"b{i}" if i % 2 else f"a{i}" for i in reversed(range(count))]
    edit(repo / ONCALL, _day_of_overrides(before), _day_of_overrides(after))
    code, findings = _git_findings(run, repo)
    assert code == 1
    first = line_of(repo / ONCALL, "reason: b1999}")
    assert {(f["rule"], f["line"], f["subject"]) for f in findings} == {
        ("GIT001", first, "data-pipelines@2026-01-07")}
    changed = [f["message"].split("(")[1].split(")")[0] for f in findings]
    assert sorted(changed) == sorted(f"a{i}" for i in range(1, count, 2))
    assert all("was changed to eng1 on 2026-01-07 (b1999)" in f["message"] for f in findings)


def test_adding_future_weeks_and_overrides_passes(run: Callable[..., Result], repo: Path) -> None:
    edit(repo / ONCALL, _shift("2027-12-27", "eng2") + "\n",
         _shift("2027-12-27", "eng2") + "\n      " + _shift("2028-01-03", "eng3") + "\n")
    edit(repo / ONCALL, "    overrides:\n",
         "    overrides:\n      - {date: 2026-11-20, engineer: eng1, reason: eng4 was ill}\n")
    code, findings = _git_findings(run, repo)
    assert (code, findings) == (0, [])


def test_reassigning_inside_the_freeze_window_warns(run: Callable[..., Result], repo: Path) -> None:
    edit(repo / ONCALL, _shift("2026-11-30", "eng1"), _shift("2026-11-30", "eng3"))
    edit(repo / ONCALL, _shift("2027-03-01", "eng4"), _shift("2027-03-01", "eng3"))  # far ahead: fine
    code, findings = _git_findings(run, repo)
    assert code == 0
    assert [(f["rule"], f["severity"], f["line"], f["subject"]) for f in findings] == [
        ("GIT002", "warning", line_of(repo / ONCALL, _shift("2026-11-30", "eng3")), "data-pipelines@2026-11-30")
    ]
    assert _git_findings(run, repo, "--strict")[0] == 1


def test_freeze_days_comes_from_the_policy(run: Callable[..., Result], repo: Path) -> None:
    edit(repo / ONCALL, _shift("2026-12-14", "eng3"), _shift("2026-12-14", "eng1"))
    assert _git_findings(run, repo)[1] == []
    (repo / "policies" / "opscheck.yaml").write_text("rules:\n  GIT002: {freeze_days: 28}\n", encoding="utf-8")
    assert [f["rule"] for f in _git_findings(run, repo)[1]] == ["GIT002"]


def test_base_in_a_subfolder_keeps_paths_relative_to_root(run: Callable[..., Result], tmp_path: Path,
                                                          team: Path) -> None:
    top = tmp_path / "top"
    (top / "ops").mkdir(parents=True)
    for name in ("ops-data", "policies"):
        (team / name).rename(top / "ops" / name)
    init(top)
    commit(top, "Seed", "2026-01-05T10:00:00+00:00")
    edit(top / "ops" / ONCALL, _shift("2026-11-16", "eng4"), _shift("2026-11-16", "eng1"))
    code, findings = _git_findings(run, top / "ops")
    assert code == 1
    assert [(f["rule"], f["file"]) for f in findings] == [("GIT001", ONCALL)]


def test_rev_reproduces_an_old_commit(run: Callable[..., Result], repo: Path) -> None:
    edit(repo / "ops-data/pipelines.yaml", "primary: eng2", "primary: eng9")
    commit(repo, "Hand profit-aggregate to eng9", "2026-02-10T23:30:00-05:00")  # 2026-02-11 in UTC
    then = run("validate", "--root", repo, "--as-of", "2026-02-11", "--format", "json")
    assert then.code == 1
    edit(repo / "ops-data/pipelines.yaml", "primary: eng9", "primary: eng2")
    commit(repo, "Fix the owner", "2026-02-12T10:00:00+00:00")
    assert run("validate", "--root", repo, "--as-of", "2026-02-11").code == 0
    again = run("validate", "--root", repo, "--rev", "HEAD~1", "--format", "json")
    assert again.code == 1
    assert again.json() == then.json()
    assert again.json()["as_of"] == "2026-02-11"


def test_rev_reads_the_policy_of_that_commit(run: Callable[..., Result], repo: Path) -> None:
    edit(repo / "ops-data/pipelines.yaml", "primary: eng2", "primary: eng9")
    (repo / "policies" / "opscheck.yaml").write_text("rules:\n  OPS005: {severity: off}\n", encoding="utf-8")
    commit(repo, "Silence references", "2026-02-10T10:00:00+00:00")
    (repo / "policies" / "opscheck.yaml").write_text("rules: {}\n", encoding="utf-8")
    assert run("validate", "--root", repo, "--as-of", AS_OF, "--select", "OPS005").code == 1
    assert run("validate", "--root", repo, "--as-of", AS_OF, "--select", "OPS005", "--rev", "HEAD").code == 0


def test_rev_treats_a_symlink_out_of_ops_data_as_outside(run: Callable[..., Result], repo: Path) -> None:
    (repo / "secret.md").write_text("---\npipeline: profit-aggregate\n---\n", encoding="utf-8")
    runbook = repo / "ops-data/runbooks/profit-aggregate.md"
    runbook.unlink()
    runbook.symlink_to("../../secret.md")
    commit(repo, "Point the runbook elsewhere", "2026-02-10T10:00:00+00:00")
    result = run("validate", "--root", repo, "--as-of", AS_OF, "--rev", "HEAD", "--select", "RUN004",
                 "--format", "json")
    assert [(f["rule"], f["subject"]) for f in result.json()["findings"]] == [("RUN004", "profit-aggregate")]


def _drop_last_reviewed(root: Path) -> Path:
    runbook = root / "ops-data/runbooks/growth-aggregate.md"
    edit(runbook, "last_reviewed: 2026-09-21\n", "")
    return runbook


def _run005(run: Callable[..., Result], root: Path) -> list[str]:
    result = run("validate", "--root", root, "--as-of", AS_OF, "--select", "RUN005", "--format", "json")
    return [f["message"] for f in result.json()["findings"]]


def test_run005_falls_back_to_the_last_commit(run: Callable[..., Result], repo: Path) -> None:
    runbook = _drop_last_reviewed(repo)
    commit(repo, "Drop the review date", "2026-03-02T12:00:00+00:00", who=OMAR)
    assert _run005(run, repo) == [
        "runbook was last changed 2026-03-02, 269 days ago (limit 180); "
        "review it and add last_reviewed: with today's date"
    ]
    runbook.write_text(runbook.read_text(encoding="utf-8") + "\nReviewed again.\n", encoding="utf-8")
    assert _run005(run, repo) == []  # uncommitted changes: being reviewed now
    commit(repo, "Review growth", "2026-11-20T12:00:00+00:00")
    assert _run005(run, repo) == []


def test_run005_counts_an_untracked_runbook_as_new(run: Callable[..., Result], repo: Path) -> None:
    _drop_last_reviewed(repo)
    git(repo, "rm", "-q", "--cached", "ops-data/runbooks/growth-aggregate.md")
    git(repo, "commit", "-q", "-m", "Untrack growth", date="2025-01-06T12:00:00+00:00")
    assert _run005(run, repo) == []


def test_run005_without_git_has_no_fallback(run: Callable[..., Result], team: Path) -> None:
    _drop_last_reviewed(team)
    assert _run005(run, team) == []


@pytest.mark.parametrize(("args", "message"), [
    (("validate", "--base", "nope"), "--base nope: unknown git ref 'nope'"),
    (("validate", "--rev", "v9.9"), "--rev v9.9: unknown git ref 'v9.9'"),
])
def test_unknown_ref_exits_2(run: Callable[..., Result], repo: Path, args: tuple[str, ...], message: str) -> None:
    result = run(*args, "--root", repo, "--as-of", AS_OF)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("args", [("validate", "--base", "HEAD~1"), ("validate", "--rev", "HEAD~1"), ("audit",)])
def test_shallow_clone_exits_2_naming_fetch_depth(
    run: Callable[..., Result], repo: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    edit(repo / ONCALL, _shift("2026-11-16", "eng4"), _shift("2026-11-16", "eng1"))
    commit(repo, "Second commit", "2026-02-10T10:00:00+00:00")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)], check=True)
    result = run(*args, "--root", clone, *(("--as-of", AS_OF) if args[0] == "validate" else ()))
    assert result.code == 2, result.out
    assert "this clone is shallow" in result.err
    assert "fetch-depth: 0" in result.err


@pytest.mark.parametrize("args", [("validate", "--base", "main"), ("validate", "--rev", "HEAD"), ("audit",)])
def test_history_outside_git_exits_2(run: Callable[..., Result], team: Path, args: tuple[str, ...]) -> None:
    result = run(*args, "--root", team)
    assert result.code == 2
    assert "is not inside a git repository" in result.err
    assert run("validate", "--root", team, "--as-of", AS_OF).code == 0


def test_plain_validate_does_not_import_git(tmp_path: Path) -> None:
    code = ("import sys; from opscheck.cli import main; "
            f"rc = main(['validate', '--root', {str(Path(__file__).parents[1])!r}, '--as-of', {AS_OF!r}]); "
            "print('git' in sys.modules); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "False"



@pytest.mark.parametrize("folder", ["plain", "new\nline"])
def test_file_versions_are_the_blobs_first_parent_commits_made(tmp_path: Path, folder: str) -> None:
    import git as gitpython

    from opscheck.history import file_versions

    data = tmp_path / folder / "ops-data"
    data.mkdir(parents=True)
    init(tmp_path)
    made = []
    for n, text in enumerate(["rotations: []\n", None, "rotations:\n", "folder"]):
        if text is None:
            (data / "oncall.yaml").unlink()
        elif text == "folder":  # a folder where the file was: no version
            (data / "oncall.yaml").unlink()
            (data / "oncall.yaml").mkdir()
            (data / "oncall.yaml" / "x").write_text("x\n", encoding="utf-8")
        else:
            (data / "oncall.yaml").write_text(text, encoding="utf-8")
            made.append((1_767_607_200 + n * 3600, text.encode()))
        commit(tmp_path, f"Version {n}", f"{1_767_607_200 + n * 3600} +0000")
    found = list(file_versions(gitpython.Repo(tmp_path), f"{folder}/{ONCALL}"))
    assert [(stamp, contents.data) for stamp, contents in found] == made
    assert all(contents.size == len(contents.data) for _, contents in found)


def test_blobs_over_the_limit_are_not_read(tmp_path: Path) -> None:
    import git as gitpython

    from opscheck.history import read_blobs

    (tmp_path / "big").write_text("x" * 100, encoding="utf-8")
    (tmp_path / "small").write_text("y\n", encoding="utf-8")
    init(tmp_path)
    commit(tmp_path, "Seed", "2026-01-05T10:00:00+00:00")
    shas = [git(tmp_path, "rev-parse", f"HEAD:{name}") for name in ("big", "small", "big")]
    found = list(read_blobs(gitpython.Repo(tmp_path), shas, limit=50))
    assert [(c.hexsha, c.size, c.data) for c in found] == [(shas[0], 100, b""), (shas[1], 2, b"y\n"),
                                                         (shas[0], 100, b"")]
