"""The published pre-commit hook, run by the real pre-commit on a real `git commit`.

The temporary repository uses a ``repo: local`` hook built from this repository's
``.pre-commit-hooks.yaml`` (same command, same files pattern) with ``language: system``
pointing at the opscheck installed here, so nothing is fetched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import AS_OF, REPO

BIN = Path(sys.executable).parent


def _manifest_hook() -> dict[str, Any]:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    return next(h for h in hooks if h["id"] == "opscheck")


def _local_hook() -> dict[str, Any]:
    """The published hook, run with the opscheck installed next to this interpreter."""
    hook = _manifest_hook()
    program, _, args = hook["entry"].partition(" ")
    assert program == "opscheck"
    keep = ("id", "name", "pass_filenames", "files", "require_serial")
    return {
        **{key: hook[key] for key in keep},
        "entry": f"{BIN / 'opscheck'} {args} --as-of {AS_OF}",
        "language": "system",
    }


def _env(home: Path) -> dict[str, str]:
    when = "2026-11-26T10:00:00+00:00"
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "PRE_COMMIT_HOME": str(home / "pre-commit"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Test Author",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_NAME": "Test Committer",
        "GIT_COMMITTER_EMAIL": "committer@example.com",
        "GIT_COMMITTER_DATE": when,
        "NO_COLOR": "1",
    }


@pytest.fixture
def repo(team: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A git repository holding the team's data, with the hook installed."""
    if shutil.which("git") is None or not (BIN / "pre-commit").exists():
        pytest.skip("git and pre-commit are needed")
    env = _env(tmp_path_factory.mktemp("home"))
    config = {"repos": [{"repo": "local", "hooks": [_local_hook()]}]}
    (team / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    _git(team, env, "init", "-q", "-b", "main")
    _ok(subprocess.run([str(BIN / "pre-commit"), "install"], cwd=team, env=env, capture_output=True, text=True,
                       timeout=120, check=False))
    return team, env


def _git(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def _ok(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _commit(root: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    _ok(_git(root, env, "add", "-A"))
    return _git(root, env, "commit", "-q", "-m", message)


def test_local_hook_is_the_published_one() -> None:
    hook, local = _manifest_hook(), _local_hook()
    assert local["entry"] == f"{BIN / 'opscheck'} validate --as-of {AS_OF}"
    assert local["entry"].startswith(str(BIN / hook["entry"]))
    assert local["files"] == hook["files"] == "^(ops-data|policies)/"
    assert local["pass_filenames"] is hook["pass_filenames"] is False


def test_commit_blocked_by_a_finding_then_clean_commit_passes(repo: tuple[Path, dict[str, str]]) -> None:
    root, env = repo
    _ok(_commit(root, env, "Team data"))

    pipelines = root / "ops-data" / "pipelines.yaml"
    clean = pipelines.read_text(encoding="utf-8")
    pipelines.write_text(clean.replace("primary: eng2", "primary: eng9", 1), encoding="utf-8")
    blocked = _commit(root, env, "Hand profit-aggregate to eng9")
    assert blocked.returncode != 0
    output = blocked.stdout + blocked.stderr
    assert "opscheck" in output and "Failed" in output
    assert "ops-data/pipelines.yaml:" in output and "OPS005 error: primary owner 'eng9'" in output
    assert _git(root, env, "rev-list", "--count", "HEAD").stdout.strip() == "1"

    pipelines.write_text(clean.replace("secondary: [eng4, eng5]", "secondary: [eng5, eng4]", 1), encoding="utf-8")
    passed = _commit(root, env, "Swap the backup order")
    _ok(passed)
    assert _git(root, env, "rev-list", "--count", "HEAD").stdout.strip() == "2"


def test_hook_skips_commits_outside_the_data(repo: tuple[Path, dict[str, str]]) -> None:
    root, env = repo
    _ok(_commit(root, env, "Team data"))
    (root / "ops-data" / "engineers.yaml").write_text("engineers: [", encoding="utf-8")  # broken, not staged
    (root / "NOTES.md").write_text("notes\n", encoding="utf-8")
    _ok(_git(root, env, "add", "NOTES.md"))
    result = _git(root, env, "commit", "-q", "-m", "Notes")
    _ok(result)
    assert "Skipped" in result.stdout + result.stderr


def test_this_repositorys_own_config_works_from_a_fresh_clone(team: Path, tmp_path_factory: pytest.TempPathFactory,
                                                             ) -> None:
    """As the README sets it up: a .venv in the clone, `pre-commit install`, no activated environment."""
    if shutil.which("git") is None or not (BIN / "pre-commit").exists():
        pytest.skip("git and pre-commit are needed")
    env = _env(tmp_path_factory.mktemp("home"))
    assert str(BIN) not in env["PATH"].split(os.pathsep), "the hook must not rely on an active environment"
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    config["repos"][0]["hooks"][0]["args"] = ["--as-of", AS_OF]  # the data's day, not today
    (team / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    (team / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    (team / ".gitignore").write_text(".venv\n", encoding="utf-8")
    _git(team, env, "init", "-q", "-b", "main")
    _ok(subprocess.run([str(BIN / "pre-commit"), "install"], cwd=team, env=env, capture_output=True, text=True,
                       timeout=120, check=False))
    first = _commit(team, env, "Team data")
    _ok(first)
    assert "opscheck....." in first.stdout + first.stderr

    pipelines = team / "ops-data" / "pipelines.yaml"
    pipelines.write_text(pipelines.read_text(encoding="utf-8").replace("primary: eng2", "primary: eng9", 1),
                         encoding="utf-8")
    blocked = _commit(team, env, "Hand profit-aggregate to eng9")
    assert blocked.returncode == 1
    assert "OPS005 error: primary owner 'eng9'" in blocked.stdout + blocked.stderr
