"""Every rule parameter has a domain: a value outside it is exit 2 with policies/opscheck.yaml:line
and the allowed range, never a silent change of what the rule checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import AS_OF, REPO, Result
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
        ("RUN002: {required_categories: [upstreem]}", "'upstreem' is not allowed; allowed: a list of at most 3 "
                                                      "entries, each one of upstream, downstream, internal"),
        ("RUN002: {required_fields: [detection, owner]}", "each one of detection, impact"),
        ("RUN002: {required_fields: [detection, impact, detection]}", "allowed: a list of at most 2 entries, each one"),
        ("RUN002: {required_categories: [upstream, downstream, internal, upstream]}", "a list of at most 3 entries"),
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
        # a list is bounded in length even when its values are (40,000 repeats made POL003 slow)
        bounded = ("minimum" in prop and "maximum" in prop) or "enum" in prop or "maxItems" in prop
        assert bounded, f"{rule.id} {name} has no domain: {prop}"  # type: ignore[attr-defined]


def _readme_parameters() -> dict[str, tuple[set[str], str]]:
    """The README's table of parameters: name -> (rules, domain in words)."""
    text = (REPO / "README.md").read_text(encoding="utf-8").split("| parameter | rules | domain |\n|---|---|---|\n")[1]
    rows = [line.split(" | ") for line in text.split("\n\n")[0].splitlines()]
    return {name.strip("| `"): (set(rules.split(", ")), domain.rstrip(" |")) for name, rules, domain in rows}


def test_the_readme_gives_every_parameter_its_domain() -> None:
    table = _readme_parameters()
    for rule in RULES:
        for name, prop in rule.options.model_json_schema()["properties"].items():
            rules, domain = table[name]
            items = prop.get("items", {})
            assert rule.id in rules, (rule.id, name)
            if "maximum" in prop:
                assert f"{prop['minimum']} to {prop['maximum']}" in domain, (name, domain)
            if "maxItems" in prop:
                assert f"at most {prop['maxItems']} " in domain, (name, domain)
            assert all(f"`{value}`" in domain for value in items.get("enum", [])), (name, domain)
            if "maxLength" in items:
                assert f"{items['minLength']} to {items['maxLength']} characters" in domain, (name, domain)


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
