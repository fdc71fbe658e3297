#!/usr/bin/env python3
"""Time `opscheck schedule plan` for every rotation of a large organisation.

    plan_bench.py [--years N] [--keep DIR]

Builds the make_org organisation (50 rotations of 6, 2,000 pipelines) with one year of
published shifts using ../shared/bench/make_org.py (see orgs.py), loads it
once, then plans N years (default 5) beyond the published weeks of all 50 rotations, each plan checked by the real
rules as `opscheck schedule plan` does, and prints the total time, weeks and overrides.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from orgs import make_org

START = dt.date(2025, 1, 6)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=int, default=5, help="years (of 52 weeks) to plan beyond the published ones")
    ap.add_argument("--keep", type=Path, help="build the organisation here and keep it")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        make_org(root, "--years", "1", "--start", str(START))
        from opscheck import dataset, engine, schedule
        from opscheck.settings import load_policy

        began = time.perf_counter()
        policy = load_policy(root, engine.BUILTIN)
        ds = dataset.load(root, START)
        loaded = time.perf_counter()
        until = (ds.horizon or START) + dt.timedelta(weeks=52 * args.years)
        weeks = overrides = 0
        for rid in ds.rotations:
            plan = schedule.plan(ds, policy, rid, until)
            weeks += len(plan.shifts)
            overrides += len(plan.overrides)
        done = time.perf_counter()
    print(f"rotations:  {len(ds.rotations)}")
    print(f"planned:    {weeks} weeks, {overrides} holiday overrides, through {until}")
    print(f"load:       {loaded - began:.2f} s")
    print(f"plan:       {done - loaded:.2f} s ({(done - loaded) / len(ds.rotations) * 1000:.0f} ms per rotation)")
    print(f"total:      {done - began:.2f} s (target: under 10 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
