"""HOL rules: holidays are shared evenly each year and rotate from year to year."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

from opscheck.calendar import CalendarError, Cover, Holiday, Schedule
from opscheck.dataset import Dataset
from opscheck.rules.base import Hit, Options, rule
from opscheck.rules.oncall import SpreadOptions, spread_hits
from opscheck.source import Loc


def holiday_cover(ds: Dataset, sched: Schedule) -> list[tuple[Holiday, Cover]]:
    """Each configured holiday within the schedule, with who covers it."""
    if ds.holidays is None:
        return []
    try:
        return sched.holidays(ds.holidays)
    except CalendarError:
        return []  # OPS005 reports the unknown calendar


def cover_loc(sched: Schedule, cover: Cover) -> Loc:
    rot = sched.rotation
    if cover.override is not None:
        return rot.loc.at("overrides", cover.override, "engineer")
    return rot.loc.at("shifts", cover.shift, "engineer")  # type: ignore[arg-type]


@rule("HOL001", "holiday-balance", options=SpreadOptions)
def holiday_balance(ds: Dataset, opts: SpreadOptions) -> Iterator[Hit]:
    """Within a calendar year, members' holiday counts differ by more than `max_spread`.

    The engineer covering a holiday is the override's for that day, else the one on call for
    the larger part of the day in the handoff time zone (a Friday 17:00 handoff leaves Friday
    to the outgoing engineer).
    Only years the schedule covers whole and active members are compared, each pro rata for
    the part of the year they were on the team (`joined`, `left`).

    Failing:
        # in 2026: eng1 covers 3 holidays, eng2 1, eng3 1

    Passing:
        # in 2026: eng1 2 holidays, eng2 2, eng3 1
    """
    for sched in ds.schedules.values():
        by_year: dict[int, Counter[str]] = defaultdict(Counter)
        for hol, cover in holiday_cover(ds, sched):
            by_year[hol.year][cover.engineer] += 1
        yield from spread_hits(ds, sched, "holiday", by_year, opts.max_spread)


@rule("HOL002", "holiday-repeat")
def holiday_repeat(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """The same engineer covers the same holiday in consecutive years.

    Holidays rotate: whoever worked Christmas last year has it off this year.

    Failing:
        # eng1 covers Christmas Day 2025 and Christmas Day 2026

    Passing:
        # eng1 covers Christmas Day 2025, eng2 Christmas Day 2026
    """
    for rid, sched in ds.schedules.items():
        last: dict[str, tuple[int, str]] = {}
        for hol, cover in holiday_cover(ds, sched):
            prev = last.get(hol.name)
            if prev == (hol.year - 1, cover.engineer):
                yield Hit(
                    cover_loc(sched, cover),
                    f"'{cover.engineer}' covers {hol.name} in {hol.year - 1} and again in {hol.year}; "
                    "give it to someone else with an override",
                    f"{rid}@{hol.date}",
                )
            last[hol.name] = (hol.year, cover.engineer)
