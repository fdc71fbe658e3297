"""The plan as a constraint problem for OR-Tools CP-SAT: the rules are constraints, fairness the objective.

Variables: x[p, m, i] (member m takes new week i of rotation p) and y[p, h, m] (m covers
holiday slot h, by the week's shift or by a one-day override). Every rule a plan keeps is a
constraint. The constraints come in groups a person can name (one member's time off, the gap
rule, one year's balance, one holiday in two years, ...); a model may leave groups out, which
is how a conflict is narrowed down to the groups that cannot hold together (solve.py). The
objective is lexicographic, solved in stages, each fixing the value reached before the next:

1. holiday totals over the whole schedule as even as possible, then the team's cyclic holiday
   table continued and each person through every holiday before any twice (one-day overrides
   make these independent of the weeks, so they cost the next stages nothing);
2. the smallest gap between two shifts of one person, as large as possible up to one week
   short of the round robin (the team's size), so that catching up after leave is spread out;
3. shift totals over the whole schedule as even as possible: past imbalance is repaid with the
   shifts a year has to spare, within each year's ONC005 band, so gradually;
4. then as few short gaps (shifts closer than the team's size) as possible;
5. as few overrides as possible;
6. as a last tie-break, weeks in member order (round robin) where nothing else decides.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from ortools.sat.python import cp_model

from opscheck.budget import Budget
from opscheck.planning.problem import Problem
from opscheck.rules.balance import band
from opscheck.spans import day_at

REST_REACH = 4  # gaps up to min_gap_weeks + this many weeks count as short (bounded by team size)
MAX_CLASHES = 200_000  # steps spent finding where rotations that share people overlap
Moment = tuple[dt.datetime, dt.datetime, Callable[[str], Any]]  # a span of time and who is on call then


@dataclass(frozen=True)
class Group:
    """A set of constraints from one rule that a conflict can name."""

    rule: str
    rotation: str
    member: str | None = None
    week: int | None = None
    year: int | None = None
    holiday: str | None = None


class Model:
    def __init__(self, problems: Sequence[Problem], only: set[Group] | None = None) -> None:
        """The model of ``problems``; with ``only``, just those groups of rule constraints and no objective."""
        self.cp = cp_model.CpModel()
        self.problems = list(problems)
        self.only = only
        self.seen: set[Group] = set()  # every group the problems have
        self.x: dict[tuple[int, str, int], Any] = {}
        self.y: dict[tuple[int, int, str], Any] = {}
        self.stages: list[tuple[str, Any, int]] = []
        self.work = Budget(MAX_CLASHES)
        for p, prob in enumerate(self.problems):
            self._weeks(p, prob)
            self._gap(p, prob)
            self._shift_balance(p, prob)
            self._holidays(p, prob)
        self._double_booking()
        if only is None:
            self._objectives()

    # -- constraint groups ------------------------------------------------------------------------

    def on(self, group: Group) -> bool:
        """Whether this model states ``group``'s constraints."""
        self.seen.add(group)
        return self.only is None or group in self.only

    def _weeks(self, p: int, prob: Problem) -> None:
        for i in range(len(prob.weeks)):
            chosen = []
            for m in prob.members:
                why = prob.blocked.get((m, i))
                if why is not None and self.on(Group(why.split(":")[0], prob.rid, m)):
                    continue
                var = self.x[(p, m, i)] = self.cp.new_bool_var(f"x{p}_{m}_{i}")
                chosen.append(var)
            self.cp.add_exactly_one(chosen)

    def take(self, p: int, m: str, i: int) -> Any:
        """x[p, m, i], or 0 when m cannot take the week; a published week is 1 or 0."""
        prob = self.problems[p]
        if i < 0:
            k = len(prob.before) + i
            return int(k >= 0 and prob.before[k] == m)
        return self.x.get((p, m, i), 0)

    def _gap(self, p: int, prob: Problem) -> None:
        gap = prob.lim.min_gap_weeks
        if not gap or not self.on(Group("ONC001", prob.rid)):
            return
        for i in range(len(prob.weeks)):
            for m in prob.members:
                window = [self.take(p, m, t) for t in range(i - gap, i + 1)]
                fixed = sum(v for v in window if isinstance(v, int))
                if fixed > 1 or all(isinstance(v, int) for v in window):
                    continue  # already broken in the published weeks, or nothing to decide
                self.cp.add(sum(window) <= 1)

    def shifts_in(self, p: int, m: str, year: int) -> Any:
        prob = self.problems[p]
        fixed = prob.fixed_shifts.get(year, Counter())[m]
        return fixed + sum(self.take(p, m, i) for i, w in enumerate(prob.weeks) if w.year == year)

    def _shift_balance(self, p: int, prob: Problem) -> None:
        for year, shares in prob.shift_years.items():
            counts = {m: self.shifts_in(p, m, year) for m in shares}
            self._band(counts, shares, prob.lim.shift_spread or 0, 54, Group("ONC005", prob.rid, year=year))

    def _band(self, counts: dict[str, Any], shares: dict[str, Any], spread: int, top: int, group: Group) -> None:
        """Every member's count within their pro rata band at one level L (rules/balance.py)."""
        if len(shares) < 2 or not self.on(group):
            return
        level = self.cp.new_int_var(0, top, f"level {group}")
        for m, share in shares.items():
            if share == 1:
                self.cp.add(counts[m] >= level)
                self.cp.add(counts[m] <= level + spread)
                continue
            lows, highs = zip(*(band(share, lv, spread) for lv in range(top + 1)), strict=True)
            low = self.cp.new_int_var(0, max(lows), f"low {m} {group}")
            high = self.cp.new_int_var(0, max(highs), f"high {m} {group}")
            self.cp.add_element(level, list(lows), low)
            self.cp.add_element(level, list(highs), high)
            self.cp.add(counts[m] >= low)
            self.cp.add(counts[m] <= high)

    # -- holidays ---------------------------------------------------------------------------------

    def covers(self, p: int, h: int, m: str) -> Any:
        slot = self.problems[p].slots[h]
        if slot.fixed is not None:
            return int(slot.fixed == m)
        return self.y.get((p, h, m), 0)

    def _holidays(self, p: int, prob: Problem) -> None:
        first_of_day: dict[dt.date, int] = {}
        for h, slot in enumerate(prob.slots):
            if slot.week is None:
                continue
            relief = prob.relief[h]
            same_day = first_of_day.setdefault(slot.holiday.date, h)
            for m in relief:
                self.y[(p, h, m)] = self.cp.new_bool_var(f"y{p}_{h}_{m}")
                if same_day != h:  # one person covers a day (an override is for a day), whatever its holidays
                    self.cp.add(self.y[(p, h, m)] == self.y[(p, same_day, m)])
            self.cp.add_exactly_one([self.y[(p, h, m)] for m in relief])
        spread = prob.lim.holiday_spread or 0
        for year, shares in prob.holiday_years.items():
            in_year = [h for h, s in enumerate(prob.slots) if s.holiday.year == year]
            counts = {m: sum(self.covers(p, h, m) for h in in_year) for m in shares}
            self._band(counts, shares, spread, len(in_year) + 1, Group("HOL001", prob.rid, year=year))
        if prob.lim.rotate_holidays:
            self._rotate(p, prob)

    def _rotate(self, p: int, prob: Problem) -> None:
        by_key: dict[tuple[str, int], int] = {}
        for h, slot in enumerate(prob.slots):
            by_key.setdefault((slot.holiday.name, slot.holiday.year), h)
        for (name, year), h in by_key.items():
            before = by_key.get((name, year - 1))
            if before is None or (prob.slots[h].week is None and prob.slots[before].week is None):
                continue
            if not self.on(Group("HOL002", prob.rid, year=year, holiday=name, week=prob.slots[h].week)):
                continue
            for m in prob.members:
                both = [self.covers(p, before, m), self.covers(p, h, m)]
                if not all(isinstance(v, int) for v in both):
                    self.cp.add(sum(both) <= 1)

    # -- one person in two rotations --------------------------------------------------------------

    def _double_booking(self) -> None:
        """Pairs of rotations that share members, each pair's clashes stated once; the work is
        bounded (MAX_CLASHES), as many rotations sharing one person would have it grow as their square."""
        if not any(prob.lim.no_double_booking for prob in self.problems):
            return
        having: dict[str, list[int]] = {}
        for p, prob in enumerate(self.problems):
            for m in prob.members:
                having.setdefault(m, []).append(p)
        pairs: dict[tuple[int, int], list[str]] = {}
        for m, ps in having.items():
            for k, p in enumerate(ps):
                for q in ps[k + 1:]:
                    pairs.setdefault((p, q), []).append(m)
                    self.work.spend(1)
        times: dict[int, list[Moment]] = {}
        for (p, q), shared in sorted(pairs.items()):
            order = {m: k for k, m in enumerate(self.problems[p].members)}
            shared.sort(key=order.__getitem__)
            for r in (p, q):
                if r not in times:
                    times[r] = self._times(r)
            self._clash(p, q, shared, times[p], times[q])

    def _clash(self, p: int, q: int, shared: list[str], mine: list[Moment], theirs: list[Moment]) -> None:
        """No shared member on call in both at once: week against week, holiday against week and holiday."""
        starts = [t[0] for t in theirs]
        longest = max((t[1] - t[0] for t in theirs), default=dt.timedelta(0))
        self.work.spend(len(mine))
        for start, end, here in mine:
            for j in overlapping(starts, start, end, longest):
                self.work.spend(len(shared))
                if theirs[j][1] <= start:
                    continue
                there = theirs[j][2]
                for m in shared:
                    pair = [here(m), there(m)]
                    if not any(isinstance(v, int) for v in pair) and self.on(Group("ONC006", self.problems[p].rid, m)):
                        self.cp.add(sum(pair) <= 1)

    def _times(self, p: int) -> list[Moment]:
        """The new weeks and planned holidays of rotation ``p`` as instants, each with who is on call then."""
        prob = self.problems[p]
        out: list[Moment] = [
            (*prob.week_of(i), partial(self.take, p, i=i)) for i in range(len(prob.weeks))]
        for h, slot in enumerate(prob.slots):
            if slot.week is not None:
                out.append((*day_at(prob.rotation.handoff, slot.holiday.date), partial(self.covers, p, h)))
        return sorted(out, key=lambda t: t[0])

    # -- the objective ----------------------------------------------------------------------------

    def _objectives(self) -> None:
        rest, short, hol_spread, shift_spread, rotation, moved, order = [], [], [], [], [], [], []
        for p, prob in enumerate(self.problems):
            gap, penalty = self._rest(p, prob)
            rest.append(gap)
            short.append(penalty)
            hol_spread.append(self._spread([sum(self.covers(p, h, m) for h in range(len(prob.slots)))
                                            for m in prob.steady], len(prob.slots)))
            published = sum(sum(c.values()) for c in prob.fixed_shifts.values())
            shift_spread.append(self._spread([self._total_shifts(p, m) for m in prob.steady],
                                             len(prob.weeks) + published))
            turns, overrides = self._holiday_turns(p, prob)
            rotation.append(turns)
            moved.append(overrides)
            order.append(self._out_of_turn(p, prob))
        # holidays first: overrides decouple them from the weeks, so they cost the rest stages nothing
        # name, objective, and the share of the time limit it may use (the first also finds the first plan)
        self.stages = [("holiday totals", sum(hol_spread), 4), ("holiday rotation", sum(rotation), 3),
                       ("rest", -sum(rest), 3), ("shift totals", sum(shift_spread), 2), ("short gaps", sum(short), 1),
                       ("overrides", sum(moved), 1), ("member order", sum(order), 1)]

    def _out_of_turn(self, p: int, prob: Problem) -> Any:
        """Weeks not given to the next member in member order after the last published week (a tie-break)."""
        last = next((e for e in reversed(prob.before) if e in prob.members), None)
        start = prob.members.index(last) + 1 if last is not None else 0
        n = len(prob.members)
        return sum(1 - self.take(p, prob.members[(start + i) % n], i) for i in range(len(prob.weeks)))

    def _total_shifts(self, p: int, m: str) -> Any:
        prob = self.problems[p]
        fixed = sum(c[m] for c in prob.fixed_shifts.values())
        return fixed + sum(self.take(p, m, i) for i in range(len(prob.weeks)))

    def _spread(self, values: list[Any], top: int) -> Any:
        if len(values) < 2:
            return 0
        high = self.cp.new_int_var(0, top, "high")
        low = self.cp.new_int_var(0, top, "low")
        for v in values:
            self.cp.add(high >= v)
            self.cp.add(low <= v)
        return high - low

    def _rest(self, p: int, prob: Problem) -> tuple[Any, Any]:
        """The smallest gap (as a sum of 'at least v' literals) and the count of short gaps.

        Both are stated on windows of consecutive weeks: a person's gap is at least v when no
        window of v weeks holds two of their shifts, and each shift too many in a window as long
        as the team (the round-robin gap) is one short gap. Window sums keep the linear
        relaxation tight, which lets the solver prove these stages quickly.
        """
        gap = prob.lim.min_gap_weeks
        reach = min(len(prob.members), gap + 1 + REST_REACH)
        at_least = []
        previous = None
        # up to one week short of the round robin: the last week of slack lets debt be repaid (stage 3)
        for v in range(gap + 2, reach):
            flag = self.cp.new_bool_var(f"gap>={v}")
            for m in prob.members:
                for window in self._windows(p, m, v):
                    self.cp.add(sum(window) <= 1).only_enforce_if(flag)
            if previous is not None:
                self.cp.add_implication(flag, previous)
            previous = flag
            at_least.append(flag)
        penalty = []
        for m in prob.members:
            for window in self._windows(p, m, reach):
                extra = self.cp.new_int_var(0, reach, "extra")
                self.cp.add(extra >= sum(window) - 1)
                penalty.append(extra)
        return sum(at_least), sum(penalty)

    def _windows(self, p: int, m: str, length: int) -> Iterable[list[Any]]:
        """Each run of ``length`` weeks ending at a new week, as the member's takes (published or not)."""
        if length < 2:
            return
        for i in range(len(self.problems[p].weeks)):
            window = [self.take(p, m, t) for t in range(i - length + 1, i + 1)]
            fixed = sum(v for v in window if isinstance(v, int))
            if fixed <= 1 and not all(isinstance(v, int) for v in window):
                yield window

    def _holiday_turns(self, p: int, prob: Problem) -> tuple[Any, Any]:
        """How far holidays stray from the team's cycle and from everyone having each in turn; and overrides."""
        by_name: dict[str, list[int]] = {}
        for h, s in enumerate(prob.slots):
            by_name.setdefault(s.holiday.name, []).append(h)
        planned = [by_name[n] for n in sorted({s.holiday.name for s in prob.slots if s.week is not None})]
        slots = len(prob.slots) + 1
        turns = []
        for m in prob.members:
            per_name = [sum(self.covers(p, h, m) for h in of_name) for of_name in planned]
            turns.append(self._spread(per_name, slots))
        overrides = []
        for (q, h, m), var in self.y.items():
            if q == p:
                week = self.take(p, m, prob.slots[h].week or 0)
                overrides.append(self._override(var, week))
        mismatch = [1 - self.y[(p, h, m)] for h, m in cyclic_preferences(prob) if (p, h, m) in self.y]
        return slots * sum(mismatch) + sum(turns), sum(overrides)

    def _override(self, covers: Any, week: Any) -> Any:
        if isinstance(week, int):
            return covers if week == 0 else 0
        differs = self.cp.new_bool_var("override")
        self.cp.add(differs >= covers - week)
        return differs


