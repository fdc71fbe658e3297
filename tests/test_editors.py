"""Editors agree with the CLI: the policy schema comes from the rule registry, and init sets up VS Code."""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from conftest import AS_OF, Result
from test_cli import _plain


@pytest.fixture(scope="module")
def policy_schema() -> Draft202012Validator:
    from opscheck.schemas import schemas

    schema = schemas()["policy"]
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


WAIVER = "waivers:\n  - {rule: %s, subject: x, reason: y, expires: 2030-01-01}\n"
POLICIES = [
    ("rules:\n  ONC003: {severity: error, min_days_ahead: 120}\n", True),
    ("rules:\n  OWN005: {severity: off}\n", True),  # YAML 1.1: off is false, which the policy takes as off
    ("rules:\n  OWN005:\n", True),
    ("rules:\n  RUN002: {required_categories: [upstream, internal]}\n", True),
    ("rules:\n  ONC999: {severity: error}\n", False),  # no such rule
    ("rules:\n  ONC003: {min_days: 91}\n", False),  # no such parameter
    ("rules:\n  ONC003: {max_spread: 1}\n", False),  # another rule's parameter
    ("rules:\n  ONC003: {min_days_ahead: 100000}\n", False),  # outside the parameter's bounds
    ("rules:\n  ONC001: {min_gap_weeks: true}\n", False),  # a boolean is not a number
    ("rules:\n  RUN003: {required_sections: Overview}\n", False),  # a list is wanted
    ("rules:\n  RUN002: {required_categories: [sideways]}\n", False),  # not one of the categories
    ("rules:\n  ONC003: {severity: on}\n", False),
    ("rules:\n  ONC003: {severity: fatal}\n", False),
    (WAIVER % "RUN005", True),
    (WAIVER % "RUN999", False),
]


@pytest.mark.parametrize(("policy", "accepted"), POLICIES)
def test_policy_schema_accepts_what_the_cli_accepts(
    policy: str, accepted: bool, policy_schema: Draft202012Validator, team: Path, run: Callable[..., Result]
) -> None:
    (team / "policies" / "opscheck.yaml").write_text(policy, encoding="utf-8")
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json")
    assert (result.code != 2) is accepted, result.err
    assert policy_schema.is_valid(_plain(yaml.safe_load(policy))) is accepted


def test_each_rule_lists_its_own_parameters(policy_schema: Draft202012Validator) -> None:
    from opscheck.rules import RULES

    rules = policy_schema.schema["properties"]["rules"]["properties"]
    assert list(rules) == [r.id for r in RULES]
    for rule in RULES:
        params = rules[rule.id]["anyOf"][0]["properties"]
        assert set(params) == {"severity", *rule.options.model_fields}
        for name, spec in rule.options.model_json_schema().get("properties", {}).items():
            assert params[name] == spec  # bounds and types straight from the options model


@pytest.fixture
def starter(tmp_path: Path, run: Callable[..., Result]) -> Path:
    assert run("init", tmp_path, "--as-of", AS_OF).code == 0
    return tmp_path


def test_init_sets_up_vs_code_for_yaml_1_1_and_the_schemas(starter: Path) -> None:
    settings: dict[str, Any] = json.loads((starter / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    assert settings["yaml.yamlVersion"] == "1.1"
    files = [p.relative_to(starter).as_posix() for p in starter.rglob("*.yaml") if "ops-data" in p.parts
             or "policies" in p.parts]
    covered = set()
    for schema_path, pattern in settings["yaml.schemas"].items():
        schema = json.loads((starter / schema_path).read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        for file in fnmatch.filter(files, pattern):
            data = _plain(yaml.safe_load((starter / file).read_text(encoding="utf-8")))
            assert list(Draft202012Validator(schema).iter_errors(data)) == [], file
            covered.add(file)
    assert covered == set(files)


def test_init_keeps_an_existing_vs_code_settings_file(tmp_path: Path, run: Callable[..., Result]) -> None:
    mine = tmp_path / ".vscode" / "settings.json"
    mine.parent.mkdir()
    mine.write_text('{"editor.tabSize": 2}\n', encoding="utf-8")
    result = run("init", tmp_path, "--as-of", AS_OF)
    assert result.code == 0
    assert "skipped .vscode/settings.json (already exists)" in result.out.splitlines()
    assert mine.read_text(encoding="utf-8") == '{"editor.tabSize": 2}\n'
