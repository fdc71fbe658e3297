"""Plan one or several rotations: build the problems, solve, and check the result with the real rules."""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from dataclasses import dataclass

from opscheck.budget import OutOfWork
from opscheck.dataset import Dataset
from opscheck.errors import ConfigError
from opscheck.findings import Finding
from opscheck.models import FIRST_YEAR, LAST_YEAR, Override, Rotation, Shift
from opscheck.planning import find_rotation
from opscheck.planning.explain import Infeasible, TimedOut
from opscheck.planning.problem import (
    MAX_CHOICES,
    Limits,
    Problem,
    build,
    busy_time,
    default_until,
    latest_until,
    limits,
    new_weeks,
)
from opscheck.rules import BY_ID
from opscheck.settings import Policy

# The rules a plan must keep; ONC003 is what planning fixes, so it is not among them.
PLAN_RULES = ("ONC001", "ONC002", "ONC004", "ONC005", "ONC006", "HOL001", "HOL002")
PAIR_RULES = ("ONC006",)  # those judging two rotations together; the others judge each on its own
TIME_LIMIT = 5.0  # seconds, the default of --time-limit: for the search of a whole run
MIN_SHARE = 0.5  # seconds a group may search at least while the run has them: the solver's start-up is tens of ms


@dataclass(frozen=True)
class Plan:
    rotation: Rotation  # as published
    extended: Rotation  # with the plan appended
    shifts: tuple[Shift, ...]
    overrides: tuple[Override, ...]
    until: dt.date
    optimal: bool = True  # False when the time limit stopped the search for a fairer plan


def plan(ds: Dataset, policy: Policy, rotation_ids: list[str], until: dt.date | None = None,
         time_limit: float = TIME_LIMIT) -> list[Plan]:
    """Extend each rotation through ``until``; raise Infeasible when no plan keeps the rules.

    Rotations that share people are planned together, so that nobody is on call in two at once.
    The search of the whole run takes at most ``time_limit`` seconds: each group (or rotation
    alone) is given the time left in proportion to its share of the choices left (at least
    MIN_SHARE); a group that finishes early leaves its time to the next.
    """
    deadline = time.monotonic() + time_limit
    rotations = [find_rotation(ds, rid) for rid in dict.fromkeys(rotation_ids)]
    lim = limits(policy)
    until = until or default_until(ds.as_of, lim)
    if until > latest_until(ds.as_of):
        raise ConfigError(f"--until {until} is more than 10 years after as-of ({latest_until(ds.as_of)}); "
                          "plan a nearer horizon, and extend it again later")
    for rot in rotations:
        _within_reach(rot, until)
    if until.year > LAST_YEAR:  # the default horizon from a late as-of: no file could hold such a week
        raise ConfigError(f"a plan through {until} reaches past the years opscheck reads ({FIRST_YEAR} to "
                          f"{LAST_YEAR}); plan through {LAST_YEAR}-12-31 at the latest (--until)")
    # others' published time only matters to the weeks a plan fills, and only for its members
    people = {m for rot in rotations if new_weeks(ds, rot, until)[0] for m in rot.members}
    busy = busy_time(ds, people)
    problems: dict[str, Problem] = {}
    left = MAX_CHOICES
    for rot in rotations:
        problems[rot.id] = prob = build(ds, rot, lim, until, busy, room=left)
        left -= prob.choices
    plans: dict[str, Plan] = {}
    todo = MAX_CHOICES - left
    for group in _together(list(problems.values())):
        size = sum(p.choices for p in group)
        left_s = deadline - time.monotonic()
        if size and left_s <= 0:
            raise TimedOut(time_limit)
        seconds = min(left_s, max(left_s * size / todo, MIN_SHARE)) if size else 0.0
        plans.update(_solve(ds, group, until, seconds, time_limit))
        todo -= size
    result = [plans[rot.id] for rot in rotations]
    verify(ds, policy, result)
    return result


def _within_reach(rot: Rotation, until: dt.date) -> None:
    """Refuse to fill more than 10 years of weeks after the last published one in one plan.

    The --until bound is relative to as-of, so an as-of far past the schedule's end would
    otherwise ask the solver for thousands of years of weeks.
    """
    last = max((s.week for s in rot.shifts), default=None)
    if last is not None and until > latest_until(last):
        raise ConfigError(f"rotation '{rot.id}' is published through the week of {last}; a plan through {until} "
                          f"would fill more than 10 years of weeks at once; plan through {latest_until(last)} "
                          "at the latest (--until), and extend it again later")


def _together(problems: list[Problem]) -> list[list[Problem]]:
    """Rotations linked by shared members (directly or through others), each group in the given order."""
    root = list(range(len(problems)))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    first_with: dict[str, int] = {}
    for i, prob in enumerate(problems):
        for m in prob.members:
            j = first_with.setdefault(m, i)
            root[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(problems)):
        groups.setdefault(find(i), []).append(i)
    return [[problems[i] for i in g] for g in sorted(groups.values(), key=lambda g: g[-1])]


