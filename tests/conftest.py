"""Shared test helpers: run the CLI in-process and capture what it prints."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from opscheck.cli import main

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-26"
DBT_PROJECT = REPO / "tests" / "dbt" / "analytics"
DBT_PROFILE = """analytics:
  target: test
  outputs:
    test:
      type: duckdb
      path: {path}
"""


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run ``opscheck ARGS`` in-process; GITHUB_ACTIONS is cleared so ``auto`` means text."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)

    def invoke(*args: str) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def team(tmp_path: Path) -> Path:
    """A copy of this repository's own ops-data/ and policies/ to break in a test."""
    for name in ("ops-data", "policies"):
        shutil.copytree(REPO / name, tmp_path / name)
    return tmp_path


@pytest.fixture(scope="session")
def dbt_parsed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test dbt project after a real `dbt parse` (dbt-core, DuckDB adapter): it holds target/manifest.json.

    Profiles, logs and the database stay in a temporary folder; usage statistics are off so
    that nothing reaches the network.
    """
    work = tmp_path_factory.mktemp("dbt")
    project = work / "analytics"
    shutil.copytree(DBT_PROJECT, project)
    (work / "profiles.yml").write_text(DBT_PROFILE.format(path=work / "analytics.duckdb"), encoding="utf-8")
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DO_NOT_TRACK": "1",
           # and should anything still try, a proxy that answers nothing keeps it on this machine
           **{name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")},
           "NO_PROXY": "", "no_proxy": ""}
    dbt = Path(sys.executable).parent / "dbt"
    proc = subprocess.run(
        [str(dbt), "parse", "--no-send-anonymous-usage-stats", "--profiles-dir", str(work),
         "--project-dir", str(project), "--log-path", str(work / "logs")],
        env=env, capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return project


def with_dbt(case: Path, parsed: Path, dest: Path) -> Path:
    """A copy of ``case`` at ``dest`` with the parsed dbt project as its analytics/ folder."""
    shutil.copytree(case, dest)
    shutil.copytree(parsed, dest / "analytics", ignore=shutil.ignore_patterns("*.msgpack", "logs"))
    return dest
