#!/usr/bin/env python3
"""Every performance target of opscheck, measured in one run: `python bench/run.py`.

    python bench/run.py [--repeat N] [--skip-audit] [--keep DIR] [--only TEXT] [--skip-hostile | --only-hostile]

Builds the organisations it needs (orgs.py: the make_org organisation, the same with 40 weeks
of time off per engineer, with every engineer renamed, with 446 committed versions of
oncall.yaml, with one rotation of 30,000 weekly shifts, and a 1,000-commit history from
audit_bench.py), byte-compiles opscheck as an installed copy is, then runs each command and the
floor or peer it is held to alternately in the same run, whole processes as a user runs them,
and prints the median wall time, the ratio, the target and the peak memory of each. Then every
command on each hostile input of hostile.py (each file a pull request controls, at the 10 MiB
file limit, clean and with a mistake in every entry), held to the bound the SPEC sets for any
input: at most 10 s and 500 MiB, exit 0, 1 or 2, no traceback (once each: `--hostile-repeat N`).
The benchmarks of other parts (plan_bench.py, dbt_manifest.py) run after, when present.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from orgs import REPO, START, make_org, with_history, with_renamed_engineers, with_time_off, with_weeks

BIN = Path(sys.executable).parent
OPSCHECK = str(BIN / "opscheck")
AS_OF = START.isoformat()
SEED_AS_OF = "2026-11-26"
COMPOSE = """
import sys, yaml
from pathlib import Path
root = Path(sys.argv[1]) / "ops-data"
for path in sorted(root.glob("*.yaml")):
    yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
for path in sorted(root.glob("runbooks/**/*.md")):
    yaml.compose(path.read_text(encoding="utf-8").split("---\\n", 2)[1], Loader=yaml.CSafeLoader)
"""


@dataclass
class Case:
    """A command held to a target: against a peer (ratio) or on its own (seconds, with no peer)."""

    name: str
    cmd: list[str]
    target: float
    peer_name: str = ""
    peer: list[str] | None = None
    cwd: Path | None = None
    mib_target: float | None = None
    walls: list[float] = field(default_factory=list)
    peer_walls: list[float] = field(default_factory=list)
    peak: int = 0

    def row(self) -> str:
        ours = statistics.median(self.walls)
        mib = f"{self.peak:5d}" + (f" (<= {self.mib_target:.0f})" if self.mib_target else "")
        if self.peer is None:
            ok = ours <= self.target and (self.mib_target is None or self.peak <= self.mib_target)
            return (f"| {self.name} | {ours:.2f} s | - | - | <= {self.target:g} s | {mib} | "
                    f"{'yes' if ok else 'NO'} |")
        theirs = statistics.median(self.peer_walls)
        ratio = ours / theirs
        ok = ratio <= self.target and (self.mib_target is None or self.peak <= self.mib_target)
        return (f"| {self.name} | {ours:.2f} s | {self.peer_name}: {theirs:.2f} s | {ratio:.2f}x | "
                f"<= {self.target:g}x | {mib} | {'yes' if ok else 'NO'} |")


def timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MiB) of one process; it must exit 0 or 1."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        err = proc.stderr.read().decode() if proc.stderr else ""
        raise SystemExit(f"{' '.join(cmd)} exited {code}: {err}")
    return wall, usage.ru_maxrss // 1024


def compiled() -> None:
    """Byte-compile opscheck as pip does when it installs a wheel: an editable install run with
    PYTHONDONTWRITEBYTECODE set would compile every module from source in every timed run (about
    50 ms of a small validate), which no installed copy does."""
    import compileall

    import opscheck

    compileall.compile_dir(str(Path(opscheck.__file__).parent), quiet=1)


def measure(cases: list[Case], repeat: int) -> None:
    """Each case and its peer alternately, ``repeat`` times, so both see the same machine."""
    for _ in range(repeat):
        for case in cases:
            wall, mib = timed(case.cmd, case.cwd)
            case.walls.append(wall)
            case.peak = max(case.peak, mib)
            if case.peer is not None:
                case.peer_walls.append(timed(case.peer, case.cwd)[0])


def validate(root: Path, as_of: str = AS_OF) -> list[str]:
    return [OPSCHECK, "validate", "--root", str(root), "--as-of", as_of, "--format", "json", "--output", os.devnull]


def compose(root: Path) -> list[str]:
    """The floor: every data file through yaml.compose with the C loader, the collector on."""
    return [sys.executable, "-c", COMPOSE, str(root)]


ORGS = ("large", "time_off", "renamed", "history", "weeks", "audit")


def build(work: Path, skip_audit: bool) -> None:
    """The organisations, each in a folder of ``work`` (one already there is kept)."""
    if not (work / "large").is_dir():
        make_org(work / "large")
    for name, change in (("time_off", with_time_off), ("renamed", with_renamed_engineers),
                         ("history", with_history), ("weeks", with_weeks)):
        if not (work / name).is_dir():
            shutil.copytree(work / "large", work / name)
            change(work / name)
    if not skip_audit and not (work / "audit").is_dir():
        import audit_bench

        audit_bench.build(work / "audit", 1000)


def built(work: Path, skip_audit: bool) -> dict[str, Path]:
    """The organisations, built in a process of their own: a child started from this one would
    count this process's memory (the audit history is built in memory) in its own peak."""
    subprocess.run([sys.executable, __file__, "--build-only", str(work), *(["--skip-audit"] * skip_audit)],
                   check=True)
    return {name: work / name for name in ORGS if (work / name).is_dir() and not (skip_audit and name == "audit")}


