"""POL003: with --base, a change that weakens the policy is a warning naming what changed, where.

Like GIT001 and GIT002, its cases need git history, so they live here rather than in
tests/cases/rules/: the failing cases first, then the passing ones (``test_..._passes``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import AS_OF, Result
from gitrepo import base_findings, commit, edit, git, line_of, pull_request

POLICY = "policies/opscheck.yaml"
RULE = "id: X-TWO-NAMES\nsummary: s\nseverity: {severity}\ntarget: engineers\nmessage: '{{id}}'\nschema: {{}}\n"


@pytest.fixture
def repo(team: Path) -> Path:
    """The team's data and policy, with a waiver and a custom rule, committed on main; branch pr."""
    edit(team / POLICY, "waivers: []",
         "waivers:\n  - {rule: OWN005, subject: eng1, reason: handover in DATA-9, expires: 2027-01-31}")
    (team / "policies/rules").mkdir()
    (team / "policies/rules/two-names.yaml").write_text(RULE.format(severity="error"), encoding="utf-8")
    edit(team / POLICY, "ONC001: {min_gap_weeks: 1}", "ONC001: {min_gap_weeks: 2}")
    return pull_request(team)


def _policy_findings(run: Callable[..., Result], root: Path, *extra: str) -> tuple[int, list[dict[str, Any]]]:
    return base_findings(run, root, "POL003", *extra)


@pytest.mark.parametrize(
    ("old", "new", "line_text", "subject", "message"),
    [
        ("ONC001: {min_gap_weeks: 2}", "ONC001: {min_gap_weeks: 1}", "ONC001:", "ONC001",
         "ONC001 min_gap_weeks loosened from 2 to 1"),
        ("OWN005: {max_primary: 3}", "OWN005: {max_primary: 5}", "OWN005:", "OWN005",
         "OWN005 max_primary loosened from 3 to 5"),
        ("OWN005: {max_primary: 3}", "OWN005: {max_primary: 3, severity: 'off'}", "OWN005:", "OWN005",
         "OWN005 is now off (was warning): it no longer runs"),
        ("ONC003: {min_days_ahead: 91}", "ONC003: {min_days_ahead: 91, severity: warning}", "ONC003:", "ONC003",
         "ONC003 is now warning (was error): its findings no longer fail the run"),
        ("  ONC005: {max_spread: 1}\n", "", "rules:", "ONC005", None),  # back to the default: not weaker
        ("required_categories: [upstream, downstream]", "required_categories: [upstream]", "required_categories",
         "RUN002", "RUN002 required_categories no longer includes downstream"),
        ("Failure modes, Escalation]", "Failure modes]", "RUN003:", "RUN003",
         "RUN003 required_sections no longer includes Escalation"),
        ("expires: 2027-01-31}", "expires: 2027-06-30}", "handover", "eng1",
         "waiver of OWN005 for 'eng1' was extended from 2027-01-31 to 2027-06-30"),
        ("waivers:\n", "waivers:\n  - {rule: RUN005, subject: profit-aggregate, reason: r, expires: 2027-01-01}\n",
         "rule: RUN005", "profit-aggregate", "waiver of RUN005 for 'profit-aggregate' was added (expires 2027-01-01)"),
    ],
)
def test_a_weakened_policy_is_pol003(
    run: Callable[..., Result], repo: Path, old: str, new: str, line_text: str, subject: str, message: str | None
) -> None:
    edit(repo / POLICY, old, new)
    code, findings = _policy_findings(run, repo)
    if message is None:
        assert (code, findings) == (0, [])
        return
    assert code == 0  # a warning: reviewers see it, the run passes
    assert [(f["rule"], f["severity"], f["file"], f["line"], f["subject"]) for f in findings] == [
        ("POL003", "warning", POLICY, line_of(repo / POLICY, line_text), subject)
    ]
    assert findings[0]["message"] == message
    assert _policy_findings(run, repo, "--strict")[0] == 1


