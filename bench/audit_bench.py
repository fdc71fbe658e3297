#!/usr/bin/env python3
"""Time `opscheck audit` over a large history.

    audit_bench.py [--commits N] [--keep DIR]

Builds a make_org-sized repository (50 rotations, 2,000 pipelines, 1,000 runbooks) with
../shared/bench/make_org.py (see orgs.py), scripts N commits of realistic changes through
`git fast-import` (owner swaps, shift reassignments, runbook edits), then runs
`opscheck audit --format json` over it and prints wall time, commits, changes and the peak RSS
of the opscheck process.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from orgs import make_org

AUTHORS = [("Jane Doe", "jane@example.com"), ("Omar Ali", "omar@example.com"), ("Li Wei", "li@example.com")]
START = 1_767_607_200  # 2026-01-05 10:00 UTC
# The audit in a process of its own reporting its own peak RSS (VmHWM, in KiB): getrusage's
# ru_maxrss would carry over the peak of this script, which holds the fast-import stream.
AUDIT = (
    "import sys; from opscheck.cli import main; "
    "rc = main(['audit', '--root', sys.argv[1], '--format', 'json']); "
    "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')), file=sys.stderr); "
    "sys.exit(rc)"
)


def _blob(out: list[bytes], path: str, text: str) -> None:
    data = text.encode("utf-8")
    out.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")


def _commit(out: list[bytes], n: int, message: str, files: list[bytes]) -> None:
    name, email = AUTHORS[n % len(AUTHORS)]
    stamp = f"{name} <{email}> {START + n * 3600} +0000"
    msg = message.encode()
    out.append(f"commit refs/heads/main\nauthor {stamp}\ncommitter {stamp}\ndata {len(msg)}\n".encode() + msg + b"\n")
    out += files
    out.append(b"\n")


def _hand_over(lines: list[str], i: int, key: str, rng: random.Random) -> str:
    """Give line ``i`` (``    key: tNNN-eNN``) to another member of the same team; returns who."""
    team, member = re.match(rf"    {key}: (t\d+)-e(\d+)", lines[i]).groups()  # type: ignore[union-attr]
    other = f"{team}-e{(int(member) + rng.randint(1, 5)) % 6:02d}"
    lines[i] = f"    {key}: {other}\n"
    return other

class Org:
    """The org's files as lines, edited in place commit by commit."""

    def __init__(self, root: Path) -> None:
        data = root / "ops-data"
        self.files = {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8").splitlines(keepends=True)
                      for p in sorted(data.rglob("*")) if p.is_file()}
        self.pipelines = self.files["ops-data/pipelines.yaml"]
        self.oncall = self.files["ops-data/oncall.yaml"]
        self.primaries = [i for i, line in enumerate(self.pipelines) if line.startswith("    primary: ")]
        self.shifts = [i for i, line in enumerate(self.oncall) if line.startswith("    engineer: ")]
        self.runbooks = sorted(f for f in self.files if f.startswith("ops-data/runbooks/"))

    def text(self, file: str) -> str:
        return "".join(self.files[file])

    def swap_owner(self, rng: random.Random) -> tuple[str, str]:
        other = _hand_over(self.pipelines, rng.choice(self.primaries), "primary", rng)
        return "ops-data/pipelines.yaml", f"Hand a pipeline to {other}"

    def reassign_shift(self, rng: random.Random) -> tuple[str, str]:
        other = _hand_over(self.oncall, rng.choice(self.shifts), "engineer", rng)
        return "ops-data/oncall.yaml", f"Swap a {other.split('-')[0]} shift to {other}"

    def edit_runbook(self, rng: random.Random, n: int) -> tuple[str, str]:
        file = rng.choice(self.runbooks)
        lines = self.files[file]
        if n % 2:
            lines[:] = [re.sub(r"^last_reviewed: .*", f"last_reviewed: 2026-{1 + n % 12:02d}-15", line)
                        for line in lines]
        else:
            lines.append(f"\nReviewed in drill {n}.\n")
        return file, "Review a runbook"


def build(repo: Path, commits: int) -> None:
    make_org(repo)
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    org = Org(repo)
    rng = random.Random(20260105)
    stream: list[bytes] = []
    files: list[bytes] = []
    for file in org.files:
        _blob(files, file, org.text(file))
    _commit(stream, 0, "Seed the organisation", files)
    for n in range(1, commits + 1):
        roll = rng.random()
        if roll < 0.4:
            file, message = org.swap_owner(rng)
        elif roll < 0.8:
            file, message = org.reassign_shift(rng)
        else:
            file, message = org.edit_runbook(rng, n)
        changed: list[bytes] = []
        _blob(changed, file, org.text(file))
        _commit(stream, n, message, changed)
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input=b"".join(stream), check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=repo, check=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commits", type=int, default=1000)
    ap.add_argument("--keep", type=Path, help="Build the repository here and keep it.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        repo = args.keep or Path(tmp) / "org"
        started = time.perf_counter()
        build(repo, args.commits)
        print(f"built {args.commits + 1} commits in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", AUDIT, str(repo)], capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        entries = json.loads(done.stdout)
        changes = sum(len(e["changes"]) for e in entries)
        peak = int(done.stderr.strip().splitlines()[-1]) / 1024
        print(f"audit: {wall:.1f} s wall, {len(entries)} commits, {changes} changes, peak RSS {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
