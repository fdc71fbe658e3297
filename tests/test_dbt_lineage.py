"""dbt lineage (DBT004, the handbook): each resource's reach is worked out once a run, cycles included."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import AS_OF, Result
from opscheck.integrations import dbt, lineage
from opscheck.integrations.lineage import LineageTooLarge, Reach

MANIFEST = "analytics/target/manifest.json"
SCHEMA = "https://schemas.getdbt.com/dbt/manifest/v12.json"


def _walk(graph: dict[str, list[str]], ids: list[str], targets: set[str]) -> list[str]:
    """The plain walk each pipeline used to make: what ``Reach`` must agree with."""
    seen: set[str] = set()
    todo = list(ids)
    while todo:
        uid = todo.pop()
        if uid not in seen:
            seen.add(uid)
            todo += graph.get(uid, [])
    return sorted(seen & targets)


@pytest.mark.parametrize("seed", range(8))
def test_reach_agrees_with_a_plain_walk_on_graphs_with_cycles(seed: int) -> None:
    rng = random.Random(seed)
    nodes = [f"n{i:02d}" for i in range(40)]
    graph = {uid: rng.sample(nodes, rng.randint(0, 3)) for uid in nodes}
    targets = sorted(rng.sample(nodes, 12))
    reach = Reach(targets, lambda uid: graph[uid])
    starts = [[uid] for uid in rng.sample(nodes, 40)] + [rng.sample(nodes, 3) for _ in range(10)]
    for ids in starts:
        assert reach.of(ids) == _walk(graph, ids, set(targets)), ids


def test_past_its_bound_a_reach_answers_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # a ladder: each node reads the next one and a target of its own
    graph = {f"n{i}": [f"n{i + 1}", f"t{i}"] if i < 99 else [f"t{i}"] for i in range(100)}
    steps = Counter[str]()
    reach = Reach(sorted(f"t{i}" for i in range(100)), lambda uid: steps.update([uid]) or graph.get(uid, []))
    monkeypatch.setattr(lineage, "MAX_BITS", 500)
    with pytest.raises(LineageTooLarge):
        reach.of(["n0"])
    walked = sum(steps.values())
    for start in ("n0", "n1", "n50"):
        with pytest.raises(LineageTooLarge):
            reach.of([start])
    assert sum(steps.values()) == walked > 0


def _chain(root: Path, pipelines: int, models: int, sources: int) -> None:
    """``pipelines`` investor pipelines on the top of a chain of ``models`` that reads ``sources``."""
    found = {f"source.p.raw.t{j}": {"unique_id": f"source.p.raw.t{j}", "resource_type": "source", "name": f"t{j}",
                                    "package_name": "p", "original_file_path": "m.yml", "source_name": "raw"}
             for j in range(sources)}
    nodes: dict[str, Any] = {}
    for i in range(models):
        nodes[f"model.p.m{i}"] = {"unique_id": f"model.p.m{i}", "resource_type": "model", "name": f"m{i}",
                                  "package_name": "p", "original_file_path": "m.sql",
                                  "depends_on": {"nodes": [f"model.p.m{i - 1}"] if i else list(found)}}
    manifest = {"metadata": {"dbt_schema_version": SCHEMA, "dbt_version": "1.8.0"}, "nodes": nodes,
                "sources": found, "exposures": {}, "groups": {}}
    (root / MANIFEST).parent.mkdir(parents=True)
    (root / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with (root / "policies/opscheck.yaml").open("a", encoding="utf-8") as policy:
        policy.write(f"\nsources:\n  dbt: {{manifest: {MANIFEST}}}\n")
    with (root / "ops-data/pipelines.yaml").open("a", encoding="utf-8") as file:
        file.writelines(f"  - {{id: x{k}, name: X, area: A, audience: [investors], owners: {{primary: eng1, "
                        f"secondary: [eng2]}}, runbook: runbooks/profit-aggregate.md, dbt: [model.m{models - 1}]}}\n"
                        for k in range(pipelines))


def test_many_pipelines_on_one_chain_follow_it_once(
    team: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    # each pipeline walked the whole chain again: 2,000 pipelines on 4,000 models took 11 s
    pipelines, models, sources = 100, 300, 20
    _chain(team, pipelines, models, sources)
    steps = Counter[str]()
    depends = dbt.depends
    monkeypatch.setattr(dbt, "depends", lambda res: steps.update([res.unique_id]) or depends(res))
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", "--select", "DBT004")
    findings = result.json()["findings"]
    assert Counter(f["subject"] for f in findings) == {f"x{k}": sources for k in range(pipelines)}
    assert [f["message"].split("dbt source ")[1].split(",")[0] for f in findings[:sources]] == \
        sorted(f"raw.t{j}" for j in range(sources))
    assert max(steps.values()) <= 2 and len(steps) == models + sources  # once each, not once a pipeline


def test_a_lineage_past_its_bound_is_named_not_followed(
    team: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    _chain(team, 3, 10, 20)
    monkeypatch.setattr(lineage, "MAX_BITS", 10)
    findings = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", "--select", "DBT004").json()
    assert [(f["subject"], "the dbt lineage is too large to follow" in f["message"])
            for f in findings["findings"]] == [("x0", True)]
    report = run("report", "--root", team)
    assert report.code == 0, report.err
    assert "Upstream dbt sources: not worked out (the dbt lineage is past its bound of" in report.out