def test_removing_a_custom_rule_is_pol003(run: Callable[..., Result], repo: Path) -> None:
    (repo / "policies/rules/two-names.yaml").unlink()
    findings = _policy_findings(run, repo)[1]
    assert [(f["rule"], f["severity"], f["line"], f["subject"], f["message"]) for f in findings] == [
        ("POL003", "warning", line_of(repo / POLICY, "rules:"), "X-TWO-NAMES",
         "custom rule X-TWO-NAMES was removed: it no longer runs")
    ]


def test_lowering_a_custom_rule_is_pol003(run: Callable[..., Result], repo: Path) -> None:
    (repo / "policies/rules/two-names.yaml").write_text(RULE.format(severity="warning"), encoding="utf-8")
    findings = _policy_findings(run, repo)[1]
    assert [(f["subject"], f["message"]) for f in findings] == [
        ("X-TWO-NAMES", "X-TWO-NAMES is now warning (was error): its findings no longer fail the run")
    ]


def test_several_weakenings_are_each_named(run: Callable[..., Result], repo: Path) -> None:
    edit(repo / POLICY, "ONC001: {min_gap_weeks: 2}", "ONC001: {severity: 'off', min_gap_weeks: 1}")
    edit(repo / POLICY, "RUN005: {max_age_days: 180}", "RUN005: {max_age_days: 365}")
    messages = [f["message"] for f in _policy_findings(run, repo)[1]]
    assert messages == ["ONC001 is now off (was error): it no longer runs", "ONC001 min_gap_weeks loosened from 2 to 1",
                        "RUN005 max_age_days loosened from 180 to 365"]


def test_dropped_list_entries_are_named_in_order_with_repeats(run: Callable[..., Result], repo: Path) -> None:
    # the longest list a parameter takes, each heading twice; the pull request keeps every other
    # heading in another order: the dropped ones are named as the base listed them, repeats included
    old = "required_sections: [Overview, Dependencies, Failure modes, Escalation]"
    sections = [f"S{i % 25}" for i in range(50)]
    git(repo, "checkout", "-q", "main")
    edit(repo / POLICY, old, f"required_sections: [{', '.join(sections)}]")
    commit(repo, "Require more sections", "2026-01-06T10:00:00+00:00")
    git(repo, "checkout", "-q", "-B", "pr")
    edit(repo / POLICY, f"required_sections: [{', '.join(sections)}]",
         f"required_sections: [{', '.join(f'S{i}' for i in reversed(range(0, 25, 2)))}]")
    findings = _policy_findings(run, repo)[1]
    dropped = [s for s in sections if int(s[1:]) % 2]
    assert [(f["subject"], f["message"]) for f in findings] == [
        ("RUN003", f"RUN003 required_sections no longer includes {', '.join(dropped)}")]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("ONC001: {min_gap_weeks: 2}", "ONC001: {min_gap_weeks: 3}"),
        ("required_categories: [upstream, downstream]", "required_categories: [upstream, downstream, internal]"),
        ("OWN005: {max_primary: 3}", "OWN005: {max_primary: 2, severity: error}"),
        ("expires: 2027-01-31}", "expires: 2026-12-31}"),
        ("waivers:\n  - {rule: OWN005, subject: eng1, reason: handover in DATA-9, expires: 2027-01-31}\n",
         "waivers: []\n"),
        ("# opscheck policy", "# the team's opscheck policy"),
    ],
)
def test_a_tightened_or_unchanged_policy_passes(run: Callable[..., Result], repo: Path, old: str, new: str) -> None:
    edit(repo / POLICY, old, new)
    assert _policy_findings(run, repo) == (0, [])


def test_pol003_needs_base(run: Callable[..., Result], repo: Path) -> None:
    edit(repo / POLICY, "ONC001: {min_gap_weeks: 2}", "ONC001: {min_gap_weeks: 1}")
    result = run("validate", "--root", repo, "--as-of", AS_OF, "--select", "POL003")
    assert result.code == 0 and "POL003" in result.err and "--base" in result.err


def test_an_unreadable_policy_at_the_base_is_not_compared(run: Callable[..., Result], repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    edit(repo / POLICY, "ONC001: {min_gap_weeks: 2}", "ONC001: {min_gap_weeks: -2}")
    commit(repo, "A broken policy", "2026-01-06T10:00:00+00:00")
    git(repo, "checkout", "-q", "pr")
    assert _policy_findings(run, repo) == (0, [])
