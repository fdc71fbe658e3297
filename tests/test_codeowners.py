"""`opscheck codeowners`: the block GitHub reads, checked with an independent CODEOWNERS implementation."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from codeowners import CodeOwners
from codeowners import path_to_regex as their_regex

from conftest import AS_OF, REPO, Result
from opscheck.errors import ConfigError
from opscheck.integrations.codeowners import MAX_BYTES, matches, updated

FILE = ".github/CODEOWNERS"


def _tracked(root: Path) -> list[str]:
    out = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def test_every_pipeline_file_resolves_to_exactly_its_owners() -> None:
    """GitHub's rules as the codeowners package reads them: every file of a pipeline's code: goes to
    its primary and secondary owners, and ops-data/ and policies/ to the policy's data owners."""
    import yaml

    owners = CodeOwners((REPO / FILE).read_text(encoding="utf-8"))
    engineers = {e["id"]: e for e in yaml.safe_load((REPO / "ops-data/engineers.yaml").read_text())["engineers"]}
    pipelines = yaml.safe_load((REPO / "ops-data/pipelines.yaml").read_text())["pipelines"]
    policy = yaml.safe_load((REPO / "policies/opscheck.yaml").read_text())
    checked = 0
    for pipe in pipelines:
        wanted = [f"@{engineers[e]['github']}" for e in [pipe["owners"]["primary"], *pipe["owners"]["secondary"]]]
        for pattern in pipe["code"]:
            files = [p.relative_to(REPO).as_posix() for p in REPO.glob(pattern.rstrip("/") + "/**/*")] \
                if pattern.endswith("/") else [pattern]
            assert files, pattern
            for file in files:
                assert [name for _, name in owners.of(file)] == wanted, file
                checked += 1
    for file in _tracked(REPO):
        if file.startswith(("ops-data/", "policies/")):
            assert [name for _, name in owners.of(file)] == policy["codeowners"]["data_owners"], file
            checked += 1
    assert checked > 15


def test_this_repository_is_up_to_date(run: Callable[..., Result]) -> None:
    result = run("codeowners", "--check", "--root", REPO)
    assert result.code == 0, result.out + result.err


@pytest.fixture
def team_repo(team: Path) -> Path:
    (team / ".github").mkdir()
    shutil.copyfile(REPO / FILE, team / FILE)
    return team


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_check_shows_a_diff_and_write_fixes_it_keeping_the_rest(team_repo: Path, run: Callable[..., Result]) -> None:
    target = team_repo / FILE
    mine = b"# ours\r\n*.md @docs-team\r\n\r\n"
    target.write_bytes(mine + target.read_bytes().replace(b"\n", b"\r\n") + b"/docs/ @eng1")
    _edit(team_repo / "ops-data/pipelines.yaml", "primary: eng2\n", "primary: eng1\n")
    result = run("codeowners", "--check", "--root", team_repo)
    assert result.code == 1
    assert "-tests/dbt/analytics/models/profit/fct_profit_daily.sql @eng2 @eng4 @eng5" in result.out
    assert "+tests/dbt/analytics/models/profit/fct_profit_daily.sql @eng1 @eng4 @eng5" in result.out
    validated = run("validate", "--root", team_repo, "--as-of", AS_OF, "--select", "OWN007", "--format", "json")
    assert [(f["rule"], f["line"]) for f in validated.json()["findings"]] == [("OWN007", 13)]
    assert run("codeowners", "--write", "--root", team_repo).code == 0
    written = target.read_bytes()
    assert written.startswith(mine) and written.endswith(b"# END opscheck\r\n/docs/ @eng1")
    assert b"fct_profit_daily.sql @eng1 @eng4 @eng5\r\n" in written
    assert run("codeowners", "--check", "--root", team_repo).code == 0


def test_write_creates_the_file_and_check_wants_a_block(team: Path, run: Callable[..., Result]) -> None:
    assert run("codeowners", "--check", "--root", team).code == 1
    (team / ".github").mkdir()
    (team / FILE).write_text("* @someone\n", encoding="utf-8")
    assert run("codeowners", "--check", "--root", team).code == 1
    assert run("codeowners", "--write", "--root", team).code == 0
    text = (team / FILE).read_text(encoding="utf-8")
    assert text.startswith("* @someone\n\n# BEGIN opscheck\n") and text.endswith("# END opscheck\n")
    assert run("codeowners", "--check", "--root", team).code == 0


@pytest.mark.parametrize(("text", "says"), [
    ("# BEGIN opscheck\n* @a\n", "no '# END opscheck'"),
    ("# END opscheck\n# BEGIN opscheck\n", "comes before"),
    ("# BEGIN opscheck\n# END opscheck\n# BEGIN opscheck\n# END opscheck\n", "second opscheck block"),
])
def test_a_broken_block_is_exit_2_for_the_command(team: Path, run: Callable[..., Result], text: str,
                                                  says: str) -> None:
    (team / ".github").mkdir()
    (team / FILE).write_text(text, encoding="utf-8")
    result = run("codeowners", "--write", "--root", team)
    assert result.code == 2 and says in result.err and f"{FILE}:" in result.err
    assert (team / FILE).read_text(encoding="utf-8") == text


