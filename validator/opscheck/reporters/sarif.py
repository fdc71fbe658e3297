"""SARIF 2.1.0 for code scanning: one run, every rule of the run in ``tool.driver.rules``.

Rule metadata comes from the rule registry (the docstrings ``opscheck explain`` prints).
A rule the policy turned off is listed with level ``none``. Waived findings stay in the
log as results with an external suppression carrying the waiver's reason. Fingerprints
leave out the line, so a finding keeps its identity when lines above it move.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from opscheck import __version__
from opscheck.findings import Finding, Report
from opscheck.rules.base import Rule

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT = "opscheck/v1"


def _level(severity: str) -> str:
    return "none" if severity == "off" else severity


def _help(rule: Rule) -> dict[str, str]:
    markdown = [f"**{rule.id} ({rule.name})**: {rule.summary}"]
    if rule.rationale:
        markdown += ["", rule.rationale]
    if rule.parameters:
        markdown += ["", "Parameters (set in `policies/opscheck.yaml`):", ""]
        markdown += [f"- `{name}: {json.dumps(value)}`" for name, value in rule.parameters.items()]
    for title in ("Failing", "Passing"):
        example = rule.section(title)
        if example:
            markdown += ["", f"{title} example:", "", "```yaml", example, "```"]
    return {"text": rule.help_text(), "markdown": "\n".join(markdown)}


def rule_descriptor(rule: Rule, ran: bool) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale or rule.summary},
        "help": _help(rule),
        "defaultConfiguration": {"level": _level(rule.severity) if ran else "none"},
    }


def fingerprint(finding: Finding) -> str:
    key = "\0".join((finding.rule, finding.file, finding.subject or "", finding.message))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {"ruleId": finding.rule}
    if finding.rule in index:
        out["ruleIndex"] = index[finding.rule]
    out |= {
        "level": _level(finding.severity),
        "message": {"text": finding.message},
        "locations": [{
            "physicalLocation": {
                # a URI reference: spaces and non-ASCII characters percent-encoded
                "artifactLocation": {"uri": quote(finding.file), "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)},
            },
        }],
        "partialFingerprints": {FINGERPRINT: fingerprint(finding)},
    }
    if finding.subject:
        out["properties"] = {"subject": finding.subject}
    if finding.waived:
        out["suppressions"] = [{"kind": "external", "justification": finding.waiver_reason or ""}]
    return out


def as_dict(report: Report, rules: Sequence[Rule]) -> dict[str, Any]:
    ran = set(report.rules)
    index = {r.id: i for i, r in enumerate(rules)}
    driver = {
        "name": "opscheck",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [rule_descriptor(r, r.id in ran) for r in rules],
    }
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "columnKind": "unicodeCodePoints",
            "results": [result(f, index) for f in report.findings],
            "properties": {"as_of": report.as_of.isoformat()},
        }],
    }


def render(report: Report, rules: Sequence[Rule]) -> str:
    return json.dumps(as_dict(report, rules), indent=2, ensure_ascii=False) + "\n"
