"""Edge cases of the commands beyond validate: who, schedule plan and --write, --base."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result

ONCALL = "ops-data/oncall.yaml"
HEAD = """rotations:
  - id: data-pipelines
    members: [alex, blair, casey]
"""


@pytest.fixture
def starter(run: Callable[..., Result], tmp_path: Path) -> Path:
    """The `opscheck init` starter, its schedule beginning the week of 2026-02-23."""
    assert run("init", tmp_path, "--as-of", "2026-03-01").code == 0
    return tmp_path


def _oncall(root: Path, text: str) -> None:
    (root / ONCALL).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("at", ["0001-01-01T00:00Z", "0001-01-01T00:00+01:00", "9999-12-31T23:30-05:00"])
def test_who_at_the_ends_of_the_calendar_is_a_usage_error(
    run: Callable[..., Result], starter: Path, at: str
) -> None:
    result = run("who", "--root", starter, "--at", at)
    assert result.code == 2
    assert "--at" in result.err and "Traceback" not in result.err
