"""Shared test helpers: run the CLI in-process and capture what it prints."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from opscheck.cli import main

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-11-26"


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
