"""The planner on rosters where the old search fell short: each case names what it must now do."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, Result
from opscheck import dataset, engine
from opscheck.calendar import Schedule
from opscheck.planning import planner
from opscheck.planning.explain import TimedOut
from opscheck.planning.model import MAX_CLASHES
from opscheck.planning.problem import MAX_CHOICES
from opscheck.rules.holidays import holiday_cover
from opscheck.settings import load_policy

D = dt.date.fromisoformat
NEW_YORK = {"weekday": "monday", "time": "09:00", "timezone": "America/New_York"}
LONDON = {"weekday": "friday", "time": "17:00", "timezone": "Europe/London"}
US = ["New Year's Day", "Independence Day", "Labor Day", "Thanksgiving Day", "Christmas Day"]


def roster(root: Path, size: int, shifts: list[tuple[str, str]], engineers: dict[str, dict[str, Any]] | None = None,
           handoff: dict[str, str] | None = None, holidays: dict[str, Any] | None = None,
           rotations: list[dict[str, Any]] | None = None) -> Path:
    """A team of eng1..engN with the repository's policy; ``engineers`` adds keys per engineer."""
    shutil.copytree(REPO / "policies", root / "policies")
    data = root / "ops-data"
    data.mkdir()
    people = [{"id": f"eng{k}", "name": f"Eng{k}", **(engineers or {}).get(f"eng{k}", {})} for k in range(1, size + 1)]
    rotation = {"id": "team", "members": [p["id"] for p in people], "handoff": handoff or NEW_YORK,
                "shifts": [{"week": w, "engineer": e} for w, e in shifts]}
    files = {"engineers.yaml": {"engineers": people}, "pipelines.yaml": {"pipelines": []},
             "oncall.yaml": {"rotations": rotations or [rotation]},
             "holidays.yaml": holidays or {"calendar": "US", "observe": US}}
    for name, body in files.items():
        (data / name).write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return root


def round_robin(first: str, weeks: int, size: int, start: int = 0) -> list[tuple[str, str]]:
    return [(str(D(first) + dt.timedelta(weeks=k)), f"eng{(k + start) % size + 1}") for k in range(weeks)]


def off(*spans: str) -> dict[str, Any]:
    return {"time_off": [{"start": s.split("..")[0], "end": s.split("..")[1]} for s in spans]}


def planned(run: Callable[..., Result], root: Path, as_of: str, until: str, *args: str,
            rotation: str = "team") -> Result:
    result = run("schedule", "plan", "--rotation", rotation, "--as-of", as_of, "--until", until, "--write",
                 "--root", root, *args)
    assert result.code == 0, result.err
    check = run("validate", "--root", root, "--as-of", as_of, "--select", "ONC001,ONC002,ONC004,ONC005,ONC006,HOL")
    assert check.code == 0, check.out
    return result


def weeks_of(root: Path, as_of: str, engineer: str, rotation: str = "team") -> list[dt.date]:
    ds = dataset.load(root, D(as_of))
    return sorted(s.week for s in ds.rotations[rotation].shifts if s.engineer == engineer)