def test_spaces_are_escaped_the_way_github_reads_them(team: Path, run: Callable[..., Result]) -> None:
    _edit(team / "ops-data/pipelines.yaml", "      - tests/dbt/analytics/models/engagement/",
          '      - "docs/run books/engagement *.md"')
    result = run("codeowners", "--root", team)
    assert "docs/run\\ books/engagement\\ *.md @eng5 @eng3 @eng4\n" in result.out
    resolved = CodeOwners(result.out).of("docs/run books/engagement daily.md")
    assert [name for _, name in resolved] == ["@eng5", "@eng3", "@eng4"]


@pytest.mark.parametrize("pattern", ["!dags/x.py", "dags/[ab].py", "#x", "../outside/**", " padded"])
def test_patterns_github_would_ignore_are_schema_errors(team: Path, run: Callable[..., Result],
                                                       pattern: str) -> None:
    _edit(team / "ops-data/pipelines.yaml", "      - tests/dbt/analytics/models/engagement/",
          f'      - "{pattern}"')
    result = run("validate", "--root", team, "--as-of", AS_OF, "--select", "OPS002", "--format", "json")
    assert [f["rule"] for f in result.json()["findings"]] == ["OPS002"]


def test_a_file_over_githubs_limit_is_refused() -> None:
    with pytest.raises(ConfigError, match="3,145,728 bytes"):
        updated("#" * MAX_BYTES, ["x @a"])


@pytest.mark.parametrize("pattern", ["*", "*.sql", "/ops-data/", "ops-data/", "docs/*", "docs/**", "**/logs",
                                     "apps/**/x.py", "/build/logs/", "a/b", "dags/profit_*.py", "models/"])
@pytest.mark.parametrize("path", ["x.sql", "ops-data/a.yaml", "sub/ops-data/a.yaml", "docs/a.md", "docs/sub/a.md",
                                  "logs/x", "a/logs/x", "apps/x.py", "apps/b/c/x.py", "build/logs/y",
                                  "a/b", "a/b/c", "x/a/b", "dags/profit_daily.py", "models/m.sql", "q/models/m"])
def test_our_matcher_agrees_with_the_codeowners_package(pattern: str, path: str) -> None:
    assert matches(pattern, path) == (their_regex(pattern).search(path) is not None)


def test_a_github_handle_with_an_at_sign_says_how_to_write_it(team: Path, run: Callable[..., Result]) -> None:
    _edit(team / "ops-data/engineers.yaml", "    github: eng3\n", '    github: "@eng3"\n')
    result = run("validate", "--root", team, "--as-of", AS_OF, "--select", "OPS002", "--format", "json")
    assert [f["message"] for f in result.json()["findings"]] == [
        "'github': '@eng3' is not a GitHub user name (letters, digits and inner hyphens, at most 39 characters); "
        "write it without '@'"]


def test_the_command_warns_about_a_later_line_that_takes_a_path_over(team_repo: Path,
                                                                     run: Callable[..., Result]) -> None:
    target = team_repo / FILE
    target.write_text(target.read_text(encoding="utf-8") + "*.sql @someone-else\n", encoding="utf-8")
    result = run("codeowners", "--check", "--root", team_repo)
    assert result.code == 0
    warned = [line for line in result.err.splitlines() if line.startswith("opscheck: warning:")]
    assert len(warned) == 7 and all("'*.sql' comes after the opscheck block" in line for line in warned)
    assert "last match wins" in warned[0] and f"{FILE}:24:" in warned[0]


def test_write_refuses_a_symlinked_file(team: Path, tmp_path: Path, run: Callable[..., Result]) -> None:
    outside = tmp_path / "elsewhere"
    outside.write_text("* @a\n", encoding="utf-8")
    (team / ".github").mkdir()
    (team / FILE).symlink_to(outside)
    result = run("codeowners", "--write", "--root", team)
    assert result.code == 2 and "symbolic link" in result.err
    assert outside.read_text(encoding="utf-8") == "* @a\n"


def test_a_narrower_later_line_is_found_through_the_files_a_folder_holds(team_repo: Path,
                                                                        run: Callable[..., Result]) -> None:
    model = team_repo / "tests/dbt/analytics/models/engagement/fct_sessions.sql"
    model.parent.mkdir(parents=True)
    model.write_text("select 1\n", encoding="utf-8")
    target = team_repo / FILE
    target.write_text(target.read_text(encoding="utf-8") + "/tests/**/fct_*.sql @someone-else\n", encoding="utf-8")
    result = run("validate", "--root", team_repo, "--as-of", AS_OF, "--select", "OWN008", "--format", "json")
    found = {str(f["message"]).split("also matches '")[1].split("'")[0] for f in result.json()["findings"]}
    assert "tests/dbt/analytics/models/engagement/" in found
