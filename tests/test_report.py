"""`opscheck report`: the handbook comes from the data alone, matches the team's seed handbook, and CI can check it."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO, Result
from opscheck.planning.fairness import MAX_YEARS

# The tables of the team's original handbook, as written by hand before opscheck.
SEED_OWNERSHIP = """
| Profit     | Unit-level profit needed for experiments      | Eng1          | Eng2 / Eng3         |
| Profit     | Aggregate profit reported to investors        | Eng2          | Eng4 / Eng5         |
| Growth     | Aggregate growth reported to investors        | Eng3          | Eng1 / Eng5         |
| Growth     | Daily growth needed for experiments           | Eng4          | Eng1 / Eng2         |
| Engagement | Aggregate engagement reported to investors    | Eng5          | Eng3 / Eng4         |
"""
SEED_HOLIDAYS = """
| Holiday Season | 2025 Coverage | 2026 Coverage | 2027 Coverage |
| -------------- | ------------- | ------------- | ------------- |
| Christmas      | Eng1          | Eng2          | Eng3          |
| New Year       | Eng2          | Eng3          | Eng4          |
| Thanksgiving   | Eng3          | Eng4          | Eng5          |
| July 4th       | Eng4          | Eng5          | Eng1          |
| Labor Day      | Eng5          | Eng1          | Eng2          |
"""


def rows(markdown: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in markdown.splitlines() if line.startswith("|") and not set(line) <= set("|- ")]


def section(text: str, title: str) -> str:
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


@pytest.fixture
def handbook(run: Callable[..., Result]) -> str:
    result = run("report", "--root", REPO)
    assert result.code == 0
    return result.out


def test_committed_handbook_is_current(run: Callable[..., Result]) -> None:
    result = run("report", "--root", REPO, "--check", REPO / "ONCALL.md")
    assert result.code == 0, result.out


def test_ownership_matches_the_seed_handbook(handbook: str) -> None:
    table = rows(section(handbook, "Pipeline ownership"))
    assert table[0] == ["Area", "Pipeline", "Primary", "Secondary"]
    assert table[1:] == rows(SEED_OWNERSHIP)


def test_holiday_coverage_2025_to_2027_matches_the_seed_handbook(handbook: str) -> None:
    ours = rows(section(handbook, "Holiday coverage"))
    seed = rows(SEED_HOLIDAYS)
    assert ours[0][:4] == seed[0]
    cells = {row[0]: dict(zip(ours[0][1:], row[1:], strict=True)) for row in ours[1:]}
    for holiday, *coverage in seed[1:]:
        assert [cells[holiday][year] for year in seed[0][1:]] == coverage, holiday


def test_rules_schedule_load_and_runbooks(handbook: str) -> None:
    assert "at least 1 week off between two shifts of the same engineer (ONC001)" in handbook
    assert "published at least 91 days ahead (ONC003)" in handbook
    assert "### 2026 Q4\n" in handbook
    assert "| 2025-12-22 | Eng2 | 2025-12-25 Eng1 (Christmas Day 2025 per the holiday rotation) |" in handbook
    load = rows(section(handbook, "Load per engineer"))
    assert load[0] == ["Engineer", "2024", "2025", "2026", "2027", "2028", "Total", "Shortest rest"]
    assert load[1] == ["Eng1", "1 / 0", "10 / 1", "10 / 1", "11 / 1", "0 / 0", "32 / 3", "5 wk"]
    assert load[-1] == ["Balance score", "0.60 / 1.00", "0.95 / 1.00", "0.95 / 1.00", "0.95 / 1.00", "1.00 / 0.60",
                        "0.98 / 0.90", ""]
    runbooks = section(handbook, "Runbooks")
    assert "[ops-data/runbooks/profit-aggregate.md](ops-data/runbooks/profit-aggregate.md)" in runbooks
    assert "| Upstream data not updated | upstream |" in runbooks


def test_load_table_has_a_row_per_engineer_and_the_latest_years(run: Callable[..., Result], team: Path) -> None:
    """20,000 shifts of distinct unknown ids over 385 years made a row each with a cell for every
    year (726 MiB); the ids are OPS005 findings, and the columns are the latest MAX_YEARS."""
    weeks = [dt.date(2026, 11, 30) + dt.timedelta(weeks=52 * k) for k in range(MAX_YEARS + 2)]
    shifts = [f"  - {{week: {week}, engineer: ghost-{k}}}\n" for k, week in enumerate(weeks[:-1])]
    (team / "ops-data" / "oncall.yaml").write_text(
        "rotations:\n- id: data-pipelines\n  members: [eng1, eng2, eng3, eng4, eng5, ghost-0]\n"
        '  handoff: {weekday: monday, time: "09:00", timezone: America/New_York}\n  shifts:\n'
        + "".join(shifts) + f"  - {{week: {weeks[-1]}, engineer: eng1}}\n", encoding="utf-8")
    result = run("report", "--root", team)
    assert result.code == 0, result.err
    load = section(result.out, "Load per engineer")
    table = rows(load)
    years = [str(w.year) for w in weeks]
    assert table[0] == ["Engineer", *years[-MAX_YEARS:], "Total", "Shortest rest"]
    assert [r[0] for r in table[1:]] == ["Eng1", "Eng2", "Eng3", "Eng4", "Eng5", "Balance score"]
    assert table[1][-3:-1] == ["1 / 0", "1 / 0"]
    assert (f"Shifts or holidays fall in {len(weeks)} years; the table shows the latest {MAX_YEARS}, and the 2 "
            f"before them ({years[0]} to {years[1]}) count in the totals only.") in load


def test_check_fails_with_a_diff_when_stale(run: Callable[..., Result], team: Path) -> None:
    shutil.copy(REPO / "ONCALL.md", team / "ONCALL.md")
    oncall = team / "ops-data" / "oncall.yaml"
    oncall.write_text(oncall.read_text(encoding="utf-8").replace(
        "{week: 2027-12-27, engineer: eng2}", "{week: 2027-12-27, engineer: eng4}"), encoding="utf-8")
    result = run("report", "--root", team, "--check", team / "ONCALL.md")
    assert result.code == 1
    assert "-| 2027-12-27 | Eng2 |  |" in result.out and "+| 2027-12-27 | Eng4 |  |" in result.out
    assert "is out of date: run `opscheck report --out" in result.err
    written = run("report", "--root", team, "--out", team / "ONCALL.md")
    assert written.code == 0
    assert run("report", "--root", team, "--check", team / "ONCALL.md").code == 0


def test_out_and_check_together_is_a_usage_error(run: Callable[..., Result], tmp_path: Path) -> None:
    result = run("report", "--root", REPO, "--out", tmp_path / "a.md", "--check", tmp_path / "b.md")
    assert result.code == 2


def test_a_holiday_grid_past_its_size_is_a_row_for_each_holiday(run: Callable[..., Result], team: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Thousands of company days over centuries made the Holiday x Year grid quadratic (45,000 of
    each took `report` 24 s and 1.1 GB): past MAX_GRID_CELLS each covered holiday is a row."""
    from opscheck.exports import report

    monkeypatch.setattr(report, "MAX_GRID_CELLS", 19)  # the seed's grid: 5 holidays by 4 years
    text = run("report", "--root", team).out
    assert "A row for each holiday covered: a grid of 5 holidays by 4 years would hold 20 cells." in text
    assert "| Holiday Season | Year | Coverage |" in text
    assert "| Christmas | 2025 | Eng1 |" in text
    assert "2025 Coverage" not in text
