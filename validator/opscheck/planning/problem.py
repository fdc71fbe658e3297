"""What a plan must decide and respect, read from the data: no solver here.

A problem is one rotation's new weeks (from the week after its last published shift through
``until``), who may take each of them and why not, the published weeks just before (for the
gap rule), the holidays each year with who already covers them, and the years whose balance
the plan decides. Several problems are solved together when rotations share people.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from fractions import Fraction

from opscheck.calendar import DAY, WEEK, CalendarError, Holiday, Schedule, handoff_day_lag, holidays_in
from opscheck.dataset import Dataset
from opscheck.errors import ConfigError
from opscheck.models import Rotation
from opscheck.rules import BY_ID
from opscheck.rules.balance import year_shares
from opscheck.rules.oncall import current_week
from opscheck.settings import Policy
from opscheck.spans import Span, day_at, rotation_spans, week_at

EXTRA_WEEKS = 13  # the default horizon: a quarter beyond what ONC003 demands
MAX_YEARS = 10  # the furthest a plan may reach past as-of
MAX_CHOICES = 12_000  # member-weeks and member-holidays one run decides (see check_size)


@dataclass(frozen=True)
class Limits:
    """The policy's parameters of the rules a plan keeps; None when the rule is off."""

    min_gap_weeks: int
    shift_spread: int | None
    holiday_spread: int | None
    rotate_holidays: bool
    min_days_ahead: int
    no_double_booking: bool = True


def limits(policy: Policy) -> Limits:
    def option(rule_id: str, name: str) -> int | None:
        rule = BY_ID[rule_id]
        if policy.severity(rule) == "off":
            return None
        return int(policy.options_for(rule).model_dump()[name])

    ahead = int(policy.options_for(BY_ID["ONC003"]).model_dump()["min_days_ahead"])
    return Limits(
        min_gap_weeks=option("ONC001", "min_gap_weeks") or 0,
        shift_spread=option("ONC005", "max_spread"),
        holiday_spread=option("HOL001", "max_spread"),
        rotate_holidays=policy.severity(BY_ID["HOL002"]) != "off",
        min_days_ahead=ahead,
        no_double_booking=policy.severity(BY_ID["ONC006"]) != "off",
    )


def default_until(as_of: dt.date, lim: Limits) -> dt.date:
    return as_of + dt.timedelta(days=lim.min_days_ahead) + EXTRA_WEEKS * WEEK


def latest_until(as_of: dt.date) -> dt.date:
    try:
        return as_of.replace(year=as_of.year + MAX_YEARS)
    except ValueError:  # 29 February
        return as_of.replace(year=as_of.year + MAX_YEARS, day=28)


@dataclass(frozen=True)
class Slot:
    """A holiday of the schedule: decided already (``fixed``), or in new week ``week`` (to decide)."""

    holiday: Holiday
    fixed: str | None
    week: int | None


@dataclass
class Problem:
    rotation: Rotation
    lim: Limits
    weeks: list[dt.date]  # handoff days of the new weeks
    members: list[str]  # who may be scheduled, in member order
    blocked: dict[tuple[str, int], str] = field(default_factory=dict)  # (member, week) -> rule keeping them out
    before: list[str | None] = field(default_factory=list)  # published engineers of the weeks just before
    fixed_shifts: dict[int, Counter[str]] = field(default_factory=dict)  # year -> published shift counts
    slots: list[Slot] = field(default_factory=list)
    relief: dict[int, list[str]] = field(default_factory=dict)  # slot -> who may take it by override
    shift_years: dict[int, dict[str, Fraction]] = field(default_factory=dict)  # whole years -> shares
    holiday_years: dict[int, dict[str, Fraction]] = field(default_factory=dict)
    steady: list[str] = field(default_factory=list)  # members for the whole schedule (for totals)
    new_holidays: list[dt.date] = field(default_factory=list)  # the days of holidays in the new weeks

    @property
    def choices(self) -> int:
        """The model's size: who takes each new week, and who covers each holiday in them."""
        return self.choices_through(len(self.weeks))

    def choices_through(self, weeks: int) -> int:
        """The size of a plan of the first ``weeks`` new weeks."""
        if not weeks:
            return 0
        last = self.covered(weeks - 1)[1]
        return len(self.members) * (weeks + bisect.bisect_right(self.new_holidays, last))

    @property
    def rid(self) -> str:
        return self.rotation.id

    def week_of(self, i: int) -> tuple[dt.datetime, dt.datetime]:
        return week_at(self.rotation.handoff, self.weeks[i])

    def covered(self, i: int) -> tuple[dt.date, dt.date]:
        first = self.weeks[i] + handoff_day_lag(self.rotation.handoff) * DAY
        return first, first + 6 * DAY