def _solve(ds: Dataset, group: list[Problem], until: dt.date, seconds: float, limit: float) -> dict[str, Plan]:
    todo = [p for p in group if p.weeks]
    out = {p.rid: Plan(p.rotation, p.rotation, (), (), until) for p in group if not p.weeks}
    for prob in todo:
        if not prob.members:
            raise Infeasible("ONC004", prob.weeks[0], f"rotation '{prob.rid}' has no active member to schedule")
    if not todo:
        return out
    from opscheck.planning.model import MAX_CLASHES
    from opscheck.planning.solve import solve  # the solver library: only when there are weeks to fill

    try:
        solution = solve(todo, seconds, limit)
    except OutOfWork:
        names = ", ".join(f"'{p.rid}'" for p in todo[:3]) + (f" and {len(todo) - 3:,} more" if len(todo) > 3 else "")
        raise ConfigError(f"rotations {names} share people, so they are planned together, and where they overlap "
                          f"takes more than the planner's {MAX_CLASHES:,} steps to work out; plan fewer rotations "
                          "at once, or a nearer --until") from None
    for prob in todo:
        shifts = tuple(Shift(week=w, engineer=e) for w, e in zip(prob.weeks, solution.engineers[prob.rid], strict=True))
        relieved: dict[dt.date, tuple[str, list[str]]] = {}  # one override a day, naming each of its holidays
        for h, engineer in sorted(solution.covers[prob.rid].items()):
            slot = prob.slots[h]
            if slot.week is not None and engineer != shifts[slot.week].engineer:
                hol = slot.holiday
                relieved.setdefault(hol.date, (engineer, []))[1].append(f"{hol.name} {hol.year}")
        overrides = [Override(date=day, engineer=engineer, reason=f"{' and '.join(names)} per the holiday rotation")
                     for day, (engineer, names) in relieved.items()]
        rot = prob.rotation
        extended = rot.model_copy(update={"shifts": [*rot.shifts, *shifts], "overrides": [*rot.overrides, *overrides]})
        out[prob.rid] = Plan(rot, extended, shifts, tuple(overrides), until, solution.optimal)
    return out


def verify(ds: Dataset, policy: Policy, plans: list[Plan]) -> None:
    """Run the real rules on the extended rotations; any error the plans add makes them no plan."""
    if not any(p.shifts or p.overrides for p in plans):
        return  # the data as published: nothing added, so no error added
    extended = {p.rotation.id: p.extended for p in plans}
    judged = _judged_with(ds, list(extended.values()))
    before = set(_errors(ds, policy, judged, {}, located=False))
    if set(_errors(ds, policy, judged, extended, located=False)) <= before:
        return
    # an error added: the first of them in the order of one report, which is by place
    for rule, message in _errors(ds, policy, judged, extended, located=True):
        if (rule, message) not in before:
            first = next((p.shifts[0].week for p in plans if p.shifts), ds.as_of)
            raise Infeasible(rule, first, f"the plan would break {rule}: {message}")


def _judged_with(ds: Dataset, extended: list[Rotation]) -> dict[str, set[str]]:
    """For each of the plan's rules, the rotations whose findings a plan of ``extended`` can
    change. The rules judge each rotation on its own, so only the planned ones; ONC006 judges a
    pair that names the same person, so those and every rotation that names one of their
    people. The others' findings are the same with or without the plan; leaving them out of
    both runs (of a large organisation nearly all; of 41,000 rotations sharing five people,
    all but one for every rule but ONC006) changes no error the plan adds."""
    people = {e for rot in extended for e in _named(rot)}
    planned = {rot.id for rot in extended}
    pairs = {rid for rid, rot in ds.rotations.items() if rid in planned or not people.isdisjoint(_named(rot))}
    return {rule: pairs if rule in PAIR_RULES else planned for rule in PLAN_RULES}


def _named(rot: Rotation) -> set[str]:
    return {s.engineer for s in rot.shifts} | {o.engineer for o in rot.overrides}


def _errors(ds: Dataset, policy: Policy, judged: dict[str, set[str]], replaced: dict[str, Rotation],
            located: bool) -> list[tuple[str, str]]:
    """The errors of the plan's rules, each run on the rotations it judges, in the order of one
    report (by place only when ``located``: where a finding is costs reading the text again)."""
    from opscheck import engine

    findings: list[Finding] = []
    for kept in {frozenset(k) for k in judged.values()}:
        rotations = {rid: replaced.get(rid, rot) for rid, rot in ds.rotations.items() if rid in kept}
        trial = dataclasses.replace(ds, rotations=rotations)
        rules = [BY_ID[r] for r in PLAN_RULES if judged[r] == kept]
        findings += engine.run(trial, policy, rules, located).findings
    findings.sort(key=Finding.sort_key)
    return [(f.rule, f.message) for f in findings if f.severity == "error" and not f.waived]


__all__ = ["Infeasible", "Limits", "Plan", "limits", "plan"]
