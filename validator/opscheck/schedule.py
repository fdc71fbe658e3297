"""The planner: extend a rotation week by week so that every on-call and holiday rule holds.

Shifts first: a depth-first search over the new weeks tries, in order, the member with the
fewest shifts that year, then the one longest off call, then member order, and backs up when
a year's shift counts could no longer end within ONC005's spread. Holidays second, year by
year: the week's own engineer keeps a holiday unless balance (HOL001) or rotation (HOL002)
needs someone else, who then gets a one-day override. The real rules check the result
before anyone sees it; a plan they reject is no plan.
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import io
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from opscheck.calendar import DAY, WEEK, Holiday, Schedule
from opscheck.dataset import Dataset, lookup
from opscheck.errors import ConfigError
from opscheck.models import Override, Rotation, Shift
from opscheck.rules import BY_ID
from opscheck.rules.holidays import holiday_cover
from opscheck.settings import Policy

# The rules a plan must keep; ONC003 is what planning fixes, so it is not among them.
PLAN_RULES = ("ONC001", "ONC002", "ONC004", "ONC005", "HOL001", "HOL002")
EXTRA_WEEKS = 13  # the default horizon: a quarter beyond what ONC003 demands
STATE_LIMIT = 50_000  # runs of recent engineers tracked by the staffing check


class Infeasible(Exception):
    """No plan keeps the rules: the rule that blocks, the week where, and why."""

    def __init__(self, rule: str, week: dt.date, message: str) -> None:
        super().__init__(message)
        self.rule, self.week, self.message = rule, week, message

    def __str__(self) -> str:
        return f"no plan: {self.rule} blocks the week of {self.week}: {self.message}"


@dataclass(frozen=True)
class Limits:
    """The policy's parameters of the rules a plan keeps; None when the rule is off."""

    min_gap_weeks: int
    shift_spread: int | None
    holiday_spread: int | None
    rotate_holidays: bool
    min_days_ahead: int


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
    )


@dataclass(frozen=True)
class Plan:
    rotation: Rotation  # as published
    extended: Rotation  # with the plan appended
    shifts: tuple[Shift, ...]
    overrides: tuple[Override, ...]
    until: dt.date


def default_until(as_of: dt.date, lim: Limits) -> dt.date:
    return as_of + dt.timedelta(days=lim.min_days_ahead) + EXTRA_WEEKS * WEEK


def find_rotation(ds: Dataset, rotation_id: str) -> Rotation:
    rot: Rotation = lookup(ds, "rotations", rotation_id)
    return rot


def plan(ds: Dataset, policy: Policy, rotation_id: str, until: dt.date | None = None) -> Plan:
    """Extend ``rotation_id`` from its last shift through ``until``; raise Infeasible when no plan keeps the rules."""
    rot = find_rotation(ds, rotation_id)
    lim = limits(policy)
    until = until or default_until(ds.as_of, lim)
    weeks = _new_weeks(ds, rot, until)
    if not weeks:
        return Plan(rot, rot, (), (), until)
    members = active_members(ds, rot)
    if not members:
        raise Infeasible("ONC004", weeks[0], f"rotation '{rot.id}' has no active member to schedule")
    search = _ShiftSearch(ds, rot, weeks, members, lim)
    search.precheck()
    engineers = search.run()
    shifts = tuple(Shift(week=w, engineer=e) for w, e in zip(weeks, engineers, strict=True))
    with_shifts = rot.model_copy(update={"shifts": [*rot.shifts, *shifts]})
    overrides = tuple(_HolidayPlanner(ds, with_shifts, weeks[0], members, lim).run())
    extended = with_shifts.model_copy(update={"overrides": [*rot.overrides, *overrides]})
    result = Plan(rot, extended, shifts, overrides, until)
    verify(ds, policy, result)
    return result


def active_members(ds: Dataset, rot: Rotation) -> list[str]:
    """Members who can be scheduled, in member order (the tie-break)."""
    return [m for m in dict.fromkeys(rot.members) if m in ds.engineers and ds.engineers[m].active]


