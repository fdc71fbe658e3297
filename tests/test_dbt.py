"""The dbt half end to end: a real `dbt parse` of tests/dbt/analytics, read by opscheck without dbt."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import AS_OF, REPO, Result, with_dbt

CASES = REPO / "tests" / "cases" / "rules"
PREVIOUS = REPO / "tests" / "dbt" / "manifests" / "dbt-1.9" / "manifest.json"
MANIFEST = "analytics/target/manifest.json"


@pytest.fixture
def repo(dbt_parsed: Path, tmp_path: Path) -> Path:
    """The team's data claiming the dbt project's resources, with the project parsed by dbt."""
    return with_dbt(CASES / "dbt001-ok-team", dbt_parsed, tmp_path / "repo")


def _findings(run: Callable[..., Result], root: Path, *args: str) -> list[dict[str, object]]:
    result = run("validate", "--root", root, "--as-of", AS_OF, "--format", "json", "--select", "DBT", *args)
    assert result.code in (0, 1), result.err
    found: list[dict[str, object]] = result.json()["findings"]
    return found


def test_the_manifest_comes_from_the_dbt_of_the_test_extra(repo: Path) -> None:
    meta = json.loads((repo / MANIFEST).read_text(encoding="utf-8"))["metadata"]
    assert meta["dbt_version"].startswith("1.10.")
    assert meta["adapter_type"] == "duckdb"
    assert json.loads(PREVIOUS.read_text(encoding="utf-8"))["metadata"]["dbt_version"].startswith("1.9.")


@pytest.mark.parametrize("case", ["dbt001-ok-team", "dbt001-unknown-resource", "dbt002-unclaimed-exposure",
                                  "dbt003-owner-mismatch", "dbt004-source-missing"])
def test_a_manifest_of_the_previous_dbt_minor_version_gives_the_same_findings(
    case: str, dbt_parsed: Path, tmp_path: Path, run: Callable[..., Result],
) -> None:
    current = with_dbt(CASES / case, dbt_parsed, tmp_path / "current")
    previous = with_dbt(CASES / case, dbt_parsed, tmp_path / "previous")
    shutil.copyfile(PREVIOUS, previous / MANIFEST)
    assert _findings(run, previous) == _findings(run, current)


def _policy(root: Path, manifest: str) -> None:
    (root / "policies" / "opscheck.yaml").write_text(f"sources:\n  dbt: {{manifest: {manifest}}}\n",
                                                      encoding="utf-8")


@pytest.mark.parametrize(("content", "says"), [
    (None, "does not exist"),
    ("{not json", "is not valid JSON"),
    ("[1, 2]", "does not look like a dbt manifest"),
    ('{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v99.json",'
     ' "dbt_version": "9.0.0"}, "nodes": {"x": 1}}', "has schema v99 (dbt 9.0.0)"),
    ('{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v7.json"}}', "schema v7"),
    ('{"nodes": {"x": {"config": ' + "[" * 100_000 + "]" * 100_000 + "}}}", "nests deeper"),
    ('{"metadata": {"dbt_version": "1.\udc80"}}', "holds text that is not UTF-8"),  # the byte 0x80
])
def test_a_missing_or_unreadable_manifest_is_exit_2_naming_the_fix(
    repo: Path, run: Callable[..., Result], content: str | None, says: str,
) -> None:
    manifest = repo / MANIFEST
    manifest.unlink()
    if content is not None:
        manifest.write_bytes(content.encode("utf-8", "surrogateescape"))
    for command in (["validate", "--as-of", AS_OF], ["report"]):
        result = run(*command, "--root", repo)
        assert result.code == 2, result.out + result.err
        assert says in result.err and "Traceback" not in result.err
        assert "dbt parse" in result.err or "schema" in says


def test_a_manifest_outside_the_repository_is_refused(repo: Path, tmp_path: Path, run: Callable[..., Result]) -> None:
    outside = tmp_path / "elsewhere.json"
    shutil.move(repo / MANIFEST, outside)
    (repo / MANIFEST).symlink_to(outside)
    result = run("validate", "--root", repo, "--as-of", AS_OF)
    assert result.code == 2 and "dbt parse" in result.err


def test_policy_paths_stay_in_the_repository(repo: Path, run: Callable[..., Result]) -> None:
    _policy(repo, "../manifest.json")
    result = run("validate", "--root", repo, "--as-of", AS_OF)
    assert result.code == 2 and "relative to the repository root" in result.err


def test_an_ambiguous_short_name_asks_for_the_unique_id(repo: Path, run: Callable[..., Result]) -> None:
    manifest = json.loads((repo / MANIFEST).read_text(encoding="utf-8"))
    twin = dict(manifest["nodes"]["model.analytics.fct_sessions"], package_name="other",
                unique_id="model.other.fct_sessions")
    manifest["nodes"]["model.other.fct_sessions"] = twin
    (repo / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    found = _findings(run, repo)
    assert [(f["rule"], f["subject"]) for f in found] == [("DBT001", "engagement-aggregate")]
    assert "model.analytics.fct_sessions, model.other.fct_sessions" in str(found[0]["message"])
    pipelines = repo / "ops-data" / "pipelines.yaml"
    pipelines.write_text(pipelines.read_text(encoding="utf-8").replace(
        "model.fct_sessions", "model.analytics.fct_sessions"), encoding="utf-8")
    assert _findings(run, repo) == []


@pytest.mark.parametrize(("scope", "unclaimed"), [
    ("{}", ["exposure.experiments_readout"]),
    ("{types: [dashboard]}", []),
    ("{maturities: [low, medium]}", ["exposure.experiments_readout"]),
    ("{tags: [investors]}", []),
    ("{meta_keys: [audience]}", []),
    ("{tags: [experiments], types: [dashboard]}", []),
])
def test_dbt002_scope_narrows_by_type_maturity_tag_and_meta(
    repo: Path, run: Callable[..., Result], scope: str, unclaimed: list[str],
) -> None:
    pipelines = repo / "ops-data" / "pipelines.yaml"
    pipelines.write_text(pipelines.read_text(encoding="utf-8").replace(", exposure.experiments_readout", ""),
                         encoding="utf-8")
    policy = repo / "policies" / "opscheck.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + f"rules:\n  DBT002: {scope}\n", encoding="utf-8")
    assert [f["subject"] for f in _findings(run, repo)] == unclaimed


def test_a_bad_dbt002_parameter_is_a_configuration_error(repo: Path, run: Callable[..., Result]) -> None:
    policy = repo / "policies" / "opscheck.yaml"
    policy.write_text(policy.read_text(encoding="utf-8") + "rules:\n  DBT002: {maturities: [huge]}\n",
                      encoding="utf-8")
    result = run("validate", "--root", repo, "--as-of", AS_OF)
    assert result.code == 2 and "policies/opscheck.yaml:" in result.err


def test_report_shows_lineage_next_to_failure_modes(repo: Path, run: Callable[..., Result]) -> None:
    result = run("report", "--root", repo)
    assert result.code == 0, result.err
    section = result.out.split("### Aggregate profit reported to investors", 1)[1].split("\n### ", 1)[0]
    assert "Upstream dbt sources: raw.costs, raw.orders, raw.refunds" in section
    assert "Downstream dbt exposures: investor_profit (dashboard, maturity high, owner eng2@example.com)" in section
    assert section.index("| Failure mode |") < section.index("Upstream dbt sources")


@pytest.mark.parametrize(("text", "named"), [
    ("Upstream: `raw.orders`, `raw.costs`.", True),
    ("the orders table (Fivetran)", True),
    ("RAW.ORDERS is late", True),
    ("stg_orders and raw.orders_archive", False),
    ("other.orders", False),
    ("", False),
])
def test_a_source_is_named_by_source_and_table_or_by_its_table(text: str, named: bool) -> None:
    from opscheck.integrations.dbt import Source
    from opscheck.rules.dbt import _mentions, _words

    src = Source("source.analytics.raw.orders", "source", "orders", "analytics", "models/sources.yml",
                 source_name="raw", identifier="orders")
    assert _mentions(_words(text), src) is named


def test_the_benchmark_manifest_reads_like_dbts(tmp_path: Path) -> None:
    """bench/dbt_manifest.py's synthetic manifest keeps the shape opscheck reads (at a small size)."""
    import importlib.util

    from opscheck.integrations import dbt
    from opscheck.tree import FileTree

    spec = importlib.util.spec_from_file_location("dbt_manifest_bench", REPO / "bench" / "dbt_manifest.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.make_manifest(tmp_path / MANIFEST, nodes=200, exposures=10)
    project = dbt.load(FileTree(tmp_path), MANIFEST, "analytics")
    assert len(list(project.exposures())) == 10
    assert len(project.resources) == 200 + 1_000 + 10
    exposure = next(project.exposures())
    assert project.upstream_sources([exposure.unique_id])
