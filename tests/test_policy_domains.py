"""Every rule parameter has a domain: a value outside it is exit 2 with policies/opscheck.yaml:line
and the allowed range, never a silent change of what the rule checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import AS_OF, Result
from opscheck.rules import RULES


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("ONC001: {min_gap_weeks: -1}", "ONC001 min_gap_weeks: -1 is not allowed; allowed: a whole number from 1 to"),
        ("ONC001: {min_gap_weeks: true}", "min_gap_weeks: true is not allowed"),
        ("ONC001: {min_gap_weeks: 1000000000000000000000}", "a whole number from 1 to 52"),
        ("ONC001: {min_gap_weeks: 1000000000}", "a whole number from 1 to 52"),
        ("ONC003: {min_days_ahead: -7}", "a whole number from 0 to 1827"),
        ("ONC003: {min_days_ahead: 1.5}", "min_days_ahead: 1.5 is not allowed"),
        ("ONC005: {max_spread: -1}", "ONC005 max_spread: -1"),
        ("HOL001: {max_spread: -1}", "HOL001 max_spread: -1"),
        ("OWN002: {min_secondary: -1}", "a whole number from 0 to 20"),
        ("OWN002: {min_secondary: '2'}", "min_secondary: '2' is not allowed"),
        ("OWN005: {max_primary: -1}", "a whole number from 1 to 1000"),
        ("OWN005: {max_primary: -5}", "OWN005 max_primary: -5"),
        ("RUN002: {min_failure_modes: -1}", "a whole number from 0 to 100"),
        ("RUN002: {required_categories: [upstreem]}", "'upstreem' is not allowed; allowed: a list, each one of "
                                                      "upstream, downstream, internal"),
        ("RUN002: {required_fields: [detection, owner]}", "each one of detection, impact"),
        ("RUN003: {required_sections: Overview}", "a list of at most 50 entries"),
        ("RUN003: {required_sections: ['']}", "text of 1 to 200 characters"),
        ("RUN005: {max_age_days: -1}", "a whole number from 1 to 3660"),
        ("GIT002: {freeze_days: -1}", "a whole number from 0 to 366"),
    ],
)
def test_a_value_outside_the_domain_is_a_configuration_error(
    team: Path, setting: str, message: str, run: Callable[..., Result]
) -> None:
    (team / "policies/opscheck.yaml").write_text(f"rules:\n  {setting}\n", encoding="utf-8")
    result = run("validate", "--root", team, "--as-of", AS_OF)
    assert result.code == 2
    assert result.err.startswith("opscheck: error: policies/opscheck.yaml:2: "), result.err
    assert message in result.err


@pytest.mark.parametrize("rule", [r for r in RULES if r.parameters], ids=lambda r: r.id)
def test_every_parameter_has_a_domain(rule: object) -> None:
    schema = rule.options.model_json_schema()  # type: ignore[attr-defined]
    for name, prop in schema["properties"].items():
        bounded = ("minimum" in prop and "maximum" in prop) or "enum" in prop.get("items", {}) or "maxItems" in prop
        assert bounded, f"{rule.id} {name} has no domain: {prop}"  # type: ignore[attr-defined]


def test_defaults_lie_inside_their_domains() -> None:
    for rule in RULES:
        assert rule.options.model_validate(rule.parameters) == rule.options()


def test_a_quoted_boolean_in_the_data_is_not_a_boolean(team: Path, run: Callable[..., Result]) -> None:
    path = team / "ops-data/engineers.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("name: Eng1", 'name: Eng1\n    active: "false"', 1),
                    encoding="utf-8")
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json")
    first = result.json()["findings"][0]
    assert (first["rule"], first["line"]) == ("OPS002", 10)
    assert "'active': expected true or false, not the text 'false'" in first["message"]