def _new_weeks(ds: Dataset, rot: Rotation, until: dt.date) -> list[dt.date]:
    last = max((s.week for s in rot.shifts), default=None)
    if last is None:
        # nothing published yet: start at the first handoff day from as-of
        start = ds.as_of + DAY * ((rot.handoff.weekday_index - ds.as_of.weekday()) % 7)
    else:
        start = last + WEEK
        if start.weekday() != rot.handoff.weekday_index:
            raise Infeasible("ONC002", last, f"the last shift of '{rot.id}' does not start on a "
                             f"{rot.handoff.weekday}; fix the published schedule first (`opscheck validate`)")
    weeks = []
    while start <= until:
        weeks.append(start)
        start += WEEK
    return weeks


class _ShiftSearch:
    """Who takes each new week: depth-first, best candidate first, with a balance look-ahead."""

    def __init__(self, ds: Dataset, rot: Rotation, weeks: list[dt.date], members: list[str], lim: Limits) -> None:
        self.ds, self.rot, self.weeks, self.members, self.lim = ds, rot, weeks, members, lim
        self.step = lim.min_gap_weeks + 1  # weeks from one shift of a person to their next
        n = len(weeks)
        self.free = [[not _off_in_week(ds, m, w) for w in weeks] for m in members]
        self.prefix = [[0, *_running(row)] for row in self.free]
        index = {m: k for k, m in enumerate(members)}
        self.last: list[int | None] = [None] * len(members)
        self.counts: dict[int, list[int]] = {}
        self.fixed: dict[int, str] = {}  # published weeks close enough to bound the first new ones
        for shift in rot.shifts:
            i = (shift.week - weeks[0]).days // 7
            if i >= -self.step:
                self.fixed[i] = shift.engineer
            k = index.get(shift.engineer)
            if k is not None:
                self.year(shift.week.year)[k] += 1
                prev = self.last[k]
                self.last[k] = i if prev is None else max(prev, i)
        self.year_end = _year_ends(weeks)
        ext_last = weeks[-1] + 6 * DAY
        first = ds.schedules[rot.id].first_day or weeks[0]
        self.balanced = {
            y for y in range(weeks[0].year, weeks[-1].year + 1)
            if lim.shift_spread is not None and first <= dt.date(y, 1, 1) and ext_last >= dt.date(y, 12, 31)
        }
        self.chosen: list[int] = [0] * n
        self.saved: list[int | None] = [None] * n
        self.deepest = -1
        self.failure: Infeasible | None = None

    def year(self, y: int) -> list[int]:
        return self.counts.setdefault(y, [0] * len(self.members))

    # -- checks that need no search: each names a conflict anyone can verify --------------------

    def precheck(self) -> None:
        self._staffable()
        for y in sorted(self.balanced):
            first = next(i for i, w in enumerate(self.weeks) if w.year == y)
            if not self._feasible(y, first, fresh=True):
                raise Infeasible("ONC005", self.weeks[first], self._balance_detail(y, first))

    def _staffable(self) -> None:
        """Walk the weeks keeping every possible run of the last ``gap`` engineers; none left = no plan.

        This ignores balance, so the week it names cannot be staffed by any schedule at all.
        """
        gap = self.lim.min_gap_weeks
        recent = tuple(self.fixed.get(i) for i in range(-gap, 0))
        states: set[tuple[str | None, ...]] = {recent}
        for i in range(len(self.weeks)):
            free = [m for k, m in enumerate(self.members) if self.free[k][i]]
            states = {(*state[1:], m) if gap else () for state in states for m in free if m not in state}
            if not states:
                raise Infeasible(*self._unstaffable(i, free))
            if len(states) > STATE_LIMIT:
                return  # too many ways to go wrong to track; the search still reports what blocks it

    def _unstaffable(self, i: int, free: list[str]) -> tuple[str, dt.date, str]:
        week = self.weeks[i]
        off = [m for k, m in enumerate(self.members) if not self.free[k][i]]
        inactive = [m for m in dict.fromkeys(self.rot.members) if m not in self.members]
        away = f"{', '.join(off)} on time off" if off else ""
        if inactive:
            away += f"{'; ' if away else ''}{', '.join(inactive)} inactive or unknown"
        if not free:
            return "ONC004", week, f"nobody can take it: {away}"
        before = []
        for j in range(i - self.lim.min_gap_weeks, i):
            if j < 0:
                if j in self.fixed:
                    before.append(f"{self.weeks[0] + WEEK * j}: {self.fixed[j]} (published)")
                continue
            names = [m for k, m in enumerate(self.members) if self.free[k][j]]
            before.append(f"{self.weeks[j]}: {', '.join(names) or 'nobody'}")
        return "ONC001", week, (
            f"only {', '.join(free)} {'is' if len(free) == 1 else 'are'} free that week"
            f"{f' ({away})' if away else ''}, and every way to staff the week{'s' * (len(before) != 1)} before "
            f"puts them on call within min_gap_weeks {self.lim.min_gap_weeks} of it; "
            f"who could take those: {'; '.join(before)}")

    # -- the search ------------------------------------------------------------------------------

    def run(self) -> list[str]:
        n, budget = len(self.weeks), 50 * len(self.weeks) + 5000
        tries: list[list[int]] = []
        i = 0
        while i < n:
            if len(tries) == i:
                tries.append(self._candidates(i))
            else:
                self._unassign(i)
            placed = False
            while tries[i] and budget > 0:
                k = tries[i].pop(0)
                budget -= 1
                self._assign(i, k)
                if self._feasible(self.weeks[i].year, i + 1):
                    placed = True
                    break
                self._unassign(i)
            if placed:
                i += 1
                continue
            self._record_failure(i, budget <= 0)
            if budget <= 0 or i == 0:
                raise self.failure or Infeasible("ONC005", self.weeks[i], "no assignment found")
            tries.pop()
            i -= 1
        return [self.members[k] for k in self.chosen]

    def _candidates(self, i: int) -> list[int]:
        counts = self.year(self.weeks[i].year)
        ok = [k for k in range(len(self.members)) if self.free[k][i] and self._rested(k, i)]
        last = self.last
        # never on call counts as longest off call
        return sorted(ok, key=lambda k: (counts[k], -(1 << 30) if last[k] is None else last[k], k))

    def _rested(self, k: int, i: int) -> bool:
        last = self.last[k]
        return last is None or i - last >= self.step

    def _assign(self, i: int, k: int) -> None:
        self.chosen[i] = k
        self.saved[i] = self.last[k]
        self.last[k] = i
        self.year(self.weeks[i].year)[k] += 1

    def _unassign(self, i: int) -> None:
        k = self.chosen[i]
        self.last[k] = self.saved[i]
        self.year(self.weeks[i].year)[k] -= 1

    def _caps(self, start: int, end: int, fresh: bool) -> list[int]:
        """How many of weeks start..end-1 each member could still take (time off, gap)."""
        caps = []
        for k in range(len(self.members)):
            last = None if fresh else self.last[k]
            first = start if last is None else max(start, last + self.step)
            if first >= end:
                caps.append(0)
                continue
            caps.append(min(self.prefix[k][end] - self.prefix[k][first], (end - first + self.step - 1) // self.step))
        return caps

    def _feasible(self, y: int, start: int, fresh: bool = False) -> bool:
        """Can year y's remaining weeks (from index ``start``) still end within the spread?"""
        if y not in self.balanced:
            return True
        end = self.year_end[y]
        counts = self.year(y)
        return _shareable(counts, self._caps(start, end, fresh), end - start, self.lim.shift_spread or 0)

    def _balance_detail(self, y: int, first: int) -> str:
        end = self.year_end[y]
        caps = self._caps(first, end, fresh=True)
        counts = self.year(y)
        so_far = ", ".join(f"{m} {c}" for m, c in zip(self.members, counts, strict=True))
        room = ", ".join(f"{m} {c}" for m, c in zip(self.members, caps, strict=True))
        return (f"the {end - first} weeks of {y} left to plan cannot be shared within a spread of "
                f"{self.lim.shift_spread}: shifts so far {so_far}; weeks each can still take (time off, "
                f"min_gap_weeks) {room}")

    def _record_failure(self, i: int, exhausted: bool) -> None:
        if i <= self.deepest:
            return
        self.deepest = i
        week = self.weeks[i]
        why = "the search gave up" if exhausted else "no schedule keeps time off, min_gap_weeks and balance"
        self.failure = Infeasible("ONC005", week, f"{why}: {self._balance_detail(week.year, i)}")


def _shareable(counts: Sequence[int], caps: Sequence[int], remaining: int, spread: int) -> bool:
    """Whether ``remaining`` shifts can be added (member k at most caps[k]) to end within ``spread``.

    Final counts must lie in [L, L + spread] for some L; the smallest L that leaves room for
    every shift also asks for the fewest, so scanning L upwards finds one if any exists.
    """
    low = max(counts) - spread
    high = min(c + cap for c, cap in zip(counts, caps, strict=True))
    for floor in range(max(low, 0), high + 1):
        need = sum(max(0, floor - c) for c in counts)
        if need > remaining:
            return False
        if sum(min(cap, floor + spread - c) for c, cap in zip(counts, caps, strict=True)) >= remaining:
            return True
    return False


def _running(row: list[bool]) -> Iterator[int]:
    total = 0
    for free in row:
        total += free
        yield total


def _year_ends(weeks: list[dt.date]) -> dict[int, int]:
    """For each year, the index just past its last new week."""
    ends: dict[int, int] = {}
    for i, w in enumerate(weeks):
        ends[w.year] = i + 1
    return ends


def _off_in_week(ds: Dataset, engineer: str, week: dt.date) -> bool:
    end = week + 6 * DAY
    return any(off.start <= end and off.end >= week for off in ds.engineers[engineer].time_off)


class _HolidayPlanner:
    """Per year, who covers each new holiday: the week's engineer unless a rule needs an override."""

    def __init__(self, ds: Dataset, rot: Rotation, start: dt.date, members: list[str], lim: Limits) -> None:
        self.ds, self.rot, self.start, self.members, self.lim = ds, rot, start, members, lim
        sched = Schedule(rot)
        self.whole = set(sched.whole_years()) if lim.holiday_spread is not None else set()
        self.counts: dict[int, Counter[str]] = {}
        self.cover: dict[tuple[str, int], str] = {}
        self.open: dict[int, list[tuple[Holiday, str]]] = {}
        for hol, cover in holiday_cover(ds, sched):
            if hol.date >= start and cover.override is None:
                self.open.setdefault(hol.year, []).append((hol, cover.engineer))
            else:
                self._take(hol, cover.engineer)

    def _take(self, hol: Holiday, engineer: str) -> None:
        self.counts.setdefault(hol.year, Counter())[engineer] += 1
        self.cover[(hol.name, hol.year)] = engineer

    def run(self) -> Iterator[Override]:
        for year in sorted(self.open):
            todo = self.open[year]
            picks = self._year(year, todo)
            if picks is None:
                raise Infeasible(*self._why(year, todo))
            for (hol, week_engineer), engineer in zip(todo, picks, strict=True):
                self._take(hol, engineer)
                if engineer != week_engineer:
                    yield Override(date=hol.date, engineer=engineer,
                                   reason=f"{hol.name} {hol.year} per the holiday rotation")

    def _year(self, year: int, todo: list[tuple[Holiday, str]]) -> list[str] | None:
        """The year's covers with as few overrides as possible (iterative deepening on their number)."""
        budget = [20_000]
        for allowed in range(len(todo) + 1):
            picks = self._search(year, todo, allowed, budget)
            if picks is not None or budget[0] < 0:
                return picks
        return None

    def _search(self, year: int, todo: list[tuple[Holiday, str]], allowed: int, budget: list[int]) -> list[str] | None:
        counts = Counter(self.counts.get(year, Counter()))
        picks: list[str] = []

        def place(t: int, spare: int) -> bool:
            if t == len(todo):
                return self._balanced(year, counts, 0)
            for engineer in self._options(todo[t], counts):
                left = spare - (engineer != todo[t][1])
                budget[0] -= 1
                if left < 0 or budget[0] < 0:
                    continue
                counts[engineer] += 1
                picks.append(engineer)
                if self._balanced(year, counts, len(todo) - t - 1) and place(t + 1, left):
                    return True
                counts[engineer] -= 1
                picks.pop()
            return False

        return picks if place(0, allowed) else None

    def _options(self, item: tuple[Holiday, str], counts: Counter[str]) -> list[str]:
        hol, week_engineer = item
        before = self.cover.get((hol.name, hol.year - 1)) if self.lim.rotate_holidays else None
        others = sorted((m for m in self.members if m != week_engineer and not self.ds.engineer_off(m, hol.date)),
                        key=lambda m: (counts[m], self.members.index(m)))
        return [m for m in [week_engineer, *others] if m != before]

    def _balanced(self, year: int, counts: Counter[str], remaining: int) -> bool:
        """Whether the members below the band can still be lifted with ``remaining`` holidays."""
        if year not in self.whole or len(self.members) < 2:
            return True
        top = max(counts[m] for m in self.members)
        need = sum(max(0, top - (self.lim.holiday_spread or 0) - counts[m]) for m in self.members)
        return need <= remaining

    def _why(self, year: int, todo: list[tuple[Holiday, str]]) -> tuple[str, dt.date, str]:
        first = todo[0][0].date
        week = first - DAY * ((first - self.start).days % 7)
        names = ", ".join(f"{h.name} ({h.date})" for h, _ in todo)
        so_far = ", ".join(f"{m} {self.counts.get(year, Counter())[m]}" for m in self.members)
        return ("HOL001" if year in self.whole else "HOL002", week,
                f"no way to cover {names} so that holiday counts of {year} stay within "
                f"{self.lim.holiday_spread} (so far: {so_far}) and nobody repeats last year's holiday")


def verify(ds: Dataset, policy: Policy, result: Plan) -> None:
    """Run the real rules on the extended rotation; any error the plan adds makes it no plan."""
    before = set(_errors(ds, policy, result.rotation))
    for rule, message in _errors(ds, policy, result.extended):
        if (rule, message) not in before:
            week = result.shifts[0].week if result.shifts else ds.as_of
            raise Infeasible(rule, week, f"the plan would break {rule}: {message}")


def _errors(ds: Dataset, policy: Policy, rot: Rotation) -> list[tuple[str, str]]:
    from opscheck import engine

    alone = dataclasses.replace(ds, rotations={rot.id: rot})
    rules = [BY_ID[r] for r in PLAN_RULES]
    report = engine.run(alone, policy, rules)
    return [(f.rule, f.message) for f in report.findings if f.severity == "error" and not f.waived]


# -- fairness figures ---------------------------------------------------------------------------

@dataclass(frozen=True)
class YearLoad:
    year: int
    shifts: dict[str, int]
    holidays: dict[str, int]


def loads(ds: Dataset, rot: Rotation, years: Sequence[int]) -> list[YearLoad]:
    """Shift and holiday counts per active member for each of ``years``."""
    members = active_members(ds, rot)
    shifts: dict[int, Counter[str]] = {}
    for s in rot.shifts:
        shifts.setdefault(s.week.year, Counter())[s.engineer] += 1
    hols: dict[int, Counter[str]] = {}
    for hol, cover in holiday_cover(ds, Schedule(rot)):
        hols.setdefault(hol.year, Counter())[cover.engineer] += 1
    return [
        YearLoad(y, {m: shifts.get(y, Counter())[m] for m in members}, {m: hols.get(y, Counter())[m] for m in members})
        for y in years
    ]


def spread(counts: dict[str, int]) -> int:
    return max(counts.values()) - min(counts.values()) if counts else 0


def balance_score(counts: dict[str, int]) -> float:
    """Mean over all pairs of members of min(load)/max(load): 1.0 is perfectly even."""
    pairs = list(combinations(counts.values(), 2))
    if not pairs:
        return 1.0
    return sum(1.0 if max(a, b) == 0 else min(a, b) / max(a, b) for a, b in pairs) / len(pairs)


def render(ds: Dataset, result: Plan) -> str:
    """The plan as text: new weeks, new overrides, and the fairness figures of the years it touches."""
    rot, name = result.extended, result.rotation.id
    if not result.shifts:
        last = ds.schedules[name].last_day
        done = f"already scheduled through {last}" if last else "nothing scheduled"
        return f"{name}: {done}; nothing to plan through {result.until}\n"
    first, last = result.shifts[0].week, result.shifts[-1].week
    out = [f"Plan for {name}: {len(result.shifts)} weeks, {first} to {last + 6 * DAY} "
           f"(handoff {rot.handoff.weekday.capitalize()} {rot.handoff.time} {rot.handoff.timezone})", "", "New shifts:"]
    out += [f"  {s.week}  {s.engineer}" for s in result.shifts]
    out += ["", "New overrides:" if result.overrides else "New overrides: none"]
    out += [f"  {o.date}  {o.engineer}  {o.reason}" for o in result.overrides]
    years = list(range(first.year, last.year + 1))
    figures = loads(ds, rot, years)
    out += ["", *_table("Shifts per year (published + planned)", figures, "shifts")]
    out += ["", *_table("Holidays per year (published + planned)", figures, "holidays")]
    return "\n".join(out) + "\n"


def _table(title: str, figures: list[YearLoad], what: str) -> list[str]:
    members = list(getattr(figures[0], what)) if figures else []
    width = max([len(m) for m in members] + [4])
    head = "  year  " + "  ".join(f"{m:>{width}}" for m in members) + "  spread  balance"
    lines = [f"{title}:", head]
    for fig in figures:
        counts: dict[str, int] = getattr(fig, what)
        cells = "  ".join(f"{counts[m]:>{width}}" for m in members)
        lines.append(f"  {fig.year}  {cells}  {spread(counts):>6}  {balance_score(counts):>7.3f}")
    return lines


# -- writing the plan into oncall.yaml ----------------------------------------------------------

ONCALL_FILE = "ops-data/oncall.yaml"


def write(root: Path, result: Plan) -> Path:
    """Append the plan's shifts and overrides to oncall.yaml, leaving every other byte as it was."""
    from ruamel.yaml.comments import CommentedSeq

    path = root / ONCALL_FILE
    raw = path.read_bytes()
    bom = raw.startswith(codecs.BOM_UTF8)  # the loader accepts one; ruamel would not round-trip it
    text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    newline = "\r\n" if raw.count(b"\r\n") * 2 > raw.count(b"\n") else "\n"  # keep Windows line ends
    yaml = _round_trip(text)
    data = yaml.load(text)
    if _dump(yaml, data) != text:
        raise ConfigError("writing would reformat the file beyond the new entries (its layout does not "
                          "round-trip); add the printed plan by hand", ONCALL_FILE)
    rot = next(r for r in data["rotations"] if isinstance(r, dict) and r.get("id") == result.rotation.id)
    for key, entries in (("shifts", [{"week": s.week, "engineer": s.engineer} for s in result.shifts]),
                         ("overrides", [{"date": o.date, "engineer": o.engineer, "reason": o.reason}
                                        for o in result.overrides])):
        if not entries:
            continue
        if rot.get(key) is None:
            rot[key] = CommentedSeq()
        seq = rot[key]
        flow = _flow_entries(seq)
        seq.extend(_entry(entry, flow) for entry in entries)
    path.write_text(_dump(yaml, data), encoding="utf-8-sig" if bom else "utf-8", newline=newline)
    return path


def _round_trip(text: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    _, indent, offset = load_yaml_guess_indent(text)
    if indent is None:  # no block list or mapping to learn from: the whole file is {flow} style
        indent, offset = 2, 0
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=max(indent - offset, 2), sequence=indent, offset=offset)
    return yaml


def _dump(yaml: Any, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _flow_entries(seq: Any) -> bool:
    """Whether the list's entries are written {inline}, as the team's file does (the default)."""
    if not len(seq) or not hasattr(seq[-1], "fa"):
        return True
    return bool(seq[-1].fa.flow_style())


def _entry(values: dict[str, Any], flow: bool) -> Any:
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    entry = CommentedMap(
        (k, DoubleQuotedScalarString(v) if k == "reason" and v is not None else v)
        for k, v in values.items() if v is not None
    )
    if flow:
        entry.fa.set_flow_style()
    return entry
