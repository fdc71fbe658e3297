"""The repository's own data passes every rule."""

from __future__ import annotations

from collections.abc import Callable

from conftest import AS_OF, REPO, Result


def test_own_data_is_clean(run: Callable[..., Result]) -> None:
    result = run("validate", "--root", REPO, "--as-of", AS_OF, "--format", "json", "--strict")
    assert result.code == 0, result.out
    data = result.json()
    assert data["findings"] == []
    assert data["summary"] == {"errors": 0, "warnings": 0, "waived": 0, "files": 8}


def test_readme_rule_table_matches_registry() -> None:
    from opscheck.engine import all_rules

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for rule in all_rules():
        assert f"| {rule.id} | {rule.name} | {rule.severity} | {rule.summary} |" in readme, rule.id
