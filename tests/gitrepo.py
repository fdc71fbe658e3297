"""Real git repositories for history tests: explicit authors and dates, no user or system config."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import AS_OF, Result

JANE = ("Jane Doe", "jane@example.com")
OMAR = ("Omar Ali", "omar@example.com")


def git(repo: Path, *args: str, date: str = "2026-01-05T10:00:00+00:00", who: tuple[str, str] = JANE) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": who[0], "GIT_AUTHOR_EMAIL": who[1], "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": who[0], "GIT_COMMITTER_EMAIL": who[1], "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def init(repo: Path) -> None:
    git(repo, "init", "-q", "-b", "main")


def commit(repo: Path, message: str, date: str, who: tuple[str, str] = JANE) -> str:
    """Commit everything under ``repo``; the new commit's sha."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message, date=date, who=who)
    return git(repo, "rev-parse", "HEAD")


def daily(repo: Path, file: str, texts: list[str], subject: str) -> Path:
    """``repo`` in git with one commit a day from 2026-01-05 for each of ``texts``, written to ``file``
    (a path under ``repo``); the k-th commit's subject is ``subject`` and k."""
    init(repo)
    for k, text in enumerate(texts):
        (repo / file).write_text(text, encoding="utf-8")
        commit(repo, f"{subject} {k}", f"2026-01-{5 + k:02d}T10:00:00+00:00")
    return repo


def edit(file: Path, old: str, new: str) -> None:
    text = file.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    file.write_text(text.replace(old, new), encoding="utf-8")


def line_of(file: Path, text: str) -> int:
    return next(i for i, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def pull_request(repo: Path) -> Path:
    """``repo`` committed on main, with a pull-request branch ``pr`` checked out."""
    init(repo)
    commit(repo, "Seed the team's data", "2026-01-05T10:00:00+00:00")
    git(repo, "checkout", "-q", "-b", "pr")
    return repo


def base_findings(run: Callable[..., Result], root: Path, select: str, *extra: str) -> tuple[int, list[Any]]:
    """Exit code and JSON findings of ``validate --base main --select SELECT`` in the pull request."""
    result = run("validate", "--root", root, "--as-of", AS_OF, "--base", "main", "--select", select,
                 "--format", "json", *extra)
    assert "Traceback" not in result.err
    return result.code, result.json()["findings"] if result.out else []
