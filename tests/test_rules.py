"""Acceptance cases: each folder of tests/cases/rules/ is a tiny repository and its expected findings.

A case folder holds ``ops-data/``, an optional ``policies/`` and ``expected.json``::

    {"as_of": "2027-01-04", "args": ["--strict"], "exit": 1,
     "summary": {"waived": 1},
     "findings": [{"rule": "OWN005", "file": "ops-data/pipelines.yaml", "line": 27,
                   "subject": "eng1", "severity": "warning", "message_contains": "more than 3"}]}

``rule``, ``file`` and ``line`` are always compared; ``subject``, ``severity`` and
``waived`` when given; ``message_contains`` must be part of the message. With ``"dbt": true``
the case is run on a copy holding the test dbt project, parsed by dbt, as ``analytics/``. The findings
must equal the expected ones exactly, in the order the JSON output sorts them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Result, with_dbt

CASES = Path(__file__).parent / "cases" / "rules"
COMPARED = ("rule", "file", "line", "subject", "severity", "waived")
# Rules whose cases need git history; they live with the history tests.
HISTORY_RULES = ("GIT", "POL003")


def _cases() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if (p / "expected.json").is_file())


def _expected(case: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    return data


def _project(found: dict[str, Any], wanted: dict[str, Any]) -> dict[str, Any]:
    """The keys of ``found`` that ``wanted`` asserts, so optional keys are compared only when given."""
    return {key: found.get(key) for key in COMPARED if key in wanted}


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_case(case: Path, run: Callable[..., Result], request: pytest.FixtureRequest, tmp_path: Path) -> None:
    expected = _expected(case)
    if expected.get("dbt"):  # the case reads the test dbt project, parsed once per session
        case = with_dbt(case, request.getfixturevalue("dbt_parsed"), tmp_path / case.name)
    sarif = tmp_path / "findings.sarif"
    result = run("validate", "--root", case, "--as-of", expected["as_of"], "--format", "json",
                 "--format", "sarif", "--output", sarif, *expected.get("args", []))
    assert "Traceback" not in result.out + result.err
    assert result.code == expected["exit"], result.out + result.err
    report = result.json()
    found = report["findings"]
    wanted = [{k: v for k, v in f.items() if k != "message_contains"} for f in expected["findings"]]
    assert [_project(f, w) for f, w in zip(found, wanted, strict=False)] == wanted, json.dumps(found, indent=2)
    assert len(found) == len(wanted), json.dumps(found, indent=2)
    for f, w in zip(found, expected["findings"], strict=True):
        assert w.get("message_contains", "") in f["message"], f
    for key, value in expected.get("summary", {}).items():
        assert report["summary"][key] == value, report["summary"]
    # code scanning keeps one alert per fingerprint: two problems must never share one
    prints = [r["partialFingerprints"] for r in json.loads(sarif.read_text(encoding="utf-8"))["runs"][0]["results"]]
    assert len({json.dumps(p) for p in prints}) == len(found), prints


def _builtin_ids() -> list[str]:
    from opscheck.rules import RULES

    return [r.id for r in RULES if not r.id.startswith(HISTORY_RULES)]


@pytest.mark.parametrize("rule_id", _builtin_ids())
def test_every_rule_has_a_failing_and_a_passing_case(rule_id: str) -> None:
    failing = [c.name for c in _cases() if any(f["rule"] == rule_id for f in _expected(c)["findings"])]
    passing = [
        c.name for c in _cases()
        if c.name.startswith(rule_id.lower() + "-ok")
        and _expected(c)["exit"] == 0
        and not any(f["rule"] == rule_id and not f.get("waived") for f in _expected(c)["findings"])
    ]
    assert failing, f"no case in {CASES} expects a {rule_id} finding"
    assert passing, f"no case named {rule_id.lower()}-ok-* passes {rule_id}"


def test_custom_rules_have_a_failing_and_a_passing_case() -> None:
    names = [c.name for c in _cases()]
    assert any(n.startswith("custom-ok") for n in names)
    assert any(f["rule"].startswith("X-") for c in _cases() for f in _expected(c)["findings"])