def overlapping(
    starts: list[dt.datetime], start: dt.datetime, end: dt.datetime, longest: dt.timedelta
) -> Iterable[int]:
    """Indexes of the sorted ``starts`` that may begin an interval (at most ``longest``) overlapping [start, end)."""
    j = bisect.bisect_right(starts, start - longest)
    while j < len(starts) and starts[j] < end:
        yield j
        j += 1


def cyclic_preferences(prob: Problem) -> list[tuple[int, str]]:
    """Who would cover each new holiday if the team's cyclic table went on.

    In a table like the team's, each holiday moves one member along every year: holiday k in
    year y goes to member (r_k + y) mod n. r_k is what most of the holiday's published years
    agree on (at least two); a holiday without such a history has no preference.
    """
    order = list(dict.fromkeys(prob.rotation.members))
    n = len(order)
    if n < 2:
        return []
    seen: dict[str, Counter[int]] = {}
    for s in prob.slots:
        if s.fixed in order:
            seen.setdefault(s.holiday.name, Counter())[(order.index(s.fixed) - s.holiday.year) % n] += 1
    out = []
    for h, s in enumerate(prob.slots):
        residues = seen.get(s.holiday.name)
        if s.week is not None and residues:
            (residue, count), *rest = residues.most_common()
            if count >= 2 and (not rest or rest[0][1] < count):
                out.append((h, order[(residue + s.holiday.year) % n]))
    return out
