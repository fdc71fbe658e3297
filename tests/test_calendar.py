"""Holiday dates from the ``holidays`` library, and who covers which day of a rotation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from opscheck import calendar
from opscheck.calendar import Holiday, Schedule, holidays_in
from opscheck.models import HolidaysConfig, Rotation

US = ["New Year's Day", "Independence Day", "Labor Day", "Thanksgiving Day", "Christmas Day"]
D = dt.date.fromisoformat


def _config(dates: str, observe: list[str] = US, extra: list[dict[str, Any]] | None = None) -> HolidaysConfig:
    return HolidaysConfig.model_validate({"calendar": "US", "dates": dates, "observe": observe, "extra": extra or []})


def _on(found: list[Holiday], name: str, year: int) -> list[dt.date]:
    return [h.date for h in found if h.name == name and h.year == year]


@pytest.mark.parametrize(
    ("name", "year", "actual", "observed"),
    [
        ("New Year's Day", 2025, "2025-01-01", "2025-01-01"),  # Wednesday
        ("Independence Day", 2025, "2025-07-04", "2025-07-04"),  # Friday
        ("Thanksgiving Day", 2025, "2025-11-27", "2025-11-27"),
        ("Labor Day", 2026, "2026-09-07", "2026-09-07"),
        ("Independence Day", 2026, "2026-07-04", "2026-07-03"),  # Saturday: observed the Friday before
        ("New Year's Day", 2027, "2027-01-01", "2027-01-01"),  # Friday, although 2028's is observed on 2027-12-31
        ("Independence Day", 2027, "2027-07-04", "2027-07-05"),  # Sunday: observed the Monday after
        ("Christmas Day", 2027, "2027-12-25", "2027-12-24"),  # Saturday
    ],
)
def test_actual_and_observed_dates(name: str, year: int, actual: str, observed: str) -> None:
    assert _on(holidays_in(_config("actual"), range(2025, 2028)), name, year) == [D(actual)]
    assert _on(holidays_in(_config("observed"), range(2025, 2028)), name, year) == [D(observed)]


def test_only_observed_names_and_asked_years() -> None:
    found = holidays_in(_config("actual", observe=["Christmas Day"]), [2026])
    assert found == [Holiday("Christmas Day", D("2026-12-25"))]
    assert holidays_in(_config("actual"), []) == []


def test_every_year_has_each_observed_holiday_once() -> None:
    for dates in ("actual", "observed"):
        found = holidays_in(_config(dates), range(2025, 2028))
        assert sorted((h.name, h.year) for h in found) == sorted((n, y) for n in US for y in range(2025, 2028))
        assert found == sorted(found, key=lambda h: (h.date, h.name))


def test_extra_days_are_covered_like_holidays_in_their_year() -> None:
    extra = [{"name": "Company offsite", "date": "2026-09-15"}, {"name": "Company offsite", "date": "2027-09-14"}]
    found = holidays_in(_config("actual", observe=["Labor Day"], extra=extra), [2026])
    assert found == [Holiday("Labor Day", D("2026-09-07")), Holiday("Company offsite", D("2026-09-15"))]


def _rotation(shifts: list[tuple[str, str]], overrides: list[dict[str, str]] | None = None) -> Rotation:
    return Rotation.model_validate({
        "id": "data",
        "members": ["eng1", "eng2", "eng3"],
        "handoff": {"weekday": "monday", "time": "09:00", "timezone": "America/New_York"},
        "shifts": [{"week": w, "engineer": e} for w, e in shifts],
        "overrides": overrides or [],
    })


SHIFTS = [("2027-01-04", "eng1"), ("2027-01-11", "eng2"), ("2027-01-18", "eng3")]
OVERRIDES = [
    {"date": "2027-01-05", "engineer": "eng3"},
    {"start": "2027-01-15", "end": "2027-01-19", "engineer": "eng1"},
]


@pytest.mark.parametrize(
    ("day", "engineer", "shift", "override"),
    [
        ("2027-01-04", "eng1", 0, None),  # the handoff day belongs to the new shift
        ("2027-01-05", "eng3", 0, 0),  # a single-day override beats the shift
        ("2027-01-06", "eng1", 0, None),
        ("2027-01-10", "eng1", 0, None),  # a shift lasts seven days
        ("2027-01-14", "eng2", 1, None),
        ("2027-01-15", "eng1", 1, 1),  # a range override, across a handoff
        ("2027-01-18", "eng1", 2, 1),
        ("2027-01-19", "eng1", 2, 1),
        ("2027-01-20", "eng3", 2, None),
        ("2027-01-24", "eng3", 2, None),
    ],
)
def test_cover(day: str, engineer: str, shift: int, override: int | None) -> None:
    cover = Schedule(_rotation(SHIFTS, OVERRIDES)).cover(D(day))
    assert cover is not None
    assert (cover.engineer, cover.shift, cover.override) == (engineer, shift, override)


def test_no_cover_outside_the_schedule_unless_overridden() -> None:
    sched = Schedule(_rotation(SHIFTS, [{"date": "2027-02-01", "engineer": "eng2"}]))
    assert sched.cover(D("2027-01-03")) is None
    assert sched.cover(D("2027-01-25")) is None
    cover = sched.cover(D("2027-02-01"))
    assert cover is not None and (cover.engineer, cover.shift) == ("eng2", None)
    assert (sched.first_day, sched.last_day) == (D("2027-01-04"), D("2027-01-24"))


def test_holidays_are_those_of_a_shift_or_an_override_day() -> None:
    # New Year's Day 2027 is before the shifts, Independence Day 2027 after them but overridden
    sched = Schedule(_rotation(SHIFTS, [{"date": "2027-07-04", "engineer": "eng2"}]))
    cfg = HolidaysConfig(calendar="US", observe=["New Year's Day", "Independence Day"],
                         extra=[{"name": "Offsite", "date": "2027-01-12"}])
    found = [(hol.name, hol.date, cover.engineer) for hol, cover in sched.holidays(cfg)]
    assert found == [("Offsite", D("2027-01-12"), "eng2"), ("Independence Day", D("2027-07-04"), "eng2")]
    assert sched.holidays(cfg) is sched.holidays(cfg)  # worked out once


def test_cover_with_shifts_out_of_order() -> None:
    sched = Schedule(_rotation(list(reversed(SHIFTS))))
    cover = sched.cover(D("2027-01-12"))
    assert cover is not None and (cover.engineer, cover.shift) == ("eng2", 1)
    assert sched.shift_on(D("2027-01-20")) == sched.rotation.shifts[0]


def _weeks(first: str, count: int) -> list[tuple[str, str]]:
    start = D(first)
    return [(str(start + dt.timedelta(weeks=k)), f"eng{k % 3 + 1}") for k in range(count)]


@pytest.mark.parametrize(
    ("first", "count", "whole"),
    [
        ("2025-12-29", 53, [2026]),  # 2025-12-29 .. 2027-01-03
        ("2025-12-29", 52, []),  # ends 2026-12-27
        ("2026-01-05", 52, []),  # starts after New Year's Day
        ("2024-12-30", 106, [2025, 2026]),  # .. 2027-01-03
        ("2027-01-04", 14, []),
    ],
)
def test_whole_years(first: str, count: int, whole: list[int]) -> None:
    sched = Schedule(_rotation(_weeks(first, count)))
    assert [y for y in range(2023, 2029) if sched.covers_whole_year(y)] == whole


def test_empty_schedule() -> None:
    sched = Schedule(_rotation([]))
    assert (sched.first_day, sched.last_day, sched.covers_whole_year(2027)) == (None, None, False)
    assert sched.cover(D("2027-01-04")) is None


@pytest.mark.parametrize(
    ("weekday", "time", "lag"),
    [
        ("monday", "09:00", 0),  # 15 of Monday's 24 hours belong to the incoming engineer
        ("friday", "17:00", 1),  # only 7 of Friday's: Friday stays with the outgoing engineer
        ("monday", "12:00", 0),  # an even split goes to the incoming engineer
        ("monday", "12:01", 1),
        ("sunday", "00:00", 0),
        ("sunday", "23:59", 1),
    ],
)
def test_the_handoff_day_belongs_to_whoever_has_most_of_it(weekday: str, time: str, lag: int) -> None:
    week = D("2026-12-18") if weekday == "friday" else D("2026-12-20") if weekday == "sunday" else D("2026-12-21")
    rot = Rotation.model_validate({
        "id": "data", "members": ["eng1", "eng2"],
        "handoff": {"weekday": weekday, "time": time, "timezone": "Europe/London"},
        "shifts": [{"week": str(week), "engineer": "eng1"}, {"week": str(week + dt.timedelta(7)), "engineer": "eng2"}],
    })
    sched = Schedule(rot)
    handoff_day = week + dt.timedelta(7)
    cover = sched.cover(handoff_day)
    assert cover is not None and cover.engineer == ("eng1" if lag else "eng2")
    assert sched.first_day == week + dt.timedelta(lag)
    assert sched.last_day == handoff_day + dt.timedelta(6 + lag)
    assert sched.running_on(handoff_day) == rot.shifts[1]  # after the handoff time the new shift runs


def test_holidays_are_read_for_the_years_a_shift_or_override_covers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two shifts 7,100 years apart asked for the holidays of every year between them (200 such
    rotations took `validate` over a minute); a holiday can only be covered on a day of a shift
    or override, so only their years (and the one either side, for observed days) are asked for."""
    asked: list[int] = []
    real = calendar.holidays_in

    def spy(cfg: HolidaysConfig, years: Any) -> list[Holiday]:
        asked.extend(years)
        return real(cfg, years)

    monkeypatch.setattr(calendar, "holidays_in", spy)
    sched = Schedule(_rotation([("1901-12-23", "eng1"), ("2100-12-20", "eng2")],
                               [{"date": "2000-07-04", "engineer": "eng3"}]))
    found = sched.holidays(HolidaysConfig.model_validate({"calendar": "US", "observe": US}))
    assert sorted(asked) == [1900, 1901, 1902, 1999, 2000, 2001, 2099, 2100, 2101]
    assert [(h.name, h.year, c.engineer) for h, c in found] == [
        ("Christmas Day", 1901, "eng1"), ("Independence Day", 2000, "eng3"), ("Christmas Day", 2100, "eng2")]
