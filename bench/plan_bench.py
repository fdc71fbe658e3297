#!/usr/bin/env python3
"""Plan five years for every rotation of a large organisation, in one process, with the exact planner.

    plan_bench.py [--years N] [--time-limit S] [--rotations N] [--keep DIR]

Builds the make_org organisation (50 rotations of 6, 2,000 pipelines) with one year of
published shifts, loads it once, then plans N years (default 5) beyond the published weeks of
each rotation the way `opscheck schedule plan --all` does (each rotation is a group of its
own: nobody is in two), every plan checked by the real rules. Prints the time per rotation
(median and slowest), how many plans the solver proved the fairest within --time-limit, and
the fairness of the result. make_org.py is found as orgs.py finds it (../shared/bench/make_org.py
beside the repository, or $OPSCHECK_MAKE_ORG).

The functions are importable: `build(root)`, `run(root, ...)`, `report(result)`, and `main(argv)`
for bench/run.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from orgs import make_org

START = dt.date(2025, 1, 6)


def build(root: Path, years: int = 1) -> None:
    """The organisation with ``years`` of published shifts from START."""
    make_org(root, "--years", str(years), "--start", str(START))


@dataclass
class Result:
    rotations: int = 0
    weeks: int = 0
    overrides: int = 0
    proven: int = 0
    until: dt.date = START
    load: float = 0.0
    times: list[float] = field(default_factory=list)  # seconds per rotation
    shift_scores: list[float] = field(default_factory=list)  # balance score over the whole schedule
    holiday_scores: list[float] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # rotations without a plan, and why


def run(root: Path, years: int = 5, time_limit: float = 5.0, limit: int | None = None) -> Result:
    """Plan ``years`` beyond the published weeks for each rotation (the first ``limit`` of them)."""
    from opscheck import dataset, engine
    from opscheck.planning import planner
    from opscheck.planning.explain import Infeasible, TimedOut
    from opscheck.planning.fairness import figures
    from opscheck.settings import load_policy

    began = time.perf_counter()
    policy = load_policy(root, engine.BUILTIN)
    ds = dataset.load(root, START)
    out = Result(load=time.perf_counter() - began)
    out.until = (ds.horizon or START) + dt.timedelta(weeks=52 * years)
    for rid in list(ds.rotations)[:limit]:
        began = time.perf_counter()
        out.rotations += 1
        try:
            (plan,) = planner.plan(ds, policy, [rid], out.until, time_limit)
        except (Infeasible, TimedOut) as exc:
            out.times.append(time.perf_counter() - began)
            out.failed.append(f"{rid}: {exc}")
            continue
        out.times.append(time.perf_counter() - began)
        out.weeks += len(plan.shifts)
        out.overrides += len(plan.overrides)
        out.proven += plan.optimal
        fair = figures(ds, plan.extended)
        out.shift_scores.append(fair.score("shifts"))
        out.holiday_scores.append(fair.score("holidays"))
    return out


def report(result: Result, time_limit: float) -> str:
    times = result.times or [0.0]
    return "\n".join([
        f"rotations:        {result.rotations}, planned through {result.until}",
        f"planned:          {result.weeks} weeks, {result.overrides} holiday overrides",
        f"load:             {result.load:.2f} s (once)",
        f"per rotation:     median {statistics.median(times):.2f} s, slowest {max(times):.2f} s "
        f"(--time-limit {time_limit:g} s)",
        f"total planning:   {sum(times):.1f} s",
        f"proven fairest:   {result.proven} of {result.rotations} within the time limit "
        "(every plan keeps every rule either way)",
        f"balance score:    shifts {min(result.shift_scores, default=1):.2f} to "
        f"{max(result.shift_scores, default=1):.2f}, holidays {min(result.holiday_scores, default=1):.2f} to "
        f"{max(result.holiday_scores, default=1):.2f} over the whole schedule",
        f"without a plan:   {len(result.failed)}", *(f"  {line}" for line in result.failed),
    ])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--years", type=int, default=5, help="years (of 52 weeks) to plan beyond the published ones")
    ap.add_argument("--time-limit", type=float, default=5.0, help="solver seconds per rotation (as the command)")
    ap.add_argument("--rotations", type=int, help="plan only the first N rotations")
    ap.add_argument("--keep", type=Path, help="build the organisation here and keep it")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        build(root)
        result = run(root, args.years, args.time_limit, args.rotations)
    print(report(result, args.time_limit))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
