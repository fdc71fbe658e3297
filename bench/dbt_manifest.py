#!/usr/bin/env python3
"""Benchmark the dbt cross-checks: `opscheck validate` with a large dbt manifest.

    python bench/dbt_manifest.py [--repeat N] [--nodes N] [--exposures N] [--org DIR]

Builds the large make_org organisation (../shared/bench/make_org.py: 2,000 pipelines) and a
synthetic dbt manifest (schema v12) of 50,000 nodes and 2,000 exposures in the shape dbt
writes (sources, staging, intermediate and mart models, tests; every node with its config,
columns and SQL), gives each pipeline an exposure and its models under `dbt:`, and prints:

- `opscheck validate` with the dbt cross-checks (every rule, JSON output);
- the baseline it is held to: `json.load` of the manifest plus `opscheck validate` of the
  same organisation without dbt, each a whole process;
- peak memory: of validate with dbt against validate without it, and of reading the manifest
  in-process (tracemalloc), each next to the manifest's size on disk (target: at most 2x).

Importable: ``make_manifest``, ``add_dbt``, ``measure`` and ``main`` (for bench/run.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
MANIFEST = "analytics/target/manifest.json"
AS_OF = "2025-01-06"
PACKAGE = "analytics"
SCHEMA = "https://schemas.getdbt.com/dbt/manifest/v12.json"


def _config(materialized: str, group: str | None) -> dict[str, Any]:
    return {
        "enabled": True, "alias": None, "schema": None, "database": None, "tags": [], "meta": {},
        "group": group, "materialized": materialized, "incremental_strategy": None, "batch_size": None,
        "lookback": 1, "begin": None, "persist_docs": {}, "post-hook": [], "pre-hook": [],
        "quoting": {}, "column_types": {}, "full_refresh": None, "unique_key": None,
        "on_schema_change": "ignore", "on_configuration_change": "apply", "grants": {}, "packages": [],
        "docs": {"show": True, "node_color": None}, "contract": {"enforced": False, "alias_types": True},
        "event_time": None, "concurrent_batches": None, "access": "protected",
    }


def _node(kind: str, name: str, folder: str, parents: list[str], group: str | None, rng: random.Random,
          ) -> dict[str, Any]:
    uid = f"{kind}.{PACKAGE}.{name}"
    columns: dict[str, Any] = {f"col_{i}": {"name": f"col_{i}", "description": f"Column {i} of {name}", "meta": {},
                            "data_type": None, "constraints": [], "quote": None, "tags": [],
                            "granularity": None, "doc_blocks": []} for i in range(rng.randint(2, 6))}
    refs = [{"name": p.split(".")[-1], "package": None, "version": None} for p in parents if p.startswith("model.")]
    sources = [p.split(".")[-2:] for p in parents if p.startswith("source.")]
    code = "select * from " + " join ".join(f"{{{{ ref('{r['name']}') }}}}" for r in refs) if refs else \
        "select * from " + " join ".join(f"{{{{ source('{s}', '{t}') }}}}" for s, t in sources)
    return {
        "database": "analytics", "schema": "main", "name": name, "resource_type": kind, "package_name": PACKAGE,
        "path": f"{folder}/{name}.sql", "original_file_path": f"models/{folder}/{name}.sql", "unique_id": uid,
        "fqn": [PACKAGE, folder, name], "alias": name,
        "checksum": {"name": "sha256", "checksum": f"{rng.getrandbits(256):064x}"},
        "config": _config("view" if kind == "model" else "test", group), "tags": [],
        "description": f"The {name} {kind} of the {folder} layer.", "columns": columns, "meta": {},
        "group": group, "docs": {"show": True, "node_color": None}, "patch_path": None, "build_path": None,
        "unrendered_config": {"materialized": "view"}, "created_at": 1795769799.41,
        "relation_name": f'"analytics"."main"."{name}"', "raw_code": code + "\nwhere loaded_at is not null",
        "doc_blocks": [], "language": "sql", "refs": refs, "sources": sources, "metrics": [],
        "depends_on": {"macros": [], "nodes": parents}, "compiled_path": None,
        "contract": {"enforced": False, "alias_types": True, "checksum": None}, "access": "protected",
        "constraints": [], "version": None, "latest_version": None, "deprecation_date": None,
        "primary_key": [], "time_spine": None,
    }


def _source(i: int) -> dict[str, Any]:
    name, src = f"table_{i:04d}", f"raw_{i % 20:02d}"
    return {
        "database": "analytics", "schema": src, "name": name, "resource_type": "source", "package_name": PACKAGE,
        "path": "models/sources.yml", "original_file_path": "models/sources.yml",
        "unique_id": f"source.{PACKAGE}.{src}.{name}", "fqn": [PACKAGE, src, name], "source_name": src,
        "source_description": "", "loader": "fivetran", "identifier": name, "quoting": {},
        "loaded_at_field": "loaded_at", "freshness": {"warn_after": {"count": 26, "period": "hour"}},
        "external": None, "description": "", "columns": {}, "meta": {}, "source_meta": {}, "tags": [],
        "config": {"enabled": True}, "patch_path": None, "unrendered_config": {},
        "relation_name": f'"analytics"."{src}"."{name}"', "created_at": 1795769799.41,
    }


def make_manifest(path: Path, nodes: int = 50_000, exposures: int = 2_000, seed: int = 7) -> Path:
    """Write a synthetic manifest: sources, then staging, intermediate and mart models and tests
    (``nodes`` in all), and ``exposures`` exposures on the marts, each owned and grouped like dbt's."""
    rng = random.Random(seed)
    sources = {s["unique_id"]: s for s in (_source(i) for i in range(1_000))}
    source_ids = list(sources)
    layers = {"staging": nodes * 2 // 10, "intermediate": nodes * 3 // 10, "marts": nodes * 2 // 10}
    out_nodes: dict[str, dict[str, Any]] = {}
    below = source_ids
    for layer, count in layers.items():
        made = []
        for i in range(count):
            parents = rng.sample(below, 1 if layer == "staging" else min(len(below), rng.randint(2, 3)))
            node = _node("model", f"{layer[:3]}_{i:05d}", layer, parents, None, rng)
            out_nodes[node["unique_id"]] = node
            made.append(node["unique_id"])
        below = made
    models = list(out_nodes)
    for i in range(nodes - len(out_nodes)):
        node = _node("test", f"not_null_{i:05d}", "tests", [rng.choice(models)], None, rng)
        out_nodes[node["unique_id"]] = node
    out_exposures = {}
    for i in range(exposures):
        name = f"dashboard_{i:04d}"
        out_exposures[f"exposure.{PACKAGE}.{name}"] = {
            "name": name, "resource_type": "exposure", "package_name": PACKAGE, "path": "exposures.yml",
            "original_file_path": "models/exposures.yml", "unique_id": f"exposure.{PACKAGE}.{name}",
            "fqn": [PACKAGE, name], "type": "dashboard", "owner": {"email": None, "name": "owner"},
            "description": "", "label": f"Dashboard {i}", "maturity": "high", "meta": {"audience": "investors"},
            "tags": ["investors"], "config": {"enabled": True, "tags": ["investors"], "meta": {}},
            "unrendered_config": {}, "url": None,
            "depends_on": {"macros": [], "nodes": rng.sample(below, 2)},
            "refs": [], "sources": [], "metrics": [], "created_at": 1795769799.54,
        }
    manifest = {
        "metadata": {"dbt_schema_version": SCHEMA, "dbt_version": "1.10.23", "project_name": PACKAGE,
                     "adapter_type": "duckdb", "env": {}},
        "nodes": out_nodes, "sources": sources, "macros": {}, "docs": {}, "exposures": out_exposures,
        "metrics": {}, "groups": {}, "selectors": {}, "disabled": {}, "parent_map": {}, "child_map": {},
        "group_map": {}, "saved_queries": {}, "semantic_models": {}, "unit_tests": {},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        json.dump(manifest, f)
    return path


def add_dbt(org: Path, manifest: Path, seed: int = 7) -> None:
    """Give each pipeline of ``org`` one exposure (owned by its primary's email) and that exposure's
    models under ``dbt:``, and name the manifest in the policy."""
    import yaml

    data = json.loads(manifest.read_text(encoding="utf-8"))
    exposures = list(data["exposures"].values())
    file = org / "ops-data" / "pipelines.yaml"
    pipelines = yaml.safe_load(file.read_text(encoding="utf-8"))
    for i, pipe in enumerate(pipelines["pipelines"]):
        exp = exposures[i % len(exposures)]
        exp["owner"]["email"] = f"{pipe['owners']['primary']}@example.com"
        pipe["dbt"] = [f"exposure.{exp['name']}", *(f"model.{n.split('.')[-1]}" for n in exp["depends_on"]["nodes"])]
    file.write_text(yaml.safe_dump(pipelines, sort_keys=False, width=120), encoding="utf-8")
    with manifest.open("w", encoding="utf-8") as f:
        json.dump(data, f)
    (org / "policies" / "opscheck.yaml").write_text(f"sources:\n  dbt: {{manifest: {MANIFEST}}}\n",
                                                    encoding="utf-8")


def _process(cmd: list[str]) -> tuple[float, int]:
    """Wall seconds and peak resident memory (MiB) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss // 1024


def _median(cmd: list[str], repeat: int) -> tuple[float, int]:
    runs = [_process(cmd) for _ in range(repeat)]
    return statistics.median(w for w, _ in runs), max(m for _, m in runs)


def read_peak(manifest: Path) -> int:
    """Peak bytes Python allocates while opscheck reads ``manifest`` (file bytes included)."""
    from opscheck.integrations import dbt
    from opscheck.tree import FileTree

    root = manifest.parents[2]
    tracemalloc.start()
    project = dbt.load(FileTree(root), manifest.relative_to(root).as_posix(), "analytics")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert project.resources
    return peak


def measure(with_dbt: Path, without: Path, repeat: int = 3) -> dict[str, float]:
    """Figures for ``with_dbt`` (an org whose policy names a manifest) and the same org ``without``."""
    manifest = with_dbt / MANIFEST
    validate = [str(BIN / "opscheck"), "validate", "--as-of", AS_OF, "--format", "json", "--output", os.devnull]
    ours, ours_mem = _median([*validate, "--root", str(with_dbt)], repeat)
    plain, plain_mem = _median([*validate, "--root", str(without)], repeat)
    load, load_mem = _median([sys.executable, "-c", "import json, sys; json.load(open(sys.argv[1]))",
                              str(manifest)], repeat)
    size = manifest.stat().st_size
    return {"manifest_mb": size / 2**20, "validate_dbt_s": ours, "validate_dbt_mib": ours_mem,
            "validate_plain_s": plain, "validate_plain_mib": plain_mem, "json_load_s": load,
            "json_load_mib": load_mem, "baseline_s": plain + load,
            "extra_mib": ours_mem - plain_mem, "read_peak_mib": read_peak(manifest) / 2**20}


def report(figures: dict[str, float]) -> str:
    f = figures
    return "\n".join([
        f"manifest on disk: {f['manifest_mb']:.1f} MiB",
        f"  opscheck validate with dbt checks       {f['validate_dbt_s']:6.2f} s  {f['validate_dbt_mib']:5.0f} MiB",
        f"  baseline: json.load + validate without  {f['baseline_s']:6.2f} s  "
        f"({f['json_load_s']:.2f} s, {f['json_load_mib']:.0f} MiB + {f['validate_plain_s']:.2f} s, "
        f"{f['validate_plain_mib']:.0f} MiB)",
        f"  validate with dbt / baseline: {f['validate_dbt_s'] / f['baseline_s']:.2f}x",
        f"  memory the manifest adds to validate: {f['extra_mib']:.0f} MiB = "
        f"{f['extra_mib'] / f['manifest_mb']:.2f}x its size",
        f"  peak of reading it in-process (tracemalloc, file bytes included): {f['read_peak_mib']:.0f} MiB = "
        f"{f['read_peak_mib'] / f['manifest_mb']:.2f}x its size",
    ])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--nodes", type=int, default=50_000)
    ap.add_argument("--exposures", type=int, default=2_000)
    ap.add_argument("--org", type=Path, help="an existing make_org output to copy instead of building one")
    ap.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.prepare:
        make_manifest(args.prepare / MANIFEST, args.nodes, args.exposures)
        add_dbt(args.prepare, args.prepare / MANIFEST)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "plain"
        from orgs import make_org  # beside this file: found when run as a script or from run.py

        if args.org:
            subprocess.run(["cp", "-r", str(args.org), str(plain)], check=True)
        else:
            try:
                make_org(plain)
            except SystemExit as exc:  # make_org.py is not beside the repository
                raise SystemExit(f"{exc}; or pass --org with an organisation make_org.py wrote") from None
        ours = Path(tmp) / "dbt"
        subprocess.run(["cp", "-r", str(plain), str(ours)], check=True)
        # built in a child process: a forked child's peak memory would include this one's
        subprocess.run([sys.executable, __file__, "--prepare", str(ours), "--nodes", str(args.nodes),
                        "--exposures", str(args.exposures)], check=True)
        print(f"make_org organisation with {args.nodes:,} dbt nodes and {args.exposures:,} exposures, "
              f"median of {args.repeat}")
        print(report(measure(ours, plain, args.repeat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