def cases(orgs: dict[str, Path]) -> list[Case]:
    large = orgs["large"]
    who = [OPSCHECK, "who", "--root", str(large), "--at", f"{AS_OF}T10:00Z"]
    found = [
        Case("seed validate", validate(REPO, SEED_AS_OF), 1.0, "yamllint -d relaxed",
             [str(BIN / "yamllint"), "-d", "relaxed", "ops-data", "policies"], cwd=REPO),
        Case("large validate", validate(large), 1.2, "compose floor", compose(large), mib_target=100),
        Case("who --at", who, 0.5),
        Case("report", [OPSCHECK, "report", "--root", str(large)], 1.0, "validate", validate(large)),
        Case("schedule ics", [OPSCHECK, "schedule", "ics", "--root", str(large), "--rotation", "team-000"], 1.0,
             "validate", validate(large)),
        Case("schedule plan, one rotation", [OPSCHECK, "schedule", "plan", "--root", str(large), "--rotation",
                                             "team-000", "--as-of", AS_OF], 1.0, "validate", validate(large)),
        Case("schedule ics, 446 versions", [OPSCHECK, "schedule", "ics", "--root", str(orgs["history"]),
                                            "--rotation", "team-000"], 3.0),
        Case("schedule ics, 30,000 weekly shifts", [OPSCHECK, "schedule", "ics", "--root", str(orgs["weeks"]),
                                                    "--rotation", "team-000"], 10.0, mib_target=500),
        Case("validate, 40 time-off ranges each", validate(orgs["time_off"]), 1.5, "validate", validate(large)),
        Case("validate, 21,250 unknown references", validate(orgs["renamed"]), 2.0, "validate", validate(large)),
    ]
    if "audit" in orgs:
        found.append(Case("audit, 1,000 commits", [OPSCHECK, "audit", "--root", str(orgs["audit"]), "--format",
                                                   "json"], 3.0, "git log -p",
                          ["git", "-C", str(orgs["audit"]), "log", "-p", "--first-parent", "--", "ops-data"]))
    return found


@dataclass
class Run:
    """One run of a command on a hostile input."""

    wall: float
    cpu: float
    mib: int
    code: int


