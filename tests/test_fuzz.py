"""Fuzz suite: mutated copies of this repository's data, of a small make_org organisation and of
the team's data with its dbt project, run through validate (every format), report, schedule plan,
schedule ics, who and codeowners (print, --check, --write into the copy) in process. Besides
ops-data/ and policies/ the mutations reach `.github/CODEOWNERS`, the pipelines' code: globs and
the dbt manifest the policy names.

Every example must give exit 0, 1 or 2, no traceback, valid UTF-8 and output valid in its format,
open no file outside the repository's copy, and answer within the time limit. CI runs a short budget; for a long run::

    OPSCHECK_FUZZ=long .venv/bin/pytest tests/test_fuzz.py            # 2,000 examples per test
    OPSCHECK_FUZZ_EXAMPLES=20000 .venv/bin/pytest tests/test_fuzz.py  # as many as you like

(``fuzz_atheris.py`` drives the same harness with atheris, a coverage-guided engine.)
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import itertools
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzzing
import fuzzing_sources
from conftest import REPO

_BUDGETS = {"ci": 2, "long": 2000}
EXAMPLES = int(os.environ.get("OPSCHECK_FUZZ_EXAMPLES") or _BUDGETS[os.environ.get("OPSCHECK_FUZZ", "ci")])
SETTINGS = settings(
    max_examples=EXAMPLES,
    # the README's bound on any input; SIGALRM in the harness catches a real hang
    deadline=dt.timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    derandomize=os.environ.get("OPSCHECK_FUZZ") is None and "OPSCHECK_FUZZ_EXAMPLES" not in os.environ,
    database=None,
)
RUNBOOKS = tuple(f"ops-data/runbooks/{p.name}" for p in sorted((REPO / "ops-data/runbooks").glob("*.md")))
_COUNTER = itertools.count()


class Org:
    """A source repository to mutate, and the rotation and pipeline the commands name."""

    def __init__(self, root: Path, rotation: str, pipeline: str) -> None:
        self.root, self.rotation, self.pipeline = root, rotation, pipeline
        runbooks = sorted((root / "ops-data/runbooks").glob("*.md"))[:3]
        self.files = tuple(f for f in fuzzing.DATA_FILES if (root / f).is_file()) + tuple(
            str(p.relative_to(root)) for p in runbooks)


@pytest.fixture(scope="session")
def orgs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Org]:
    found = {"team": Org(REPO, "data-pipelines", "profit-aggregate")}
    # the benchmarks' generator, next to the repository when it is there (as for bench/)
    make_org = Path(os.environ.get("OPSCHECK_MAKE_ORG", REPO.parent / "shared" / "bench" / "make_org.py"))
    if make_org.is_file():
        spec = importlib.util.spec_from_file_location("make_org", make_org)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        small = tmp_path_factory.mktemp("small-org")
        module.build(str(small), 2, 4, 3, 1, dt.date(2026, 1, 5))
        found["small"] = Org(small, "t000", "t000-p000")
    found["dbt"] = Org(fuzzing_sources.dbt_org(REPO, tmp_path_factory.mktemp("dbt-org") / "repo"),
                       "data-pipelines", "profit-aggregate")
    return found


@pytest.fixture(scope="session")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _prepare(orgs: dict[str, Org], scratch: Path, which: str) -> tuple[Org, Path, Path]:
    org = orgs.get(which) or orgs["team"]
    work = scratch / f"case-{next(_COUNTER)}"
    root = fuzzing.fresh_copy(org.root, work / "repo")
    outputs = work / "out"
    outputs.mkdir()
    return org, root, outputs


def _finish(org: Org, root: Path, outputs: Path, commands: tuple[str, ...]) -> None:
    fuzzing.run_all(root, outputs, commands, org.rotation, org.pipeline)


which_org = st.sampled_from(["team", "small"])
commands = st.lists(st.sampled_from(fuzzing.COMMANDS), min_size=1, max_size=2, unique=True).map(tuple)
yaml_files = st.sampled_from(fuzzing.DATA_FILES + RUNBOOKS)
edge_values = st.sampled_from(fuzzing.EDGE_VALUES) | st.integers() | st.text(max_size=30) | st.dates().map(str)


@SETTINGS
@given(which=which_org, file=st.integers(0, 20), edits=st.lists(
    st.tuples(st.integers(0, 1 << 20), st.integers(0, 8), st.binary(max_size=8)), min_size=1, max_size=4),
    run=commands)
def test_bytes(orgs: dict[str, Org], scratch: Path, which: str, file: int, edits: list[Any],
               run: tuple[str, ...]) -> None:
    org, root, outputs = _prepare(orgs, scratch, which)
    fuzzing.mutate_bytes(root, org.files[file % len(org.files)], edits)
    _finish(org, root, outputs, run)


@SETTINGS
@given(which=which_org, file=st.integers(0, 20), pick=st.integers(0, 10_000), value=edge_values,
       action=st.sampled_from(["replace", "replace", "delete", "duplicate", "misspell", "add"]), run=commands)
def test_values(orgs: dict[str, Org], scratch: Path, which: str, file: int, pick: int, value: Any, action: str,
                run: tuple[str, ...]) -> None:
    org, root, outputs = _prepare(orgs, scratch, which)
    fuzzing.mutate_value(root, org.files[file % len(org.files)], pick, value, action)
    _finish(org, root, outputs, run)


@SETTINGS
@given(which=which_org, file=st.integers(0, 20), line=st.integers(0, 10_000),
       snippet=st.sampled_from(fuzzing.RAW_SNIPPETS), run=commands)
def test_yaml_structure(orgs: dict[str, Org], scratch: Path, which: str, file: int, line: int, snippet: str,
                        run: tuple[str, ...]) -> None:
    org, root, outputs = _prepare(orgs, scratch, which)
    fuzzing.insert_raw(root, org.files[file % len(org.files)], line, snippet)
    _finish(org, root, outputs, run)


RULE_IDS = ("ONC001", "ONC003", "ONC005", "HOL001", "OWN002", "OWN005", "RUN002", "RUN003", "RUN005", "GIT002",
            "POL001", "NOPE01")
PARAMS = ("severity", "min_gap_weeks", "min_days_ahead", "max_spread", "min_secondary", "max_primary",
          "min_failure_modes", "required_categories", "required_fields", "required_sections", "max_age_days",
          "freeze_days")
policy_values = st.sampled_from(["off", "warning", "error", "on", 0, 1, -1, 52, 1000, 10**21, True,
                                 ["upstream"], ["upstreem"], [""], "Overview", None])


@SETTINGS
@given(which=which_org, rules=st.dictionaries(st.sampled_from(RULE_IDS), st.dictionaries(
    st.sampled_from(PARAMS), policy_values, max_size=3), max_size=4), waivers=st.lists(st.fixed_dictionaries({
        "rule": st.sampled_from(RULE_IDS), "subject": st.text(max_size=10),
        "reason": st.just("r"), "expires": st.sampled_from(["2020-01-01", "2027-01-01", "9000-12-31", "1-1"])}),
    max_size=2), run=commands)
def test_policies(orgs: dict[str, Org], scratch: Path, which: str, rules: dict[str, Any], waivers: list[Any],
                  run: tuple[str, ...]) -> None:
    org, root, outputs = _prepare(orgs, scratch, which)
    fuzzing.write_policy(root, rules, waivers)
    _finish(org, root, outputs, run)


def _schemas() -> st.SearchStrategy[Any]:
    leaf = st.sampled_from([
        {}, {"type": "string"}, {"type": 12}, {"minItems": 2}, {"pattern": "^(a+)+$"}, {"pattern": "(a)\\1"},
        {"pattern": "[a-z"}, {"const": "investors"}, {"$ref": "#"}, {"$ref": "#/$defs/x"},
        {"$ref": "http://127.0.0.1:9/s.json"}, {"$ref": "file:///etc/hostname"}, {"$id": "http://x/"},
        {"$anchor": "a"}, {"$ref": "#a"}, {"required": ["id"]}, {"format": "email"}, {"enum": [1, "a"]},
    ])
    keys = st.sampled_from(["properties", "items", "not", "allOf", "anyOf", "if", "then", "$defs",
                            "patternProperties", "contains", "additionalProperties"])

    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        named = st.dictionaries(st.sampled_from(["id", "name", "x", "audience", "^a+$"]), children, max_size=2)
        return st.one_of(
            st.fixed_dictionaries({}, optional={"not": children, "items": children, "contains": children}),
            st.builds(lambda k, v: {k: v}, keys, named),
            st.builds(lambda v: {"allOf": v}, st.lists(children, max_size=3)),
        )

    return st.recursive(leaf, extend, max_leaves=12)


@SETTINGS
@given(which=which_org, target=st.sampled_from(["engineers", "pipelines", "rotations", "shifts", "overrides",
                                                "runbooks", "nothing"]), schema=_schemas(),
       depth=st.sampled_from([0, 0, 0, 30, 70]),
       message=st.sampled_from(["{id} fails", "{name}", "{0}", "{", "{owners.primary}", "plain"]), run=commands)
def test_custom_rules(orgs: dict[str, Org], scratch: Path, which: str, target: str, schema: Any, depth: int,
                      message: str, run: tuple[str, ...]) -> None:
    org, root, outputs = _prepare(orgs, scratch, which)
    for _ in range(depth):
        schema = {"not": schema}
    fuzzing.write_custom_rule(root, target, schema, message)
    _finish(org, root, outputs, run)


@SETTINGS
@given(which=which_org, file=st.integers(0, 20),
       kind=st.sampled_from(["fifo", "folder", "dev-zero", "outside", "root", "loop", "dangling"]),
       run=commands)
def test_file_system(orgs: dict[str, Org], scratch: Path, which: str, file: int, kind: str,
                     run: tuple[str, ...]) -> None:
    org, root, outputs = _prepare(orgs, scratch, which)
    names = (*org.files, "ops-data/runbooks", "policies/rules")
    fuzzing.file_system(root, names[file % len(names)], kind)
    _finish(org, root, outputs, run)


# -- .github/CODEOWNERS, the pipelines' code: globs and the dbt manifest ----------------------------

with_codeowners = st.sampled_from(["team", "dbt"])
codeowners_runs = st.lists(st.sampled_from(fuzzing.COMMANDS), max_size=1).map(
    lambda more: ("codeowners-check", "codeowners-write", *(c for c in more if not c.startswith("codeowners"))))
codeowners_lines = st.lists(st.builds(
    fuzzing_sources.codeowners_line, st.lists(st.integers(0, 100), min_size=1, max_size=8),
    st.lists(st.integers(0, 100), max_size=4), st.none() | st.none() | st.integers(0, 100)), min_size=1, max_size=4)


@SETTINGS
@given(which=with_codeowners, edits=st.lists(
    st.tuples(st.integers(0, 1 << 20), st.integers(0, 8), st.binary(max_size=8)), min_size=1, max_size=4),
    run=codeowners_runs)
def test_codeowners_bytes(orgs: dict[str, Org], scratch: Path, which: str, edits: list[Any],
                          run: tuple[str, ...]) -> None:
    org, root, outputs = _prepare(orgs, scratch, which)
    fuzzing.mutate_bytes(root, fuzzing.CODEOWNERS, edits)
    _finish(org, root, outputs, run)


@SETTINGS
@given(which=with_codeowners, where=st.integers(0, 1000), lines=codeowners_lines, crlf=st.booleans(),
       run=codeowners_runs)
def test_codeowners_lines(orgs: dict[str, Org], scratch: Path, which: str, where: int, lines: list[str],
                          crlf: bool, run: tuple[str, ...]) -> None:
    org, root, outputs = _prepare(orgs, scratch, which)
    fuzzing_sources.insert_lines(root, fuzzing.CODEOWNERS, where, lines, crlf)
    _finish(org, root, outputs, run)


@SETTINGS
@given(which=with_codeowners, pick=st.integers(0, 100), patterns=st.lists(
    st.lists(st.integers(0, 100), min_size=1, max_size=8).map(fuzzing_sources.pattern), max_size=4),
    run=codeowners_runs)
def test_code_globs(orgs: dict[str, Org], scratch: Path, which: str, pick: int, patterns: list[str],
                    run: tuple[str, ...]) -> None:
    org, root, outputs = _prepare(orgs, scratch, which)
    fuzzing_sources.set_code(root, pick, patterns)
    _finish(org, root, outputs, run)


EXPOSURES = "analytics/models/exposures.yml"
MANIFEST_RUNS = st.sampled_from([("report",), ("report", "codeowners-check")])


@SETTINGS
@given(edits=st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 8), st.binary(max_size=8)),
                      min_size=1, max_size=4), run=MANIFEST_RUNS)
def test_manifest_bytes(orgs: dict[str, Org], scratch: Path, edits: list[Any], run: tuple[str, ...]) -> None:
    org, root, outputs = _prepare(orgs, scratch, "dbt")
    fuzzing.mutate_bytes(root, fuzzing.MANIFEST, edits)
    _finish(org, root, outputs, run)


@SETTINGS
@given(pick=st.integers(0, 10_000), value=st.sampled_from(fuzzing_sources.JSON_VALUES) | st.integers() | st.text(),
       action=st.sampled_from(["replace", "replace", "delete", "duplicate", "misspell", "add"]), run=MANIFEST_RUNS)
def test_manifest_values(orgs: dict[str, Org], scratch: Path, pick: int, value: Any, action: str,
                         run: tuple[str, ...]) -> None:
    org, root, outputs = _prepare(orgs, scratch, "dbt")
    fuzzing_sources.mutate_json(root, fuzzing.MANIFEST, pick, value, action)
    _finish(org, root, outputs, run)


@SETTINGS
@given(manifest=st.sampled_from(fuzzing_sources.MANIFEST_PATHS), project=st.sampled_from(fuzzing_sources.PROJECT_DIRS),
       file=st.sampled_from([None, fuzzing.MANIFEST, "analytics/target", "analytics", EXPOSURES]),
       kind=st.sampled_from(["fifo", "folder", "dev-zero", "outside", "root", "loop", "dangling"]), run=MANIFEST_RUNS)
def test_manifest_source(orgs: dict[str, Org], scratch: Path, manifest: Any, project: Any, file: str | None,
                         kind: str, run: tuple[str, ...]) -> None:
    org, root, outputs = _prepare(orgs, scratch, "dbt")
    fuzzing_sources.write_dbt_source(root, manifest, project)
    if file is not None:
        fuzzing.file_system(root, file, kind)
    _finish(org, root, outputs, run)
