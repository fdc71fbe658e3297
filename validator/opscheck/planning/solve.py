"""Solve a model stage by stage; name a conflict when there is no plan; say so when time ran out."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

from opscheck.planning.explain import ORDER, Infeasible, TimedOut, describe, nobody
from opscheck.planning.model import Group, Model
from opscheck.planning.problem import Problem

SEED = 7
PORTFOLIO = 8  # workers racing different strategies: far better plans in the same time than one
FINAL_SHARE = 1.0  # the last, deterministic search gets as much time as one stage


@dataclass
class Solution:
    engineers: dict[str, list[str]] = field(default_factory=dict)  # rotation -> engineer of each new week
    covers: dict[str, dict[int, str]] = field(default_factory=dict)  # rotation -> slot -> engineer
    optimal: bool = True


def _solver(seconds: float, workers: int = PORTFOLIO) -> Any:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(seconds, 0.05)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = SEED
    return solver


def solve(problems: list[Problem], seconds: float, time_limit: float) -> Solution:
    """The best plan within ``seconds`` (this group's share of the run's ``time_limit``);
    Infeasible or TimedOut otherwise.

    A first plan is searched for without any objective (it stops at the first one found, so it
    may use the whole limit without wasting it): "no plan" and "out of time" are decided there,
    on the rules alone. Each fairness stage then starts from the best plan so far and keeps it
    if its share of the time runs out; past the deadline the stages left are not searched.
    """
    deadline = time.monotonic() + seconds
    model = Model(problems)
    _greedy_hint(model)
    solver = _first_plan(problems, model, deadline, seconds, time_limit)
    optimal = True
    for n, (_, objective, weight) in enumerate(model.stages):
        if time.monotonic() >= deadline:
            optimal = False
            break
        _hint(model, solver)
        model.cp.minimize(objective)
        later = sum(w for _, _, w in model.stages[n:]) + FINAL_SHARE
        trial = _solver((deadline - time.monotonic()) * weight / later)
        status = trial.solve(model.cp)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            solver = trial
        optimal = optimal and status == cp_model.OPTIMAL
        model.cp.add(objective <= round(solver.value(objective)))
    return _read(model, (_canonical(model, deadline) if optimal else None) or solver, optimal)


def _first_plan(problems: list[Problem], model: Model, deadline: float, seconds: float, time_limit: float) -> Any:
    """Any plan at all: deciding "no plan" or "out of time" on the rules alone."""
    solver = _solver(deadline - time.monotonic())
    status = solver.solve(model.cp)
    if status == cp_model.INFEASIBLE:
        raise conflict(problems, max(deadline - time.monotonic(), seconds / 2))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise TimedOut(time_limit)
    return solver


def _canonical(model: Model, deadline: float) -> Any:
    """The plan one worker with a fixed seed finds within the bounds the stages reached.

    The racing workers of the stages may settle on different plans of equal fairness from run to
    run; this last search depends only on the data and those bounds, so when every stage was
    solved to the optimum (the only time it runs) the same data always gives the same plan.
    """
    model.cp.clear_hints()  # type: ignore[no-untyped-call]
    model.cp.clear_objective()  # type: ignore[no-untyped-call]
    solver = _solver(deadline - time.monotonic(), workers=1)
    return solver if solver.solve(model.cp) in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None


def _greedy_hint(model: Model) -> None:
    """A first guess for the solver: each week to the free, rested member with the fewest shifts that year.

    It may break a rule (balance, another rotation); the solver repairs it, far faster than it
    finds a first plan from nothing on a long horizon.
    """
    for p, prob in enumerate(model.problems):
        last = {m: -len(prob.before) + k for k, m in enumerate(prob.before) if m}
        counts: dict[tuple[str, int], int] = {}
        step = prob.lim.min_gap_weeks + 1
        for i, week in enumerate(prob.weeks):
            free = [m for m in prob.members if (p, m, i) in model.x]
            rested = [m for m in free if i - last.get(m, -10**6) >= step] or free
            pick = min(rested, key=lambda m: (counts.get((m, week.year), 0), last.get(m, -10**6)), default=None)
            for m in free:
                model.cp.add_hint(model.x[(p, m, i)], m == pick)
            if pick is not None:
                last[pick] = i
                counts[(pick, week.year)] = counts.get((pick, week.year), 0) + 1


def _hint(model: Model, solver: Any) -> None:
    model.cp.clear_hints()  # type: ignore[no-untyped-call]
    for var in [*model.x.values(), *model.y.values()]:
        model.cp.add_hint(var, solver.value(var))


def _read(model: Model, solver: Any, optimal: bool) -> Solution:
    out = Solution(optimal=optimal)
    for p, prob in enumerate(model.problems):
        out.engineers[prob.rid] = [
            next(m for m in prob.members if (p, m, i) in model.x and solver.value(model.x[(p, m, i)]))
            for i in range(len(prob.weeks))
        ]
        out.covers[prob.rid] = {h: m for (q, h, m), var in model.y.items() if q == p and solver.value(var)}
    return out


class _OutOfTime(Exception):
    pass


def conflict(problems: list[Problem], seconds: float) -> Infeasible:
    """A minimal set of rule groups that cannot hold together (QuickXplain over whole-model solves).

    Each check solves the model with only some groups, with presolve, which proves a conflict far
    faster than assumption literals would. If the time runs out first, every group is named.
    """
    unstaffed = nobody(problems)
    if unstaffed is not None:
        return unstaffed
    deadline = time.monotonic() + seconds
    groups = sorted(Model(problems, only=set()).seen, key=_preferred)
    try:
        core = _explain(problems, [], False, groups, deadline)
    except _OutOfTime:
        core = groups
    return describe(problems, core)


def _preferred(group: Group) -> tuple[int, str, int, str, str]:
    """Groups worth naming first: a conflict is told through the rules a person would rather change."""
    return (ORDER.index(group.rule), group.rotation, group.year or 0, group.holiday or "", group.member or "")


def _explain(problems: list[Problem], kept: list[Group], added: bool, todo: list[Group],
             deadline: float) -> list[Group]:
    """QuickXplain: the fewest of ``todo`` that with ``kept`` cannot hold (favouring the first ones)."""
    if added and _impossible(problems, kept, deadline):
        return []
    if len(todo) == 1:
        return list(todo)
    half = len(todo) // 2
    first, second = todo[:half], todo[half:]
    later = _explain(problems, kept + first, bool(first), second, deadline)
    earlier = _explain(problems, kept + later, bool(later), first, deadline)
    return earlier + later


def _impossible(problems: list[Problem], groups: list[Group], deadline: float) -> bool:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _OutOfTime
    solver = _solver(left)
    status = solver.solve(Model(problems, only=set(groups)).cp)
    if status not in (cp_model.INFEASIBLE, cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise _OutOfTime
    return bool(status == cp_model.INFEASIBLE)
