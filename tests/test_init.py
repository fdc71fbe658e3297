"""`opscheck init`: the starter passes `opscheck validate` on the day it is written."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conftest import REPO, Result
from opscheck import __version__
from opscheck.errors import ConfigError
from opscheck.init import Source, source
from test_workflows import (
    WORKFLOW,
    _blocking,
    _run,
    _tool,
    _uses_lines,
    _zizmor_findings,
    assert_pip_cache_and_fork_guard,
)

STARTER = [
    ".github/workflows/opscheck.yml",
    ".pre-commit-config.yaml",
    *(f".vscode/opscheck/{name}.schema.json"
      for name in ("custom-rule", "engineers", "holidays", "oncall", "pipelines", "policy")),
    ".vscode/settings.json",
    "ops-data/engineers.yaml",
    "ops-data/holidays.yaml",
    "ops-data/oncall.yaml",
    "ops-data/pipelines.yaml",
    "ops-data/runbooks/revenue-daily.md",
    "policies/opscheck.yaml",
]
SOURCE_LINE = ("pre-commit and the workflow install opscheck from https://github.com/opscheck/opscheck"
               f" at v{__version__}")
DAYS = ["2026-11-26", "2026-12-28", "2026-12-31", "2027-01-01", "2027-06-30", "2028-02-29"]


@pytest.fixture
def starter(tmp_path: Path, run: Callable[..., Result]) -> Path:
    target = tmp_path / "team"
    result = run("init", target, "--as-of", "2026-11-26")
    assert result.code == 0, result.err
    return target


@pytest.mark.parametrize("day", DAYS)
def test_starter_validates_clean_on_its_day(day: str, tmp_path: Path, run: Callable[..., Result]) -> None:
    result = run("init", tmp_path, "--as-of", day)
    assert result.code == 0, result.err
    assert result.out.splitlines()[:-2] == [f"wrote {path}" for path in STARTER]
    assert result.out.splitlines()[-2] == SOURCE_LINE
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == sorted(STARTER)
    checked = run("validate", "--root", tmp_path, "--as-of", day, "--format", "json", "--strict")
    assert checked.code == 0, checked.out
    assert checked.json()["findings"] == []


@pytest.mark.parametrize("day", DAYS)
def test_schedule_covers_the_next_half_year(day: str, tmp_path: Path, run: Callable[..., Result]) -> None:
    run("init", tmp_path, "--as-of", day)
    as_of = dt.date.fromisoformat(day)
    oncall = yaml.safe_load((tmp_path / "ops-data" / "oncall.yaml").read_text(encoding="utf-8"))
    weeks = [s["week"] for s in oncall["rotations"][0]["shifts"]]
    assert weeks[0].weekday() == 0 and weeks[0] <= as_of < weeks[0] + dt.timedelta(days=7)
    assert weeks[-1] + dt.timedelta(days=6) >= as_of + dt.timedelta(days=91 + 13 * 7)
    runbook = (tmp_path / "ops-data" / "runbooks" / "revenue-daily.md").read_text(encoding="utf-8")
    assert f"last_reviewed: {day}\n" in runbook


def test_second_init_skips_everything(starter: Path, run: Callable[..., Result]) -> None:
    before = {p: p.read_bytes() for p in starter.rglob("*") if p.is_file()}
    result = run("init", starter, "--as-of", "2027-03-01")
    assert result.code == 0
    assert result.out.splitlines() == [
        *(f"skipped {path} (already exists)" for path in STARTER),
        SOURCE_LINE,
        f"0 written, {len(STARTER)} skipped; next: opscheck validate --root {starter}",
    ]
    assert {p: p.read_bytes() for p in starter.rglob("*") if p.is_file()} == before


def test_init_keeps_existing_files(tmp_path: Path, run: Callable[..., Result],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    mine = tmp_path / "ops-data" / "engineers.yaml"
    mine.parent.mkdir()
    mine.write_text("engineers: []\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("init", "--as-of", "2026-11-26")
    assert result.code == 0
    assert "skipped ops-data/engineers.yaml (already exists)" in result.out.splitlines()
    assert result.out.splitlines()[-1] == f"{len(STARTER) - 1} written, 1 skipped; next: opscheck validate"
    assert mine.read_text(encoding="utf-8") == "engineers: []\n"
    assert (tmp_path / "ops-data" / "oncall.yaml").is_file()


def test_init_into_a_file_is_a_usage_error(tmp_path: Path, run: Callable[..., Result]) -> None:
    target = tmp_path / "file"
    target.write_text("", encoding="utf-8")
    result = run("init", target, "--as-of", "2026-11-26")
    assert result.code == 2
    assert "is not a folder" in result.err


def test_workflow_passes_schema_and_zizmor(starter: Path) -> None:
    workflow = starter / ".github" / "workflows" / "opscheck.yml"
    proc = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", workflow)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _blocking(_zizmor_findings(workflow, cwd=starter)) == []


def test_workflow_pins_the_same_actions_as_ci(starter: Path) -> None:
    ours = set(_uses_lines(starter / ".github" / "workflows" / "opscheck.yml"))
    assert ours and ours <= set(_uses_lines(WORKFLOW))


def test_workflow_caches_pip_and_skips_the_upload_on_forks(starter: Path) -> None:
    workflow = starter / ".github" / "workflows" / "opscheck.yml"
    steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"]["validate"]["steps"]
    assert_pip_cache_and_fork_guard(steps)
    setup = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@"))
    assert (starter / setup["with"]["cache-dependency-path"]) == workflow  # a file that exists there


def test_pre_commit_config_is_valid(starter: Path) -> None:
    config = starter / ".pre-commit-config.yaml"
    proc = _run(_tool("pre-commit"), "validate-config", config)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    repo = yaml.safe_load(config.read_text(encoding="utf-8"))["repos"][0]
    published = {h["id"] for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    assert repo == {"repo": _project_urls()["Repository"], "rev": f"v{__version__}", "hooks": [{"id": "opscheck"}]}
    assert "opscheck" in published


def _project_urls() -> dict[str, str]:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    section = text.split("[project.urls]\n", 1)[1].split("\n\n", 1)[0]
    return {k.strip(): v.strip().strip('"') for k, _, v in (line.partition("=") for line in section.splitlines())}


def test_workflow_installs_from_the_same_source_as_pre_commit(starter: Path) -> None:
    steps = yaml.safe_load((starter / ".github" / "workflows" / "opscheck.yml").read_text(encoding="utf-8"))
    install = next(s for s in steps["jobs"]["validate"]["steps"] if s.get("name") == "Install opscheck")
    url = _project_urls()["Repository"]
    assert install["env"] == {"OPSCHECK_SOURCE": f"opscheck @ git+{url}@v{__version__}"}
    assert install["run"] == 'python -m pip install "$OPSCHECK_SOURCE"'


@pytest.mark.parametrize(
    ("given", "rev", "expected"),
    [
        ("https://github.com/acme/opscheck", "v2.0.0",
         Source("https://github.com/acme/opscheck", "v2.0.0", "opscheck @ git+https://github.com/acme/opscheck@v2.0.0")),
        ("git+https://git.acme.test/tools/opscheck.git", "3f2a9c1",
         Source("https://git.acme.test/tools/opscheck.git", "3f2a9c1",
                "opscheck @ git+https://git.acme.test/tools/opscheck.git@3f2a9c1")),
        ("git@github.com:acme/opscheck.git", None,
         Source("git@github.com:acme/opscheck.git", f"v{__version__}",
                f"opscheck @ git+ssh://git@github.com/acme/opscheck.git@v{__version__}")),
        ("ssh://git@github.com/acme/opscheck", "main",
         Source("ssh://git@github.com/acme/opscheck", "main", "opscheck @ git+ssh://git@github.com/acme/opscheck@main")),
    ],
)
def test_source_urls(given: str, rev: str | None, expected: Source) -> None:
    assert source(given, rev) == expected
    assert not expected.local


def test_source_defaults_to_the_project_repository() -> None:
    url = _project_urls()["Repository"]
    assert source(None, None) == Source(url, f"v{__version__}", f"opscheck @ git+{url}@v{__version__}")


@pytest.mark.parametrize(
    ("given", "rev", "message"),
    [
        ("no/such/folder", None, "--source no/such/folder: no such folder, and not a git URL"),
        ("tests", None, "--source tests: not a git clone of opscheck"),
        ("https://github.com/acme/opscheck", "a b", "--rev 'a b': name a tag or commit"),
        ("https://github.com/acme/opscheck", "", "--rev '': name a tag or commit"),
    ],
)
def test_source_refuses_what_cannot_install(given: str, rev: str | None, message: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    with pytest.raises(ConfigError, match="^" + re.escape(message)):
        source(given, rev)


def test_init_rejects_a_bad_source_before_writing(tmp_path: Path, run: Callable[..., Result]) -> None:
    result = run("init", tmp_path / "team", "--as-of", "2026-11-26", "--source", str(tmp_path / "nope"))
    assert result.code == 2
    assert "no such folder, and not a git URL" in result.err
    assert not (tmp_path / "team").exists()


@pytest.mark.parametrize("rev", ["1.0", "yes", "v1 #x", "main"])
def test_rev_is_written_as_a_string(rev: str, tmp_path: Path, run: Callable[..., Result]) -> None:
    if " " in rev:
        assert run("init", tmp_path, "--rev", rev).code == 2
        return
    assert run("init", tmp_path, "--as-of", "2026-11-26", "--rev", rev).code == 0
    config = yaml.safe_load((tmp_path / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert config["repos"][0]["rev"] == rev


def test_generated_pre_commit_config_runs_against_a_local_clone(tmp_path: Path, run: Callable[..., Result]) -> None:
    """The real pre-commit clones the source at the pinned tag, builds the hook and blocks a bad commit."""
    from distribution import offline_pip, project_clone
    from test_precommit import _commit, _env, _git, _ok

    pre_commit = _tool("pre-commit")
    clone = project_clone(tmp_path / "opscheck-fork")
    team = tmp_path / "team"
    assert run("init", team, "--as-of", "2026-11-26", "--source", clone).code == 0
    config_file = team / ".pre-commit-config.yaml"
    config = yaml.safe_load(config_file.read_text(encoding="utf-8"))
    assert config["repos"][0]["repo"] == str(clone.resolve())
    config["repos"][0]["hooks"][0]["args"] = ["--as-of", "2026-11-26"]  # the hook's own day, not today
    config_file.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    env = offline_pip(_env(tmp_path / "home"))
    _ok(_git(team, env, "init", "-q", "-b", "main"))
    _ok(subprocess.run([str(pre_commit), "install"], cwd=team, env=env, capture_output=True, text=True,
                       timeout=120, check=False))
    first = _commit(team, env, "Adopt opscheck")
    _ok(first)
    assert re.search(r"^opscheck\.+Passed$", first.stdout + first.stderr, re.M)

    pipelines = team / "ops-data" / "pipelines.yaml"
    pipelines.write_text(pipelines.read_text(encoding="utf-8").replace("primary: alex", "primary: alexx"),
                         encoding="utf-8")
    blocked = _commit(team, env, "Hand revenue-daily to a typo")
    assert blocked.returncode == 1
    assert re.search(r"^opscheck\.+Failed$", blocked.stdout + blocked.stderr, re.M)
    assert "OPS005 error: primary owner 'alexx'" in blocked.stdout + blocked.stderr
    hook_env = next((tmp_path / "home" / "pre-commit").glob("repo*/py_env-*"))
    assert (hook_env / "bin" / "opscheck").is_file()


def _codeowners_step(starter: Path) -> str:
    workflow = yaml.safe_load((starter / ".github" / "workflows" / "opscheck.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["validate"]["steps"]
    script: str = next(s["run"] for s in steps if "CODEOWNERS" in s.get("name", ""))
    return script


def test_workflow_checks_codeowners_only_once_the_block_exists(starter: Path, run: Callable[..., Result]) -> None:
    import os
    import sys

    script = _codeowners_step(starter)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def step() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", "-e", "-c", script], cwd=starter, env=env, capture_output=True, text=True,
                              check=False)

    assert step().returncode == 0  # no CODEOWNERS yet: nothing to check
    engineers = starter / "ops-data" / "engineers.yaml"
    people = engineers.read_text(encoding="utf-8")
    for name in ("alex", "blair", "casey"):
        email = f"    email: {name}@example.com\n"
        people = people.replace(email, f"{email}    github: {name}\n")
    engineers.write_text(people, encoding="utf-8")
    pipelines = starter / "ops-data" / "pipelines.yaml"
    text = pipelines.read_text(encoding="utf-8")
    assert '    # code: ["analytics/models/revenue/**"]\n' in text and "    # dbt: [" in text
    text = text.replace('    # code: ["analytics', '    code: ["analytics')
    pipelines.write_text(text, encoding="utf-8")
    assert run("codeowners", "--write", "--root", starter).code == 0
    assert step().returncode == 0
    pipelines.write_text(text.replace("secondary: [blair]", "secondary: [casey]", 1), encoding="utf-8")
    stale = step()
    assert stale.returncode == 1 and "opscheck codeowners --write" in stale.stderr