def new_weeks(ds: Dataset, rot: Rotation, until: dt.date) -> tuple[list[dt.date], dt.date | None]:
    """The handoff days to plan, and the last published one (None when nothing is published)."""
    last = max((s.week for s in rot.shifts), default=None)
    start = current_week(rot, ds.as_of) if last is None else last + WEEK
    weeks = []
    while start <= until:
        weeks.append(start)
        start += WEEK
    return weeks, last


def build(ds: Dataset, rot: Rotation, lim: Limits, until: dt.date, busy: dict[str, Busy],
          room: int = MAX_CHOICES) -> Problem:
    """The problem of extending ``rot`` through ``until``; ConfigError past ``room`` choices."""
    weeks, _ = new_weeks(ds, rot, until)
    members = [m for m in dict.fromkeys(rot.members) if m in ds.engineers and ds.engineers[m].active]
    prob = Problem(rot, lim, weeks, members)
    if not weeks:
        return prob
    sched = Schedule(rot)  # read by the holidays twice: what is covered, and what is new
    found = _calendar(ds, prob, sched)
    first, last = prob.covered(0)[0], prob.covered(len(weeks) - 1)[1]
    prob.new_holidays = [hol.date for hol in found if first <= hol.date <= last]
    check_size(ds, prob, room)  # before the work that grows with it
    for m in members:
        for i in range(len(weeks)):
            why = _blocked(ds, prob, m, i, busy.get(m, IDLE))
            if why:
                prob.blocked[(m, i)] = why
    by_week = {s.week: s.engineer for s in rot.shifts}
    prob.before = [by_week.get(weeks[0] - WEEK * k) for k in range(lim.min_gap_weeks + 8, 0, -1)]
    for shift in rot.shifts:
        prob.fixed_shifts.setdefault(shift.week.year, Counter())[shift.engineer] += 1
    _years(ds, prob)
    _holidays(ds, prob, sched, found, busy)
    return prob


def check_size(ds: Dataset, prob: Problem, room: int) -> None:
    """Refuse a plan of more than ``room`` choices (MAX_CHOICES a run) before its model is built:
    the solver's time and memory grow with it, and a few thousand members, or a holiday every
    day, would take gigabytes."""
    if prob.choices <= room:
        return
    size = f"{len(prob.members):,} members for {len(prob.weeks):,} weeks and {len(prob.new_holidays):,} holidays"
    taken = MAX_CHOICES - room
    if taken:
        size += f" = {prob.choices:,} choices, with the {taken:,} of the rotations planned before it,"
        todo = "plan fewer rotations at once, or a nearer --until"
    else:
        size += f" = {prob.choices:,} choices"
        fits = next((i for i in range(len(prob.weeks), 0, -1) if prob.choices_through(i) <= room), 0)
        todo = (f"plan through {prob.weeks[fits - 1] + 6 * DAY} at the latest (--until), and extend it again later"
                if fits else f"even its first week ({prob.choices_through(1):,} choices) is over it: split the "
                "rotation, or keep fewer holidays in a week")
    line, _ = ds.mark(prob.rotation.loc.at("members"))
    raise ConfigError(f"rotation '{prob.rid}': planning {size} is more than the planner's limit of "
                      f"{MAX_CHOICES:,} in one run; {todo}", f"{prob.rotation.loc.file}:{line}")


def _blocked(ds: Dataset, prob: Problem, member: str, i: int, busy: Busy) -> str | None:
    person = ds.engineers[member]
    first, last = prob.covered(i)
    if not (person.is_member_on(first) and person.is_member_on(last)):
        return "ONC004:team"
    if any(off.start <= last and off.end >= first for off in person.time_off):
        return "ONC004:off"
    start, end = prob.week_of(i)
    if prob.lim.no_double_booking and busy.overlaps(start, end, prob.rid):
        return "ONC006"
    return None


