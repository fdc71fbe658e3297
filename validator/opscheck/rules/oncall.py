"""ONC rules: the weekly rotation is contiguous, spaced, published ahead, staffed and balanced."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator
from fractions import Fraction
from typing import Annotated

from pydantic import Field

from opscheck.calendar import WEEK, Schedule, days, handoff_day_lag
from opscheck.dataset import Dataset
from opscheck.models import WEEKDAYS, Rotation
from opscheck.rules.balance import balanced, full_time, year_shares
from opscheck.rules.base import HIGHER_IS_WEAKER, LOWER_IS_WEAKER, Hit, Options, rule
from opscheck.source import Loc


class GapOptions(Options):
    min_gap_weeks: Annotated[int, Field(ge=1, le=52), LOWER_IS_WEAKER] = 1


@rule("ONC001", "back-to-back", options=GapOptions)
def back_to_back(ds: Dataset, opts: GapOptions) -> Iterator[Hit]:
    """An engineer holds shifts closer than `min_gap_weeks` apart (by default: two weeks in a row).

    Two on-call weeks in a row burn people out; a week off between shifts lets them recover.

    Failing:
        shifts:
          - {week: 2025-01-06, engineer: eng1}
          - {week: 2025-01-13, engineer: eng1}

    Passing:
        shifts:
          - {week: 2025-01-06, engineer: eng1}
          - {week: 2025-01-13, engineer: eng2}
    """
    limit = WEEK * (opts.min_gap_weeks + 1)
    for rot in ds.rotations.values():
        last: dict[str, dt.date] = {}
        for i, shift in sorted(enumerate(rot.shifts), key=lambda p: p[1].week):
            prev = last.get(shift.engineer)
            if prev is not None and shift.week - prev < limit:
                yield Hit(
                    rot.loc.at("shifts", i, "engineer"),
                    f"'{shift.engineer}' is on call the week of {prev} and again the week of {shift.week}; "
                    f"leave at least {opts.min_gap_weeks} week{'s' * (opts.min_gap_weeks != 1)} between shifts",
                    f"{rot.id}@{shift.week}",
                )
            last[shift.engineer] = shift.week


@rule("ONC002", "continuity")
def continuity(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """Shifts are out of order, overlap, leave a gap, or start on another weekday than the handoff.

    Each shift lasts seven days from its handoff; the next must start exactly when it
    ends, or somebody is paged twice or nobody at all. Two overrides on the same day
    overlap too: only one of them can be on call. An override stands in for the shift
    of its day, so one dated before the first shift or after the last leaves the schedule
    with a stray day of cover and no shift around it: a break in continuity, most often
    a typo in the year.

    Failing:
        handoff: {weekday: monday, time: "09:00", timezone: America/New_York}
        shifts:
          - {week: 2025-01-06, engineer: eng1}
          - {week: 2025-01-20, engineer: eng2}

    Passing:
        handoff: {weekday: monday, time: "09:00", timezone: America/New_York}
        shifts:
          - {week: 2025-01-06, engineer: eng1}
          - {week: 2025-01-13, engineer: eng2}
    """
    for rot in ds.rotations.values():
        want = rot.handoff.weekday_index
        prev: dt.date | None = None
        for i, shift in enumerate(rot.shifts):
            if shift.week.weekday() == want and prev is not None and shift.week - prev == WEEK:
                prev = shift.week
                continue  # the common case: the next week, on the handoff day
            loc = rot.loc.at("shifts", i, "week")
            subject = f"{rot.id}@{shift.week}"
            if shift.week.weekday() != want:
                yield Hit(
                    loc,
                    f"shift starts on a {WEEKDAYS[shift.week.weekday()]}, but handoffs are on "
                    f"{rot.handoff.weekday}; move it to the {rot.handoff.weekday} of that week",
                    subject,
                )
            elif prev is not None:
                step = shift.week - prev
                if step == dt.timedelta(0):
                    yield Hit(loc, f"the week of {shift.week} is listed twice; keep one shift per week", subject)
                elif step < dt.timedelta(0):
                    yield Hit(loc, f"shift {shift.week} comes after {prev}; keep shifts in date order", subject)
                elif step < WEEK:
                    yield Hit(loc, f"shift {shift.week} overlaps the shift of {prev}; shifts last 7 days",
                              subject)
                elif step > WEEK:
                    gap_end = shift.week - dt.timedelta(days=1)
                    yield Hit(loc, f"nobody is on call from {prev + WEEK} to {gap_end}; add the missing "
                              "week(s)", subject)
            if shift.week.weekday() == want and (prev is None or shift.week > prev):
                prev = shift.week
        yield from _overlapping_overrides(rot)
        yield from _overrides_outside(ds, rot)


def _overrides_outside(ds: Dataset, rot: Rotation) -> Iterator[Hit]:
    sched = ds.schedules[rot.id]
    first, last = sched.first_day, sched.last_day
    if first is None or last is None:
        return  # no shifts at all: ONC003 says so
    for i, ov in enumerate(rot.overrides):
        if first <= ov.first and ov.last <= last:
            continue
        when = (f"is after the schedule ends on {last}" if ov.first > last
                else f"is before the schedule starts on {first}" if ov.last < first
                else f"starts before the schedule does ({first})" if ov.first < first
                else f"runs past the end of the schedule ({last})")
        span = str(ov.first) if ov.first == ov.last else f"{ov.first} to {ov.last}"
        yield Hit(rot.loc.at("overrides", i, "date" if ov.date else "start"),
                  f"override of {span} for '{ov.engineer}' {when}: no shift holds those days; fix the date, "
                  f"or extend the schedule first (`opscheck schedule plan --rotation {rot.id}`)",
                  f"{rot.id}@{ov.first}")


def _overlapping_overrides(rot: Rotation) -> Iterator[Hit]:
    taken: dict[dt.date, int] = {}
    for i, ov in enumerate(rot.overrides):
        clash = next((d for d in days(ov.first, ov.last) if d in taken), None)
        if clash is not None:
            other = rot.overrides[taken[clash]]
            yield Hit(rot.loc.at("overrides", i, "date" if ov.date else "start"),
                      f"override of {clash} for '{ov.engineer}' overlaps the override for '{other.engineer}' "
                      "on that day; keep one override per day", f"{rot.id}@{clash}")
        for d in days(ov.first, ov.last):
            taken.setdefault(d, i)


class AheadOptions(Options):
    min_days_ahead: Annotated[int, Field(ge=0, le=1827), LOWER_IS_WEAKER] = 91  # up to five years


def current_week(rot: Rotation, day: dt.date) -> dt.date:
    """The week of the shift that would cover ``day`` (the latest handoff day on or before it, or the
    one before when a late handoff leaves its day to the outgoing engineer)."""
    base = day - dt.timedelta(days=handoff_day_lag(rot.handoff))
    return base - dt.timedelta(days=(base.weekday() - rot.handoff.weekday_index) % 7)


@rule("ONC003", "published-ahead", options=AheadOptions)
def published_ahead(ds: Dataset, opts: AheadOptions) -> Iterator[Hit]:
    """The schedule ends before as-of + `min_days_ahead` (91 days: a quarter).

    People plan their lives around on-call weeks; publishing a quarter ahead lets them.
    `opscheck schedule plan` extends a rotation fairly. A schedule that starts after
    as-of leaves today uncovered, which is reported too.

    Failing:
        # as-of 2025-01-06, min_days_ahead 91: the schedule must reach 2025-04-07
        shifts:
          - {week: 2025-01-06, engineer: eng1}

    Passing:
        # the weekly shifts continue through 2025-04-07 or later
    """
    need = ds.as_of + dt.timedelta(days=opts.min_days_ahead)
    for rid, sched in ds.schedules.items():
        rot = sched.rotation
        last = sched.last_day
        if last is None:
            yield Hit(rot.loc.at("id"), f"rotation '{rid}' has no shifts; publish them through {need} "
                      "(`opscheck schedule plan`)", rid)
            continue
        first = sched.first_day
        if first is not None and first > ds.as_of and sched.cover(ds.as_of) is None:
            i = min(range(len(rot.shifts)), key=lambda k: rot.shifts[k].week)
            yield Hit(rot.loc.at("shifts", i, "week"),
                      f"nobody covers today ({ds.as_of}) in rotation '{rid}': its schedule starts on {first}; "
                      f"add a shift for the week of {current_week(rot, ds.as_of)}", f"{rid}@{ds.as_of}",
                      ident="today-uncovered")
        if last < need:
            i = max(range(len(rot.shifts)), key=lambda k: rot.shifts[k].week)
            yield Hit(
                rot.loc.at("shifts", i, "week"),
                f"rotation '{rid}' is scheduled only through {last}; publish through {need} "
                f"({opts.min_days_ahead} days ahead) with `opscheck schedule plan --rotation {rid}`",
                rid,
                ident="schedule-end",
            )


@rule("ONC004", "cover-available")
def cover_available(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """A shift or override engineer is not a member, is inactive, or is on time off on a day they cover.

    A day before an engineer's `joined` date or after their `left` date counts as not a member.

    Only coverage from as-of on is checked: past shifts are history. A shift covers the days
    its engineer is on call for the larger part of (with a Friday 17:00 handoff, Saturday to
    Friday); a day that an override gives to someone else does not count against them.

    Failing:
        engineers:
          - {id: eng1, name: Eng1, time_off: [{start: 2027-01-04, end: 2027-01-08}]}
        shifts:
          - {week: 2027-01-04, engineer: eng1}

    Passing:
        shifts:
          - {week: 2027-01-04, engineer: eng1}
        overrides:
          - {start: 2027-01-04, end: 2027-01-08, engineer: eng2, reason: eng1 on vacation}
    """
    for rid, sched in ds.schedules.items():
        rot = sched.rotation
        members = set(rot.members)
        for i, shift in enumerate(rot.shifts):
            first, last = sched.shift_days(shift)
            if last < ds.as_of:
                continue
            person = ds.engineers.get(shift.engineer)
            if person is None or (shift.engineer in members and person.active and person.joined is None
                                  and person.left is None and (not person.time_off or not ds.time_off[
                                      shift.engineer].overlaps(max(first, ds.as_of), last))):
                continue  # nothing that could fail (a shift of 5,000 years' schedule is not cut into days)
            covered = [d for d in days(first, last) if sched.override_on(d) is None]
            yield from _available(ds, rot, members, rot.loc.at("shifts", i, "engineer"), shift.engineer,
                                  covered, f"{rid}@{shift.week}")
        for i, ov in enumerate(rot.overrides):
            if ov.last < ds.as_of:
                continue
            yield from _available(ds, rot, members, rot.loc.at("overrides", i, "engineer"), ov.engineer,
                                  list(days(ov.first, ov.last)), f"{rid}@{ov.first}")


def _available(
    ds: Dataset, rot: Rotation, members: set[str], loc: Loc, eng: str, covered: list[dt.date], subject: str
) -> Iterator[Hit]:
    person = ds.engineers.get(eng)
    if person is None:
        return  # OPS005 reports unknown engineers
    what = f"{loc.path[-3]}.engineer={eng}"  # one node, up to three problems: name each
    if eng not in members:
        yield Hit(loc, f"'{eng}' covers {subject} but is not a member of rotation '{rot.id}'; add them to "
                  "members or pick a member", subject, ident=f"{what}:not-member")
    if not person.active:
        yield Hit(loc, f"'{eng}' covers {subject} but is inactive; give the days to an active member", subject,
                  ident=f"{what}:inactive")
    away = [d for d in covered if d >= ds.as_of and not person.is_member_on(d)]
    if away:
        when = f"joined on {person.joined}" if person.joined and away[0] < person.joined else f"left on {person.left}"
        yield Hit(loc, f"'{eng}' covers {subject} but {when}; give {_span(away)} to a member on the team then",
                  subject, ident=f"{what}:not-on-team")
    off: list[dt.date] = []  # days before as-of are history; most shifts meet no time off at all
    if covered and ds.time_off[eng].overlaps(max(covered[0], ds.as_of), covered[-1]):
        off = [d for d in covered if d >= ds.as_of and ds.engineer_off(eng, d)]
    if off:
        yield Hit(loc, f"'{eng}' is on time off {_span(off)} but covers {subject}; swap the shift or add an "
                  "override for those days", subject, ident=f"{what}:time-off")


def _span(found: list[dt.date]) -> str:
    return str(found[0]) if len(found) == 1 else f"{found[0]} to {found[-1]}"


class SpreadOptions(Options):
    max_spread: Annotated[int, Field(ge=0, le=53), HIGHER_IS_WEAKER] = 1


@rule("ONC005", "shift-balance", options=SpreadOptions)
def shift_balance(ds: Dataset, opts: SpreadOptions) -> Iterator[Hit]:
    """Within a calendar year, members' shift counts differ by more than `max_spread`.

    A shift counts for the year of its `week`. Only years the schedule covers whole and
    members who are active are compared; someone who joined or left during the year is held
    to their share of it (`joined`, `left`): half a year's members take about half as many.

    Failing:
        # in 2025: eng1 12 shifts, eng2 10, eng3 10 (spread 2 > 1)

    Passing:
        # in 2025: eng1 11 shifts, eng2 11, eng3 10 (spread 1)
    """
    for sched in ds.schedules.values():
        by_year: dict[int, Counter[str]] = defaultdict(Counter)
        for shift in sched.rotation.shifts:
            by_year[shift.week.year][shift.engineer] += 1
        yield from spread_hits(ds, sched, "shift", by_year, opts.max_spread)


def spread_hits(ds: Dataset, sched: Schedule, what: str, by_year: dict[int, Counter[str]],
                max_spread: int) -> Iterator[Hit]:
    """A finding for each whole year of ``sched`` whose counts are out of balance. A year without
    a count is balanced (every count 0 is in every band at level 0): only years with counts are
    judged, however many years a sparse schedule spans."""
    rot = sched.rotation
    for year in sorted(by_year):
        if sched.covers_whole_year(year):
            yield from _year_hits(rot.loc.at("id"), rot.id, year, what, by_year[year], year_shares(ds, rot, year),
                                  max_spread)


def _year_hits(
    loc: Loc, rid: str, year: int, what: str, counts: Counter[str], shares: dict[str, Fraction], max_spread: int
) -> Iterator[Hit]:
    """One finding when the members' counts in ``year`` are not balanced within ``max_spread`` (pro rata)."""
    if len(shares) < 2 or balanced(counts, shares, max_spread):
        return
    pace = {m: full_time(counts.get(m, 0), s) for m, s in shares.items()}
    high, low = max(pace.values()), min(pace.values())
    most = [m for m, n in pace.items() if n == high]
    least = [m for m, n in pace.items() if n == low]
    detail = ", ".join(f"{m} {counts.get(m, 0)}" + ("" if s == 1 else f" (member {_percent(s)} of the year)")
                       for m, s in shares.items())
    yield Hit(
        loc,
        f"in {year}, {what} counts in '{rid}' differ by {_number(high - low)} (more than {max_spread}"
        f"{'' if all(s == 1 for s in shares.values()) else ', pro rata'}): {detail}; "
        f"move {what}s from {', '.join(most)} to {', '.join(least)}",
        rid,
        ident=f"{what}-counts-{year}",
    )


def _percent(share: Fraction) -> str:
    return f"{float(share) * 100:.0f}%"


def _number(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.1f}"
