"""Dates: which holidays fall when (via the ``holidays`` library) and who covers which day."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any, NamedTuple

from opscheck.models import Handoff, HolidaysConfig, Override, Rotation, Shift

WEEK = dt.timedelta(days=7)
DAY = dt.timedelta(days=1)


class Cover(NamedTuple):
    """Who covers a day and why: the shift (index into ``shifts``) or the override."""

    engineer: str
    shift: int | None
    override: int | None


def handoff_day_lag(handoff: Handoff) -> int:
    """0 when the handoff day belongs to the incoming engineer, 1 when to the outgoing one.

    A day is covered by whoever is on call for the larger part of it in the handoff time zone,
    read on the wall clock (a handoff at 09:00 leaves 15 of 24 hours to the incoming engineer, one
    at 17:00 only 7); a handoff at noon sharp gives the day to the incoming engineer.
    """
    clock = handoff.clock
    return 1 if clock.hour * 60 + clock.minute > 12 * 60 else 0


class Schedule:
    """A rotation's coverage by day: the shift covering the day, unless an override takes it.

    This is the one definition of who covers a day (SPEC §2) that every rule and command uses:
    shift ``i`` covers the 7 days from its handoff day, shifted by one when the handoff is late
    in the day (``lag``), so a Friday 17:00 handoff leaves Friday to the outgoing engineer.
    """

    def __init__(self, rotation: Rotation) -> None:
        self.rotation = rotation
        self.lag = handoff_day_lag(rotation.handoff)
        order = sorted(range(len(rotation.shifts)), key=lambda i: rotation.shifts[i].week)
        self._order = order
        self._starts = [rotation.shifts[i].week for i in order]
        self._overrides: dict[dt.date, int] = {}
        self._holidays: tuple[HolidaysConfig, list[tuple[Holiday, Cover]]] | None = None
        for i, ov in enumerate(rotation.overrides):
            for day in days(ov.first, ov.last):
                self._overrides[day] = i

    @property
    def first_day(self) -> dt.date | None:
        """The first day the schedule covers."""
        return self._starts[0] + self.lag * DAY if self._starts else None

    @property
    def last_day(self) -> dt.date | None:
        """The last day the schedule covers (the last shift's seventh day)."""
        return self._starts[-1] + (6 + self.lag) * DAY if self._starts else None

    def shift_days(self, shift: Shift) -> tuple[dt.date, dt.date]:
        """The first and last day ``shift`` covers (before overrides)."""
        first = shift.week + self.lag * DAY
        return first, first + 6 * DAY

    def running_index(self, day: dt.date) -> int | None:
        """The shift whose handoff was on ``day`` or in the six days before: the one running after
        that day's handoff time, whoever covers the day as a whole."""
        pos = bisect.bisect_right(self._starts, day) - 1
        if pos < 0 or day > self._starts[pos] + 6 * DAY:
            return None
        return self._order[pos]

    def running_on(self, day: dt.date) -> Shift | None:
        i = self.running_index(day)
        return None if i is None else self.rotation.shifts[i]

    def shift_index(self, day: dt.date) -> int | None:
        """The shift that covers ``day`` (ignoring overrides)."""
        return self.running_index(day - self.lag * DAY)

    def shift_on(self, day: dt.date) -> Shift | None:
        i = self.shift_index(day)
        return None if i is None else self.rotation.shifts[i]

    def override_on(self, day: dt.date) -> Override | None:
        i = self._overrides.get(day)
        return None if i is None else self.rotation.overrides[i]

    def cover(self, day: dt.date) -> Cover | None:
        """Who covers ``day``: the override's engineer, else the covering shift's."""
        ov = self._overrides.get(day)
        shift = self.shift_index(day)
        if ov is not None:
            return Cover(self.rotation.overrides[ov].engineer, shift, ov)
        if shift is not None:
            return Cover(self.rotation.shifts[shift].engineer, shift, None)
        return None

    def holidays(self, cfg: HolidaysConfig) -> list[tuple[Holiday, Cover]]:
        """Each holiday of ``cfg`` within the schedule, with who covers it; worked out once, as
        HOL001, HOL002 and the report each ask for every rotation. Raises CalendarError."""
        if self._holidays is not None and self._holidays[0] is cfg:
            return self._holidays[1]
        first, last = self.first_day, self.last_day
        found = []
        if first is not None and last is not None:
            # only the years a shift or an override covers a day of, not every year between the
            # first and the last (two shifts 7,000 years apart); a holiday of the year after (or
            # before) one of them may be observed within it
            touched = {d.year for start in self._starts for d in (start + self.lag * DAY, start + (6 + self.lag) * DAY)}
            touched.update(day.year for day in self._overrides)
            for hol in holidays_in(cfg, {y + k for y in touched for k in (-1, 0, 1)}):
                # only a day of a shift or of an override is covered: most holidays asked for are not
                cover = self.cover(hol.date) if first <= hol.date <= last or hol.date in self._overrides else None
                if cover is not None:
                    found.append((hol, cover))
        self._holidays = (cfg, found)
        return found

    def covers_whole_year(self, year: int) -> bool:
        first, last = self.first_day, self.last_day
        return first is not None and last is not None and first <= dt.date(year, 1, 1) and last >= dt.date(
            year, 12, 31
        )


def days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += DAY


class Holiday(NamedTuple):
    name: str
    date: dt.date  # the day covered: the actual date, or with `dates: observed` the observed one
    of_year: int | None = None  # whose holiday it is, when the day covered falls in another year

    @property
    def year(self) -> int:
        """The holiday's year: New Year's Day 2028 observed on 2027-12-31 is 2028's, in every count."""
        return self.date.year if self.of_year is None else self.of_year


class CalendarError(ValueError):
    """The calendar or subdivision code is unknown to the ``holidays`` library."""


@lru_cache(maxsize=64)
def _country(calendar: str, subdivision: str | None, observed: bool, years: tuple[int, ...]) -> Any:
    from opscheck.holidaylib import UnknownCountry, country_class  # heavy: only when holiday dates are needed

    try:
        entity = country_class(calendar)
        return entity(years=years, subdiv=subdivision, observed=observed, language="en_US")
    except UnknownCountry:
        raise CalendarError(f"unknown calendar {calendar!r}") from None
    except NotImplementedError as exc:
        raise CalendarError(str(exc)) from None


def known_names(cfg: HolidaysConfig, years: Iterable[int]) -> set[str]:
    """Every holiday name the calendar uses in ``years`` (without '(observed)' variants)."""
    table = _country(cfg.calendar, cfg.subdivision, False, tuple(sorted(set(years))))
    names: set[str] = set()
    for value in table.values():
        names.update(part.strip() for part in str(value).split(";"))
    return names


def holidays_in(cfg: HolidaysConfig, years: Iterable[int]) -> list[Holiday]:
    """The holidays of ``years``: each observed name on its actual or observed date, and extras.

    A holiday belongs to the year of its actual date, wherever it is observed: with
    `dates: observed`, New Year's Day 2028 (a Saturday) is 2028's holiday, covered on Friday
    2027-12-31, so it is asked for with 2028 and counted in 2028 by every rule and command.
    """
    wanted = tuple(sorted(set(years)))
    if not wanted:
        return []
    dates = [_dated(cfg.calendar, cfg.subdivision, cfg.dates, year) for year in wanted]
    out = [
        Holiday(name, day, year if day.year != year else None)
        for name in cfg.observe
        for year, found in zip(wanted, dates, strict=True)
        if (day := found.get(name)) is not None
    ]
    years = set(wanted)
    out += [Holiday(extra.name, extra.date) for extra in cfg.extra if extra.date.year in years]
    return sorted(out, key=lambda h: (h.date, h.name))


@lru_cache(maxsize=8192)
def _dated(calendar: str, subdivision: str | None, dates: str, year: int) -> dict[str, dt.date]:
    """Each holiday name of ``year`` and the day it is covered, read once per year: every
    schedule asks for the years it spans, and 41,000 rotations spanning different windows of
    years made a cache of whole windows miss nearly every time."""
    # a year's holiday may be observed in the year before or after: read those years too
    around = (year - 1, year, year + 1)
    found: dict[tuple[str, int], dt.date] = {}
    for day, value in _country(calendar, subdivision, False, around).items():
        for name in str(value).split(";"):
            found.setdefault((name.strip(), day.year), day)
    if dates == "observed":
        for day, value in _country(calendar, subdivision, True, around).items():
            for name in str(value).split(";"):
                if name.strip().endswith("(observed)"):
                    _observe(found, name.strip().removesuffix("(observed)").strip(), day)
    return {name: day for (name, of_year), day in found.items() if of_year == year}


def _observe(found: dict[tuple[str, int], dt.date], name: str, day: dt.date) -> None:
    """Move the occurrence of ``name`` that ``day`` stands in for (a week either side) to ``day``."""
    for year in (day.year, day.year + 1, day.year - 1):
        actual = found.get((name, year))
        if actual is not None and abs((day - actual).days) <= 7:
            found[(name, year)] = day
            return