def run_once(cmd: list[str]) -> Run:
    """Wall and CPU seconds, peak memory and exit code of one process; a traceback stops the benchmark."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        err.seek(0)
        said = err.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1, 2) or "Traceback" in said:
        raise SystemExit(f"{' '.join(cmd)} exited {code}: {said[-2000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, code)


def hostile_inputs(work: Path, repeat: int, names: list[str]) -> None:
    """Every command on each hostile input (``names``, or all), built in a process of its own (see ``built``)."""
    import hostile

    folder = work / "hostile"
    names = names or list(hostile.NAMES)
    subprocess.run([sys.executable, str(Path(__file__).with_name("hostile.py")), str(folder), *names], check=True)
    print(f"\n## Hostile inputs: one file at the 10 MiB limit each (hostile.py), median of {repeat}; "
          f"load average {load()} before\n")
    print("| input | command | median | CPU | peak MiB | exit | met (<= 10 s, <= 500 MiB) |")
    print("|---|---|---|---|---|---|---|")
    for name in names:
        for command, cmd in hostile.commands(OPSCHECK, folder / name).items():
            runs = [run_once(cmd) for _ in range(repeat)]
            wall = statistics.median(r.wall for r in runs)
            mib = max(r.mib for r in runs)
            ok = wall <= hostile.SECONDS and mib <= hostile.MIB
            print(f"| {name} | {command} | {wall:.2f} s | {statistics.median(r.cpu for r in runs):.2f} s | "
                  f"{mib} | {runs[0].code} | {'yes' if ok else 'NO'} |", flush=True)
    print(f"\nload average {load()} after")


def load() -> str:
    """The 1, 5 and 15 minute load averages, as `uptime` shows them."""
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def others(org: Path, repeat: int) -> None:
    """The benchmarks other parts keep in bench/, when present: each takes argv like its command line."""
    for name, argv in (("plan_bench", []), ("dbt_manifest", ["--repeat", str(repeat), "--org", str(org)])):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        main = getattr(module, "main", None)
        if main is None:
            continue
        print(f"\n## {name}.py\n", flush=True)
        if inspect.signature(main).parameters:
            main(argv)
        else:  # an entry point that reads sys.argv
            saved, sys.argv = sys.argv, [name, *argv]
            try:
                main()
            finally:
                sys.argv = saved


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5, help="runs of each command and its peer (median shown)")
    ap.add_argument("--skip-audit", action="store_true", help="leave out the 1,000-commit audit (slow to build)")
    ap.add_argument("--skip-others", action="store_true", help="leave out plan_bench.py and dbt_manifest.py")
    ap.add_argument("--only", action="append", metavar="TEXT",
                    help="run only the commands whose name holds TEXT (repeatable), e.g. --only audit")
    ap.add_argument("--skip-hostile", action="store_true", help="leave out the hostile 10 MiB inputs")
    ap.add_argument("--only-hostile", action="store_true", help="only the hostile 10 MiB inputs")
    ap.add_argument("--hostile-repeat", type=int, default=1, help="runs of each command on each hostile input")
    ap.add_argument("--hostile-input", action="append", default=[], metavar="NAME",
                    help="only this hostile input (repeatable; see hostile.py)")
    ap.add_argument("--keep", type=Path, help="build the organisations here (or reuse them) and keep them")
    ap.add_argument("--build-only", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.build_only:
        build(args.build_only, args.skip_audit)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        compiled()
        if args.only_hostile:
            hostile_inputs(work, args.hostile_repeat, args.hostile_input)
            return 0
        orgs = built(work, args.skip_audit)
        todo = [c for c in cases(orgs) if not args.only or any(text in c.name for text in args.only)]
        before = load()
        measure(todo, args.repeat)
        after = load()
        print(f"opscheck performance, median of {args.repeat} paired runs; load average {before} before, "
              f"{after} after; {os.cpu_count()} CPUs\n")
        print("| command | median | floor or peer | ratio | target | peak MiB | met |")
        print("|---|---|---|---|---|---|---|")
        for case in todo:
            print(case.row())
        sys.stdout.flush()
        if not args.skip_hostile:
            hostile_inputs(work, args.hostile_repeat, args.hostile_input)
        if not args.skip_others:
            others(orgs["large"], args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
