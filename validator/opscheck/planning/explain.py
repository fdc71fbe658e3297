"""Words for a conflict: which rules, which weeks, whose time off make a plan impossible."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from opscheck.calendar import WEEK

if TYPE_CHECKING:
    from opscheck.planning.model import Group
    from opscheck.planning.problem import Problem

# the rule a conflict is named after: the one a person would change first
ORDER = ("ONC005", "HOL001", "HOL002", "ONC001", "ONC006", "ONC004")
WHY = {"ONC004:off": "on time off", "ONC004:team": "not on the team (joined, left)",
       "ONC006": "on call in another rotation"}


class Infeasible(Exception):
    """No plan keeps the rules: the rule that blocks, the week where, and why."""

    def __init__(self, rule: str, week: dt.date, message: str) -> None:
        super().__init__(message)
        self.rule, self.week, self.message = rule, week, message

    def __str__(self) -> str:
        return f"no plan: {self.rule} blocks the week of {self.week}: {self.message}"


class TimedOut(Exception):
    """The solver stopped at the time limit before finding a plan or proving there is none."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            f"stopped at the time limit of {seconds:g} s before finding a plan or proving that none exists; "
            "run again with a larger --time-limit or a nearer --until")


def nobody(problems: list[Problem]) -> Infeasible | None:
    """A week that no member can take at all, whatever else happens: the plainest conflict there is."""
    for prob in problems:
        for i, week in enumerate(prob.weeks):
            if all((m, i) in prob.blocked for m in prob.members):
                why: dict[str, list[str]] = defaultdict(list)
                for m in prob.members:
                    why[WHY[prob.blocked[(m, i)]]].append(m)
                away = "; ".join(f"{', '.join(who)} {reason}" for reason, who in why.items())
                rule = "ONC006" if all(prob.blocked[(m, i)] == "ONC006" for m in prob.members) else "ONC004"
                return Infeasible(rule, week, f"nobody can take it: {away}")
    return None


def describe(problems: list[Problem], groups: list[Group]) -> Infeasible:
    by_rid = {p.rid: p for p in problems}
    if not groups:
        prob = problems[0]
        return Infeasible("ONC004", prob.weeks[0], f"rotation '{prob.rid}' has nobody who can be scheduled")
    groups = sorted(groups, key=lambda g: (ORDER.index(g.rule), g.rotation, g.year or 0, g.member or ""))
    head = groups[0]
    prob = by_rid[head.rotation]
    years = {g.year for g in groups if g.year is not None}
    week = _first_week(prob, head.year) if head.member is None else _blocked_weeks(prob, head, years)[0]
    parts = [_part(by_rid[g[0]], rule, items, years) for (g, rule), items in _by_rule(groups).items()]
    rotations = sorted({g.rotation for g in groups})
    where = f"'{rotations[0]}'" if len(rotations) == 1 else ", ".join(f"'{r}'" for r in rotations)
    return Infeasible(head.rule, week, f"no schedule of {where} keeps these together: " + "; ".join(parts))


def _blocked_weeks(prob: Problem, group: Group, years: set[int]) -> list[dt.date]:
    """The weeks a member's group keeps them out of, within the conflict's years if it has any."""
    found = [prob.weeks[i] for (m, i), why in sorted(prob.blocked.items(), key=lambda kv: kv[0][1])
             if m == group.member and why.split(":")[0] == group.rule]
    narrowed = [w for w in found if w.year in years]
    return narrowed or found or [prob.weeks[0]]


def _first_week(prob: Problem, year: int | None) -> dt.date:
    return next((w for w in prob.weeks if year is None or w.year == year), prob.weeks[0])


def _by_rule(groups: list[Group]) -> dict[tuple[tuple[str], str], list[Group]]:
    out: dict[tuple[tuple[str], str], list[Group]] = defaultdict(list)
    for g in groups:
        out[((g.rotation,), g.rule)].append(g)
    return out


def _part(prob: Problem, rule: str, items: list[Group], years: set[int]) -> str:
    lim = prob.lim
    if rule == "ONC005":
        return "; ".join(_balance(prob, g.year or 0) for g in items)
    if rule == "HOL001":
        return ", ".join(f"HOL001 holiday counts of {g.year} within {lim.holiday_spread}" for g in items)
    if rule == "HOL002":
        return ", ".join(f"HOL002 nobody covers {g.holiday} in {(g.year or 1) - 1} and {g.year}" for g in items)
    if rule == "ONC001":
        reach = [(prob.weeks[0] - WEEK * k, prob.before[-k]) for k in range(lim.min_gap_weeks, 0, -1)
                 if k <= len(prob.before) and prob.before[-k]]
        after = f" (after the published weeks {', '.join(f'{w} {e}' for w, e in reach)})" if reach else ""
        return f"ONC001 min_gap_weeks {lim.min_gap_weeks}{after}"
    out = []
    for g in items:
        weeks = _blocked_weeks(prob, g, years)
        why = WHY[next(w for (m, _), w in prob.blocked.items() if m == g.member and w.split(":")[0] == rule)]
        out.append(f"{rule} {g.member} {why} the weeks of {_ranges(weeks)}")
    return ", ".join(out)


def _ranges(weeks: list[dt.date]) -> str:
    runs: list[list[dt.date]] = []
    for w in sorted(set(weeks)):
        if runs and w == runs[-1][-1] + WEEK:
            runs[-1].append(w)
        else:
            runs.append([w])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]} to {r[-1]}" for r in runs)


def _balance(prob: Problem, year: int) -> str:
    """ONC005 in ``year``, with what each member has and can still take: numbers anyone can check."""
    new = [i for i, w in enumerate(prob.weeks) if w.year == year]
    shares = prob.shift_years.get(year, {})
    fixed: Counter[str] = prob.fixed_shifts.get(year, Counter())
    room = ", ".join(f"{m} {fixed.get(m, 0)} + at most {_most(prob, m, new)}"
                     + ("" if shares[m] == 1 else f" (member {float(shares[m]) * 100:.0f}% of the year)")
                     for m in shares)
    return (f"ONC005 shift counts of {year} within {prob.lim.shift_spread} over its {len(new)} weeks left to plan "
            f"(published + the most each can take around time off and min_gap_weeks: {room})")


def _most(prob: Problem, member: str, weeks: list[int]) -> int:
    """The most of ``weeks`` one member can take alone: earliest free week first is optimal on a line."""
    step = prob.lim.min_gap_weeks + 1
    last = None
    for k, engineer in enumerate(reversed(prob.before)):
        if engineer == member:
            last = -1 - k
            break
    taken = 0
    for i in weeks:
        if (member, i) in prob.blocked or (last is not None and i - last < step):
            continue
        taken += 1
        last = i
    return taken
