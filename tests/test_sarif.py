"""SARIF fingerprints name the problem, so code scanning keeps one alert per problem across runs."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import AS_OF, REPO, Result

CASE = REPO / "tests" / "cases" / "formats"
KEY = "opscheck/v2"


def _results(run: Callable[..., Result], root: Path, as_of: str = AS_OF) -> list[dict[str, Any]]:
    result = run("validate", "--root", root, "--as-of", as_of, "--format", "sarif")
    assert result.code in (0, 1), result.err
    results: list[dict[str, Any]] = result.json()["runs"][0]["results"]
    return results


def _prints(results: list[dict[str, Any]]) -> dict[str, str]:
    return {r["partialFingerprints"][KEY]: r["ruleId"] for r in results}


@pytest.fixture
def copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(CASE, tmp_path, dirs_exist_ok=True)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    return tmp_path


def test_fingerprints_survive_another_as_of(copy: Path, run: Callable[..., Result]) -> None:
    today, tomorrow = _results(run, copy), _results(run, copy, "2026-11-27")
    # the wording changed (RUN005 counts the days, ONC003 names the date to reach) ...
    assert {r["message"]["text"] for r in today} != {r["message"]["text"] for r in tomorrow}
    assert any(r["ruleId"] == "RUN005" for r in today)
    # ... the problems did not
    assert _prints(today) == _prints(tomorrow)


def test_fingerprints_survive_inserted_lines_and_entries(copy: Path, run: Callable[..., Result]) -> None:
    before = _results(run, copy)
    data = copy / "ops-data"
    for path in sorted(data.rglob("*.yaml")):
        path.write_text("# inserted above everything\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    engineers = data / "engineers.yaml"
    engineers.write_text(
        engineers.read_text(encoding="utf-8").replace("engineers:\n", "engineers:\n  - {id: dee, name: Dee}\n"),
        encoding="utf-8",
    )
    runbook = data / "runbooks" / "orders-daily.md"
    runbook.write_text(runbook.read_text(encoding="utf-8").replace("---\n", "---\n# a note\n", 1), encoding="utf-8")
    after = _results(run, copy)
    assert [r["locations"] for r in before] != [r["locations"] for r in after]
    assert _prints(before) == _prints(after)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("  - {id: ana, name: Ana, name: A}\n", "  - {id: ana, name: Ana, email: a@x, email: b@x}\n"),
        ("  - {id: ana, name: Ana, name: A}\n", "  - {id: ana, name: Ana}\n  - {id: ana, name: A}\n"),
    ],
    ids=["another-repeated-key", "another-rule"],
)
def test_another_problem_has_another_fingerprint(
    copy: Path, run: Callable[..., Result], first: str, second: str
) -> None:
    engineers = copy / "ops-data" / "engineers.yaml"
    text = engineers.read_text(encoding="utf-8")
    engineers.write_text(text.replace("  - {id: ana, name: Ana}\n", first), encoding="utf-8")
    one = _prints(_results(run, copy))
    engineers.write_text(text.replace("  - {id: ana, name: Ana}\n", second), encoding="utf-8")
    other = _prints(_results(run, copy))
    assert set(one) - set(other) and set(other) - set(one)


def test_driver_and_rules_point_at_the_documentation(copy: Path, run: Callable[..., Result]) -> None:
    log = run("validate", "--root", copy, "--as-of", AS_OF, "--format", "sarif").json()
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["informationUri"].startswith("https://")
    assert {r["helpUri"] for r in driver["rules"]} == {driver["informationUri"] + "#rules"}
    assert "## Rules\n" in (REPO / "README.md").read_text(encoding="utf-8")  # the anchor exists
    assert log["runs"][0]["automationDetails"] == {"id": f"opscheck/{AS_OF}"}  # category opscheck/


def test_each_root_of_a_repository_has_its_own_category(
    tmp_path: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    for team in ("team-a", "team-b"):
        shutil.copytree(CASE, tmp_path / "teams" / team)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    ids = [run("validate", "--root", tmp_path / "teams" / team, "--as-of", AS_OF, "--format", "sarif").json()
           ["runs"][0]["automationDetails"]["id"] for team in ("team-a", "team-b")]
    assert ids == [f"opscheck/teams/team-a/{AS_OF}", f"opscheck/teams/team-b/{AS_OF}"]