def _years(ds: Dataset, prob: Problem) -> None:
    """The years the extended schedule covers whole and the plan touches, with members' shares."""
    rot = prob.rotation
    lag = handoff_day_lag(rot.handoff)
    first = min([s.week for s in rot.shifts] + [prob.weeks[0]]) + lag * DAY
    last = prob.weeks[-1] + (6 + lag) * DAY
    whole = [y for y in range(first.year, last.year + 1) if first <= dt.date(y, 1, 1) and last >= dt.date(y, 12, 31)]
    planned = {w.year for w in prob.weeks}
    if prob.lim.shift_spread is not None:
        prob.shift_years = {y: year_shares(ds, rot, y) for y in whole if y in planned}
    if prob.lim.holiday_spread is not None:
        prob.holiday_years = {y: year_shares(ds, rot, y) for y in whole}
    prob.steady = [m for m in prob.members if all(ds.engineers[m].is_member_on(d) for d in (first, last))]


def _calendar(ds: Dataset, prob: Problem, sched: Schedule) -> list[Holiday]:
    """The holidays from the schedule's first day through the last new week's years."""
    if ds.holidays is None:
        return []
    first = sched.first_day or prob.covered(0)[0]
    try:
        found = holidays_in(ds.holidays, range(first.year, prob.covered(len(prob.weeks) - 1)[1].year + 1))
    except CalendarError:
        return []  # the command refused an unknown calendar before planning
    return [hol for hol in found if hol.date >= first]


def _holidays(ds: Dataset, prob: Problem, sched: Schedule, found: list[Holiday], busy: dict[str, Busy]) -> None:
    first_new = prob.covered(0)[0]
    for hol in found:
        cover = sched.cover(hol.date)
        if cover is not None:
            prob.slots.append(Slot(hol, cover.engineer, None))
            continue
        i = (hol.date - first_new).days // 7
        if 0 <= i < len(prob.weeks):
            prob.relief[len(prob.slots)] = [m for m in prob.members if _free_on(ds, prob, m, hol, busy.get(m, IDLE))]
            prob.slots.append(Slot(hol, None, i))
    prob.holiday_years = {y: s for y, s in prob.holiday_years.items()
                          if any(sl.week is not None and sl.holiday.year == y for sl in prob.slots)}


def _free_on(ds: Dataset, prob: Problem, member: str, hol: Holiday, busy: Busy) -> bool:
    person = ds.engineers[member]
    if not person.is_member_on(hol.date) or person.is_off(hol.date):
        return False
    start, end = day_at(prob.rotation.handoff, hol.date)
    return not (prob.lim.no_double_booking and busy.overlaps(start, end, prob.rid))


class Busy:
    """One engineer's published on-call time, asked whether any of it outside one rotation
    overlaps an instant range. The spans are kept by start with, for each prefix, the latest end
    of the rotation ending last and the latest end of any other rotation, so a question is one
    bisection: each new week asked every span of a person in 40,000 rotations."""

    def __init__(self, spans: list[Span]) -> None:
        spans = sorted(spans)
        self.starts = [s.start for s in spans]
        self.tops: list[tuple[dt.datetime, str, dt.datetime | None]] = []
        top: tuple[dt.datetime, str, dt.datetime | None] | None = None
        for s in spans:
            if top is None:
                top = (s.end, s.rotation, None)
            elif s.rotation == top[1]:
                top = (max(top[0], s.end), top[1], top[2])
            elif s.end > top[0]:
                top = (s.end, s.rotation, top[0])
            elif top[2] is None or s.end > top[2]:
                top = (top[0], top[1], s.end)
            self.tops.append(top)

    def overlaps(self, start: dt.datetime, end: dt.datetime, rotation: str) -> bool:
        """Whether a span of another rotation than ``rotation`` overlaps [start, end)."""
        i = bisect.bisect_left(self.starts, end)
        if i == 0:
            return False
        latest, of, other = self.tops[i - 1]
        last = latest if of != rotation else other
        return last is not None and last > start


IDLE = Busy([])


def busy_time(ds: Dataset, people: Collection[str]) -> dict[str, Busy]:
    """The published on-call time of each of ``people`` in every rotation (ONC006 keeps other
    rotations' free). Only rotations that name one of them are turned into spans: the instants
    of a long schedule cost far more than a look at who is in it."""
    out: dict[str, list[Span]] = {}
    for rot in ds.rotations.values():
        if not (any(s.engineer in people for s in rot.shifts) or any(o.engineer in people for o in rot.overrides)):
            continue
        for span in rotation_spans(rot):
            if span.engineer in people:
                out.setdefault(span.engineer, []).append(span)
    return {person: Busy(spans) for person, spans in out.items()}
