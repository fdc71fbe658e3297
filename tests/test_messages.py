"""Messages that say what to do, on the team's own data with one thing broken."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import AS_OF, Result

ONCALL = "ops-data/oncall.yaml"


def edit(team: Path, file: str, old: str, new: str) -> None:
    path = team / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def findings(run: Callable[..., Result], team: Path, *args: str) -> list[dict[str, object]]:
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", *args)
    found: list[dict[str, object]] = result.json()["findings"]
    return found


def test_a_week_listed_twice(run: Callable[..., Result], team: Path) -> None:
    edit(team, ONCALL, "{week: 2025-01-13, engineer: eng3}",
         "{week: 2025-01-13, engineer: eng3}\n      - {week: 2025-01-13, engineer: eng3}")
    onc002 = [f for f in findings(run, team, "--select", "ONC002") if f["rule"] == "ONC002"]
    assert onc002[0]["message"] == "the week of 2025-01-13 is listed twice; keep one shift per week"
    assert onc002[0]["line"] == 23


def test_overlapping_overrides(run: Callable[..., Result], team: Path) -> None:
    text = (team / ONCALL).read_text(encoding="utf-8")
    (team / ONCALL).write_text(
        text.rstrip("\n") + "\n      - {start: 2026-12-24, end: 2026-12-26, engineer: eng3, reason: swap}\n",
        encoding="utf-8",
    )
    found = findings(run, team, "--select", "ONC002")
    assert [(f["rule"], f["subject"]) for f in found] == [("ONC002", "data-pipelines@2026-12-25")]
    assert "overlaps the override for 'eng2'" in str(found[0]["message"])
    assert found[0]["line"] == len(text.rstrip("\n").splitlines()) + 1


def test_unknown_subdivision(run: Callable[..., Result], team: Path) -> None:
    edit(team, "ops-data/holidays.yaml", "calendar: US", "calendar: US\nsubdivision: XX")
    found = findings(run, team, "--select", "OPS005")
    assert found and "subdivision codes" in str(found[0]["message"])


def test_image_links_are_checked(run: Callable[..., Result], team: Path) -> None:
    edit(team, "ops-data/runbooks/profit-aggregate.md", "## Overview\n", "## Overview\n\n![flow](flow.png)\n")
    found = findings(run, team, "--select", "RUN006")
    assert [f["rule"] for f in found] == ["RUN006"]
    assert "flow.png" in str(found[0]["message"])


def test_severity_on_is_explained(run: Callable[..., Result], team: Path) -> None:
    (team / "policies" / "opscheck.yaml").write_text("rules:\n  OWN005: {severity: on}\n", encoding="utf-8")
    result = run("validate", "--root", team, "--as-of", AS_OF)
    assert result.code == 2
    assert "policies/opscheck.yaml:2" in result.err and "unquoted on" in result.err


@pytest.mark.parametrize("day", ["9999-12-20", "0001-01-01"])
def test_as_of_out_of_range(run: Callable[..., Result], team: Path, day: str) -> None:
    result = run("validate", "--root", team, "--as-of", day)
    assert result.code == 2
    assert "outside the years 1900 to 9000" in result.err
    assert "Traceback" not in result.out + result.err


def test_a_misspelt_key_is_one_finding(run: Callable[..., Result], team: Path) -> None:
    edit(team, "ops-data/pipelines.yaml", "area:", "aera:")
    found = findings(run, team, "--select", "OPS002")
    assert [(f["line"], f["message"]) for f in found] == [
        (7, "unknown key 'aera' (did you mean 'area'?); allowed keys: id, name, area, audience, rotation, "
            "owners, runbook, dbt, code")
    ]


def test_a_member_listed_twice(run: Callable[..., Result], team: Path) -> None:
    edit(team, ONCALL, "members: [eng1, eng2, eng3, eng4, eng5]", "members: [eng1, eng2, eng3, eng4, eng5, eng2]")
    found = findings(run, team, "--select", "OPS004")
    assert [(f["line"], f["column"], f["subject"]) for f in found] == [(15, 45, "data-pipelines")]
    assert found[0]["message"] == "member 'eng2' is listed twice in rotation 'data-pipelines'; remove one"


def test_custom_rule_message_shows_values_as_yaml(run: Callable[..., Result], team: Path) -> None:
    rules = team / "policies" / "rules"
    rules.mkdir()
    (rules / "three.yaml").write_text(
        "id: X-THREE-SECONDARIES\nsummary: three secondaries\ntarget: pipelines\n"
        'message: "{id} has {owners} and audience {audience}"\n'
        "schema: {properties: {owners: {properties: {secondary: {minItems: 3}}}}}\n",
        encoding="utf-8",
    )
    found = findings(run, team, "--select", "X-THREE-SECONDARIES")
    assert found[0]["message"] == (
        "profit-unit-experiments has {primary: eng1, secondary: [eng2, eng3]} and audience [experiments]"
    )


@pytest.mark.parametrize("command", [
    ("schedule", "plan", "--rotation", "data-pipelines", "--as-of", AS_OF),
    ("report",),
])
def test_commands_refuse_an_unknown_calendar(run: Callable[..., Result], team: Path, command: tuple[str, ...]) -> None:
    edit(team, "ops-data/holidays.yaml", "calendar: US", "calendar: XX")
    result = run(*command, "--root", team)
    assert result.code == 2
    assert "ops-data/holidays.yaml:" in result.err and "no calendar 'XX'" in result.err
