#!/usr/bin/env python3
"""Benchmark `opscheck validate` against its floor and against check-jsonschema.

    python bench/validate_bench.py [--repeat N] [--org DIR]

Builds the large synthetic organisation with ../shared/bench/make_org.py (see orgs.py; 300
engineers in 50 rotations, 2,000 pipelines, 1,000 runbooks, 5 years of weekly
shifts) unless --org names one, then prints, for it and for this repository's own
data, the median wall time (and peak memory) of:

- `opscheck validate` (every rule, JSON output);
- composing the same files with PyYAML's C loader and nothing else (the floor);
- `check-jsonschema` checking only their structure against the schemas
  `opscheck schema` writes (runbook front matter pre-extracted to YAML files).

Every figure is a whole process, interpreter start-up included, as a user runs it.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from orgs import REPO, make_org
from run import timed

BIN = Path(sys.executable).parent

COMPOSE = """
import sys, yaml
from pathlib import Path
root = Path(sys.argv[1]) / "ops-data"
for path in sorted(root.glob("*.yaml")):
    yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
for path in sorted(root.glob("runbooks/**/*.md")):
    text = path.read_text(encoding="utf-8")
    yaml.compose(text.split("---\\n", 2)[1], Loader=yaml.CSafeLoader)
"""


def median(cmds: list[list[str]], repeat: int) -> tuple[float, int]:
    """Median over ``repeat`` runs of the summed wall time of ``cmds``; the largest peak memory."""
    walls, peak = [], 0
    for _ in range(repeat):
        total = 0.0
        for cmd in cmds:
            wall, mem = timed(cmd)
            total += wall
            peak = max(peak, mem)
        walls.append(total)
    return statistics.median(walls), peak


def jsonschema_cmds(root: Path, work: Path) -> list[list[str]]:
    """check-jsonschema invocations covering the same files, one per schema."""
    schemas = work / "schemas"
    subprocess.run([str(BIN / "opscheck"), "schema", "--out", str(schemas)], check=True, capture_output=True)
    data = root / "ops-data"
    front = work / "front-matter"
    front.mkdir()
    for path in sorted(data.glob("runbooks/**/*.md")):
        (front / f"{path.stem}.yaml").write_text(path.read_text(encoding="utf-8").split("---\n", 2)[1])
    tool = str(BIN / "check-jsonschema")
    cmds = [[tool, "--schemafile", str(schemas / f"{name}.schema.json"), str(data / f"{name}.yaml")]
            for name in ("engineers", "pipelines", "oncall", "holidays")]
    runbooks = sorted(str(p) for p in front.glob("*.yaml"))
    if runbooks:
        cmds.append([tool, "--schemafile", str(schemas / "runbook.schema.json"), *runbooks])
    return cmds


def measure(label: str, root: Path, as_of: str, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        validate = [str(BIN / "opscheck"), "validate", "--root", str(root), "--as-of", as_of,
                    "--format", "json", "--output", str(work / "out.json")]
        ours, ours_mem = median([validate], repeat)
        floor, floor_mem = median([[sys.executable, "-c", COMPOSE, str(root)]], repeat)
        cjs, cjs_mem = median(jsonschema_cmds(root, work), repeat)
    size = sum(p.stat().st_size for p in (root / "ops-data").rglob("*") if p.is_file())
    print(f"\n{label}: {root} ({size / 1e6:.2f} MB of data, as of {as_of}, median of {repeat})")
    print(f"  {'opscheck validate':<34} {ours:7.2f} s  {ours_mem:5d} MiB")
    print(f"  {'compose only (PyYAML C loader)':<34} {floor:7.2f} s  {floor_mem:5d} MiB")
    print(f"  {'check-jsonschema (structure only)':<34} {cjs:7.2f} s  {cjs_mem:5d} MiB")
    print(f"  validate / compose floor: {ours / floor:.2f}x   validate / check-jsonschema: {ours / cjs:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--org", type=Path, help="an existing make_org output to reuse")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        org = args.org
        if org is None:
            org = Path(tmp) / "org"
            make_org(org)
        measure("make_org organisation", org, "2025-01-06", args.repeat)
    measure("this repository's own data", REPO, "2026-11-26", args.repeat)


if __name__ == "__main__":
    main()