def gaps(weeks: list[dt.date]) -> list[int]:
    return [(b - a).days // 7 for a, b in itertools.pairwise(weeks)]


# 1. "No plan" when one exists: a search budget ran out and an earlier dead end was reported.
def test_1_a_plan_when_one_exists(run: Callable[..., Result], tmp_path: Path) -> None:
    root = roster(tmp_path, 4, [("2024-12-30", "eng1")],
                  {"eng1": off("2025-10-12..2025-11-08", "2025-11-29..2025-12-19")})
    planned(run, root, "2024-12-30", "2029-12-31")


# 2. A truly impossible roster is explained with numbers that show it: eng3 can take 6 of 2026's weeks.
def test_2_no_plan_is_explained_by_what_each_can_take(run: Callable[..., Result], tmp_path: Path) -> None:
    root = roster(tmp_path, 5, round_robin("2025-01-06", 52, 5), {"eng3": off("2026-01-05..2026-10-11")})
    result = run("schedule", "plan", "--rotation", "team", "--as-of", "2025-12-29", "--until", "2026-12-31",
                 "--root", root)
    assert result.code == 1
    assert "no plan: ONC005 blocks the week of 2026-01-05" in result.err
    assert "eng3 0 + at most 6" in result.err and "ONC004 eng3 on time off" in result.err


# 3. Rest: catching up after leave or joining is spread out as far as the rules allow.
@pytest.mark.parametrize(("size", "engineers", "who", "rest"), [
    (5, {"eng3": off("2026-06-01..2026-07-12")}, "eng3", 4),
    (5, {"eng3": off("2026-03-02..2026-07-19")}, "eng3", 3),
    (6, {"eng6": {"joined": "2026-06-29"}}, "eng6", 3),
])
def test_3_rest_after_leave_or_joining(
    run: Callable[..., Result], tmp_path: Path, size: int, engineers: dict[str, Any], who: str, rest: int
) -> None:
    # no holidays: the published 2025 gave them to whoever had the week, which HOL001 would reject
    root = roster(tmp_path, size, round_robin("2024-12-30", 53, min(size, 5)), engineers,
                  holidays={"calendar": "US", "observe": []})
    planned(run, root, "2025-12-29", "2026-12-31")
    new = [w for w in weeks_of(root, "2025-12-29", who) if w.year == 2026]
    assert min(gaps(new)) >= rest, new


def _holiday_table(root: Path, as_of: str, rotation: str = "team") -> list[tuple[str, int, str]]:
    ds = dataset.load(root, D(as_of))
    return [(h.name, h.year, c.engineer) for h, c in holiday_cover(ds, Schedule(ds.rotations[rotation]))]


# 4. Holidays fair over the years, not only within each: totals within 1, everyone through every holiday.
@pytest.mark.parametrize(("size", "holidays", "handoff", "until"), [
    (7, None, NEW_YORK, "2030-12-31"),
    (12, None, NEW_YORK, "2027-12-31"),
    (5, {"calendar": "GB", "subdivision": "ENG", "observe": ["New Year's Day", "Good Friday", "Easter Monday",
         "May Day", "Spring Bank Holiday", "Late Summer Bank Holiday", "Christmas Day", "Boxing Day"]}, LONDON,
     "2028-12-31"),
])
def test_4_holiday_totals_even_over_the_years(
    run: Callable[..., Result], tmp_path: Path, size: int, holidays: dict[str, Any] | None, handoff: dict[str, str],
    until: str,
) -> None:
    first = "2025-12-29" if handoff is NEW_YORK else "2025-12-26"
    root = roster(tmp_path, size, [(first, "eng1")], handoff=handoff, holidays=holidays)
    planned(run, root, first, until, "--time-limit", "8")
    table = _holiday_table(root, first)
    totals = Counter(e for _, _, e in table)
    counts = [totals[f"eng{k}"] for k in range(1, size + 1)]
    assert max(counts) - min(counts) <= 1, totals


def test_4_the_teams_cyclic_table_goes_on(run: Callable[..., Result], team: Path) -> None:
    planned(run, team, "2027-10-01", "2032-12-31", "--time-limit", "8", rotation="data-pipelines")
    table = _holiday_table(team, "2027-10-01", "data-pipelines")
    members = ["eng1", "eng2", "eng3", "eng4", "eng5"]
    for name in US:  # each holiday moves one member along every year: the plan goes on from 2025-2027
        cycle = {(members.index(e) - year) % 5 for n, year, e in table if n == name and year <= 2027}
        assert len(cycle) == 1, (name, table)
        assert {(members.index(e) - year) % 5 for n, year, e in table if n == name and year >= 2029} == cycle
    for name in US:  # and nobody has a holiday twice before they have had the others
        seen = [e for n, year, e in sorted(table, key=lambda t: t[1]) if n == name and year >= 2029]
        assert all(len(set(seen[k:k + 5])) == len(seen[k:k + 5]) for k in range(len(seen))), (name, seen)


# 5. Holiday credit follows who covers the day: with a Friday 17:00 handoff, Friday is the outgoing engineer's.
def test_5_planned_holidays_are_credited_to_who_is_on_call_most_of_the_day(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    root = roster(tmp_path, 5, [("2026-12-04", "eng1")], handoff=LONDON,
                  holidays={"calendar": "GB", "observe": ["Christmas Day", "Boxing Day", "New Year's Day"]})
    planned(run, root, "2026-12-04", "2028-01-07")
    for name, year, engineer in _holiday_table(root, "2026-12-04"):
        day = {"Christmas Day": f"{year}-12-25", "Boxing Day": f"{year}-12-26", "New Year's Day": f"{year}-01-01"}
        who = run("who", "--root", root, "--at", f"{day[name]}T12:00Z")
        assert f"team: Eng{engineer[3:]} ({engineer})" in who.out, (name, year, who.out)


# 6. One person is never on call in two rotations at once, planned together or one after the other.
def test_6_rotations_sharing_people(run: Callable[..., Result], tmp_path: Path) -> None:
    both = [{"id": "a", "members": ["eng1", "eng2", "eng3", "eng4"], "handoff": NEW_YORK,
             "shifts": [{"week": "2026-01-05", "engineer": "eng1"}]},
            {"id": "b", "members": ["eng3", "eng4", "eng5", "eng6"], "handoff": LONDON,
             "shifts": [{"week": "2026-01-09", "engineer": "eng3"}]}]
    root = roster(tmp_path, 6, [], rotations=both)
    result = run("schedule", "plan", "--rotation", "a", "--rotation", "b", "--as-of", "2026-01-05", "--until",
                 "2026-12-31", "--write", "--root", root)
    assert result.code == 0, result.err
    assert "Plan for a:" in result.out and "Plan for b:" in result.out
    check = run("validate", "--root", root, "--as-of", "2026-01-05", "--select", "ONC001,ONC002,ONC004,ONC006")
    assert check.code == 0, check.out
    again = run("schedule", "plan", "--all", "--as-of", "2026-01-05", "--until", "2027-06-30", "--write",
                "--root", root)
    assert again.code == 0, again.err
    assert run("validate", "--root", root, "--as-of", "2026-01-05", "--select", "ONC006").code == 0


# 7. Past imbalance is repaid with the shift a year has to spare (52 weeks for 5 people), within ONC005.
def test_7_history_is_rebalanced_gradually(run: Callable[..., Result], tmp_path: Path) -> None:
    quota = {"eng1": 16, "eng2": 8, "eng3": 10, "eng4": 9, "eng5": 9}
    shifts, before = [], None
    for k in range(52):
        engineer = max((e for e in quota if e != before and quota[e]), key=lambda e: quota[e])
        quota[engineer] -= 1
        shifts.append((str(D("2026-01-05") + dt.timedelta(weeks=k)), engineer))
        before = engineer
    root = roster(tmp_path, 5, [("2025-12-29", "eng5"), *shifts], holidays={"calendar": "US", "observe": []})
    result = run("schedule", "plan", "--rotation", "team", "--as-of", "2026-12-28", "--until", "2027-12-31",
                 "--write", "--root", root, "--time-limit", "8")
    assert result.code == 0, result.err
    new = Counter(s.engineer for s in dataset.load(root, D("2026-12-28")).rotations["team"].shifts
                  if s.week.year == 2027)
    # 2027's 52 weeks give two of five people an eleventh shift: eng2, who is owed 2026's, gets one, eng1 not
    assert sorted(new.values()) == [10, 10, 10, 11, 11] and new["eng2"] == 11 and new["eng1"] == 10, new


def test_a_new_rotation_is_planned_from_the_week_running_today(run: Callable[..., Result], tmp_path: Path) -> None:
    root = roster(tmp_path, 3, [])
    result = planned(run, root, "2026-03-05", "2026-06-30")  # a Thursday
    assert "Plan for team: 18 weeks, 2026-03-02 to 2026-07-05" in result.out
    assert run("validate", "--root", root, "--as-of", "2026-03-05", "--select", "ONC003").code == 0


@pytest.mark.parametrize(("args", "message"), [
    (("--rotation", "team", "--until", "3000-01-01"), "--until 3000-01-01 is more than 10 years after as-of"),
    (("--rotation", "team", "--all"), "give --rotation ID (repeatable) or --all"),
    ((), "give --rotation ID (repeatable) or --all"),
])
def test_plan_refuses_what_cannot_mean_anything(
    run: Callable[..., Result], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    root = roster(tmp_path, 3, [("2026-03-02", "eng1")])
    result = run("schedule", "plan", "--as-of", "2026-03-05", "--root", root, *args)
    assert result.code == 2 and message in result.err, result.err


# Two holidays on one day (a company day on New Year's Day) are one day to cover: one person, one override.
def test_holidays_on_the_same_day_are_covered_by_one_person(run: Callable[..., Result], tmp_path: Path) -> None:
    # eng1 must take the week of 2026-12-28 (eng2 and eng3 are away until the 31st, eng4 had the week
    # before) but covered New Year's Day 2026 (HOL002): the day, both of its holidays, goes to someone else
    away = off("2026-12-26..2026-12-31")
    root = roster(tmp_path, 4, round_robin("2025-12-29", 52, 4), {"eng2": away, "eng3": away}, holidays={
        "calendar": "US", "observe": ["New Year's Day"], "extra": [{"name": "Company New Year", "date": "2027-01-01"}]})
    planned(run, root, "2026-12-21", "2027-01-31")
    ds = dataset.load(root, D("2026-12-21"))
    assert [(o.date, o.reason) for o in ds.rotations["team"].overrides] == [
        (D("2027-01-01"), "Company New Year 2027 and New Year's Day 2027 per the holiday rotation")]


# The limits of one run: its size, where rotations sharing people overlap, and its time.
def crowd(root: Path, members: int, rotations: int) -> Path:
    """``rotations`` rotations (nothing published) of the same ``members`` engineers."""
    ids = [f"eng{k}" for k in range(1, members + 1)]
    return roster(root, members, [], rotations=[{"id": f"r{n}", "members": ids, "handoff": NEW_YORK}
                                                for n in range(rotations)])


def test_a_plan_past_the_planners_size_is_refused_with_the_date_that_fits(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    root = crowd(tmp_path, 500, 1)
    refused = run("schedule", "plan", "--rotation", "r0", "--as-of", "2026-11-26", "--root", root)
    assert refused.code == 2, refused.err
    assert "ops-data/oncall.yaml:4: rotation 'r0': planning 500 members for " in refused.err
    assert f"choices is more than the planner's limit of {MAX_CHOICES:,} in one run; plan through " in refused.err
    fits = D(refused.err.split("plan through ")[1].split()[0])
    later = run("schedule", "plan", "--rotation", "r0", "--as-of", "2026-11-26", "--root", root,
                "--until", str(fits + dt.timedelta(weeks=1)))
    assert later.code == 2 and "plan through " in later.err, later.err
    within = run("schedule", "plan", "--rotation", "r0", "--as-of", "2026-11-26", "--root", root,
                 "--until", str(fits), "--time-limit", "0.2")
    assert "planner's limit" not in within.err and "Traceback" not in within.err


def test_the_rotations_of_one_run_share_its_size(run: Callable[..., Result], tmp_path: Path) -> None:
    root = crowd(tmp_path, 100, 5)
    refused = run("schedule", "plan", "--all", "--as-of", "2026-11-26", "--root", root)
    assert refused.code == 2, refused.err
    assert "rotation 'r4': planning 100 members for " in refused.err
    assert "= 3,000 choices, with the 12,000 of the rotations planned before it, is more than" in refused.err
    assert refused.err.rstrip().endswith("plan fewer rotations at once, or a nearer --until")


def test_rotations_sharing_one_person_in_too_many_places_are_refused(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    rotations = [{"id": f"r{n}", "members": ["eng1", f"eng{2 * n + 2}", f"eng{2 * n + 3}"], "handoff": NEW_YORK}
                 for n in range(100)]
    root = roster(tmp_path, 201, [], rotations=rotations)
    refused = run("schedule", "plan", "--all", "--as-of", "2026-11-26", "--root", root)
    assert refused.code == 2, refused.err
    assert "rotations 'r0', 'r1', 'r2' and 97 more share people, so they are planned together" in refused.err
    assert f"more than the planner's {MAX_CLASHES:,} steps" in refused.err


@pytest.mark.parametrize(("used", "shares", "timed_out"), [
    (1.0, [0.5] * 10, True),  # each group searching all it is given: the run stops at its limit
    # each finishing at once: the time left shared by the groups left, in proportion to their size
    (0.0, [max(0.5, 5 / (12 - k)) for k in range(12)], False),
])
def test_the_search_of_a_whole_run_is_held_to_the_time_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, used: float, shares: list[float], timed_out: bool
) -> None:
    rotations = [{"id": f"r{n}", "members": [f"eng{3 * n + k}" for k in (1, 2, 3)], "handoff": NEW_YORK}
                 for n in range(12)]
    root = roster(tmp_path, 36, [], rotations=rotations)
    clock, given = [0.0], []

    def solve(ds: Any, group: list[Any], until: dt.date, seconds: float, limit: float) -> dict[str, Any]:
        given.append(seconds)
        clock[0] += seconds * used
        return {p.rid: planner.Plan(p.rotation, p.rotation, (), (), until) for p in group}

    monkeypatch.setattr(planner.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(planner, "_solve", solve)
    ds = dataset.load(root, D("2026-11-26"))
    try:
        planner.plan(ds, load_policy(root, engine.BUILTIN), list(ds.rotations), time_limit=5.0)
    except TimedOut:
        assert timed_out
    else:
        assert not timed_out
    assert given == pytest.approx(shares)
