"""`opscheck init`: the starter passes `opscheck validate` on the day it is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conftest import Result
from test_workflows import WORKFLOW, _blocking, _run, _tool, _uses_lines, _zizmor_findings

STARTER = [
    ".github/workflows/opscheck.yml",
    ".pre-commit-config.yaml",
    "ops-data/engineers.yaml",
    "ops-data/holidays.yaml",
    "ops-data/oncall.yaml",
    "ops-data/pipelines.yaml",
    "ops-data/runbooks/revenue-daily.md",
    "policies/opscheck.yaml",
]
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
    assert result.out.splitlines()[:-1] == [f"wrote {path}" for path in STARTER]
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
        f"0 written, 8 skipped; next: opscheck validate --root {starter}",
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
    assert result.out.splitlines()[-1] == "7 written, 1 skipped; next: opscheck validate"
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


def test_pre_commit_config_is_valid(starter: Path) -> None:
    config = starter / ".pre-commit-config.yaml"
    proc = _run(_tool("pre-commit"), "validate-config", config)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hook = yaml.safe_load(config.read_text(encoding="utf-8"))["repos"][0]["hooks"][0]
    assert (hook["entry"], hook["files"]) == ("opscheck validate", "^(ops-data|policies)/")
