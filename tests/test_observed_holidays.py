"""Observed holiday dates exactly as the `holidays` library gives them, and one holiday year everywhere.

A holiday observed in another calendar year stays that year's holiday: New Year's Day 2028
(a Saturday) is covered on Friday 2027-12-31 and counted as 2028's by HOL rules, `report`,
`schedule plan` and `who` alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import holidays
import pytest

from conftest import Result
from opscheck.calendar import holidays_in, known_names
from opscheck.models import HolidaysConfig

YEARS = range(2025, 2036)
D = dt.date.fromisoformat


def _library(calendar: str, subdivision: str | None) -> dict[tuple[str, int], dt.date]:
    """(name, year) -> the day the library observes it: its '(observed)' day near the actual date, else that date."""
    def table(observed: bool) -> dict[dt.date, list[str]]:
        found = holidays.country_holidays(calendar, subdiv=subdivision, years=range(2024, 2037), observed=observed,
                                          language="en_US")
        return {day: [n.strip() for n in str(names).split(";")] for day, names in found.items()}

    moved = [(name.removesuffix("(observed)").strip(), day)
             for day, names in table(True).items() for name in names if name.endswith("(observed)")]
    out: dict[tuple[str, int], dt.date] = {}
    for day, names in table(False).items():
        for name in names:
            if day.year in YEARS:
                near = [m for n, m in moved if n == name and abs((m - day).days) <= 7]
                out[(name, day.year)] = near[0] if near else day
    return out


@pytest.mark.parametrize(("calendar", "subdivision"), [("US", None), ("GB", "ENG"), ("DE", None)])
def test_observed_dates_2025_to_2035_match_the_library(calendar: str, subdivision: str | None) -> None:
    base = {"calendar": calendar, "subdivision": subdivision, "observe": ["New Year's Day"]}
    names = sorted(known_names(HolidaysConfig.model_validate(base), YEARS))
    cfg = HolidaysConfig.model_validate({**base, "dates": "observed", "observe": names})
    ours = {(h.name, h.year): h.date for h in holidays_in(cfg, YEARS)}
    library = _library(calendar, subdivision)
    assert ours == library
    # every day the library marks '(observed)' for these years is a day we cover
    marked = {day for day, name in holidays.country_holidays(calendar, subdiv=subdivision, years=YEARS,
                                                              observed=True, language="en_US").items()
              if "(observed)" in name}
    assert marked <= set(ours.values())


@pytest.mark.parametrize(
    ("calendar", "subdivision", "name", "year", "day"),
    [
        ("US", None, "New Year's Day", 2028, "2027-12-31"),  # Saturday: observed the Friday before, in 2027
        ("US", None, "New Year's Day", 2033, "2032-12-31"),
        ("US", None, "Independence Day", 2027, "2027-07-05"),
        ("GB", "ENG", "Christmas Day", 2027, "2027-12-27"),
        ("GB", "ENG", "Boxing Day", 2026, "2026-12-28"),
        ("GB", "ENG", "New Year's Day", 2028, "2028-01-03"),
        ("DE", None, "New Year's Day", 2028, "2028-01-01"),  # Germany does not move holidays
    ],
)
def test_known_observed_days(calendar: str, subdivision: str | None, name: str, year: int, day: str) -> None:
    cfg = HolidaysConfig.model_validate(
        {"calendar": calendar, "subdivision": subdivision, "dates": "observed", "observe": [name]})
    assert [(h.year, h.date) for h in holidays_in(cfg, [year])] == [(year, D(day))]


ENGINEERS = "engineers:\n  - {id: eng1, name: Eng1}\n  - {id: eng2, name: Eng2}\n"
HOLIDAYS = "calendar: US\ndates: observed\nobserve: [New Year's Day]\n"
HEAD = """rotations:
  - id: data
    members: [eng1, eng2]
    handoff: {weekday: monday, time: "09:00", timezone: America/New_York}
    shifts:
"""


def _team(root: Path, last_week: str, overrides: str = "") -> Path:
    """eng1 and eng2 alternate weekly from 2026-12-28 (eng1 covers New Year's Day 2027) to ``last_week``."""
    data = root / "ops-data"
    data.mkdir(parents=True)
    (data / "engineers.yaml").write_text(ENGINEERS, encoding="utf-8")
    (data / "holidays.yaml").write_text(HOLIDAYS, encoding="utf-8")
    (data / "pipelines.yaml").write_text("pipelines: []\n", encoding="utf-8")
    weeks, week = [], D("2026-12-28")
    while week <= D(last_week):
        weeks.append(f"      - {{week: {week}, engineer: eng{len(weeks) % 2 + 1}}}\n")
        week += dt.timedelta(days=7)
    (data / "oncall.yaml").write_text(HEAD + "".join(weeks) + overrides, encoding="utf-8")
    (root / "policies").mkdir()
    (root / "policies" / "opscheck.yaml").write_text("rules:\n  ONC003: {severity: off}\n", encoding="utf-8")
    return root


def test_hol_rules_report_and_who_count_the_observed_day_for_its_year(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    # the week of 2027-12-27 is eng1's; an override gives 2027-12-31 (New Year's Day 2028 observed) to eng2
    root = _team(tmp_path, "2028-01-10", "    overrides:\n      - {date: 2027-12-31, engineer: eng2}\n")
    found = run("validate", "--root", root, "--as-of", "2026-12-01", "--format", "json").json()["findings"]
    assert [f for f in found if f["rule"].startswith("HOL")] == []  # eng1 has 2027, eng2 2028
    report = run("report", "--root", root).out
    assert "| 2027 Coverage | 2028 Coverage |" in report and "| New Year | Eng1 | Eng2 |" in report
    who = run("who", "--root", root, "--at", "2027-12-31T12:00-05:00").out
    assert "eng2" in who.lower()

    # without the override eng1 covers both years' New Year's Day: HOL002 names 2027-12-31 and 2028
    oncall = root / "ops-data" / "oncall.yaml"
    oncall.write_text(oncall.read_text(encoding="utf-8").split("    overrides:")[0], encoding="utf-8")
    found = run("validate", "--root", root, "--as-of", "2026-12-01", "--format", "json").json()["findings"]
    repeat = [f for f in found if f["rule"] == "HOL002"]
    assert [f["subject"] for f in repeat] == ["data@2027-12-31"]
    assert "New Year's Day in 2027 and again in 2028" in repeat[0]["message"]


def test_plan_rotates_the_observed_day(run: Callable[..., Result], tmp_path: Path) -> None:
    # shifts end with eng2's week of 2027-12-20, so eng1 must take 2027-12-27 (no two weeks in a row):
    # the plan gives New Year's Day 2028, observed on 2027-12-31, to eng2
    root = _team(tmp_path, "2027-12-20")
    result = run("schedule", "plan", "--rotation", "data", "--root", root, "--as-of", "2027-12-01",
                 "--until", "2028-01-16", "--write")
    assert result.code == 0, result.out + result.err
    oncall = (root / "ops-data" / "oncall.yaml").read_text(encoding="utf-8")
    assert "{week: 2027-12-27, engineer: eng1}" in oncall
    assert "{date: 2027-12-31, engineer: eng2, reason: \"New Year's Day 2028 per the holiday rotation\"}" in oncall
    found = run("validate", "--root", root, "--as-of", "2027-12-01", "--format", "json").json()["findings"]
    assert [f for f in found if f["rule"].startswith("HOL")] == []
