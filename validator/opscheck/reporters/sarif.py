"""SARIF 2.1.0 for code scanning: one run, every rule of the run in ``tool.driver.rules``.

Rule metadata comes from the rule registry (the docstrings ``opscheck explain`` prints).
A rule the policy turned off is listed with level ``none``. Waived findings stay in the
log as results with an external suppression carrying the waiver's reason.

A result's fingerprint names the problem, not its wording or place: a hash of the rule, the
file, the subject and the finding's ``ident`` (the YAML path of the node with list entries
named by their id, or what the rule says is wrong: a section, a link, a year). So code
scanning keeps one alert across runs on other days and edits elsewhere in the file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from opscheck import HOME, __version__, jsontext
from opscheck.findings import Finding, Report
from opscheck.reporters import Write
from opscheck.rules.base import Rule

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT = "opscheck/v2"
RULES_ANCHOR = f"{HOME}#rules"  # the README's rule table


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
    # SARIF wants `name` left out when it only repeats the id (custom rules: X-FOO / x-foo)
    name = {"name": rule.name} if rule.name.casefold() != rule.id.casefold() else {}
    return {
        "id": rule.id,
        **name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale or rule.summary},
        "help": _help(rule),
        "helpUri": RULES_ANCHOR,
        "defaultConfiguration": {"level": _level(rule.severity) if ran else "none"},
    }


def fingerprint(finding: Finding) -> str:
    key = "\0".join((finding.rule, finding.file, finding.subject or "", finding.ident))
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


def automation_id(report: Report) -> str:
    """``opscheck/[ROOT/]AS-OF``: code scanning's category is everything up to the last slash, so
    each opscheck root of a repository keeps its own alerts, apart from other tools' (this id
    takes precedence over upload-sarif's `category` input)."""
    return "/".join(("opscheck", *filter(None, [report.prefix]), report.as_of.isoformat()))


def as_dict(report: Report, rules: Sequence[Rule]) -> dict[str, Any]:
    ran = set(report.rules)
    index = {r.id: i for i, r in enumerate(rules)}
    driver = {
        "name": "opscheck",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": HOME,
        "rules": [rule_descriptor(r, r.id in ran) for r in rules],
    }
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "automationDetails": {"id": automation_id(report)},
            "columnKind": "unicodeCodePoints",
            # made one by one as they are written: tens of thousands of results are never held whole
            "results": jsontext.Lazy(result(f, index) for f in report.findings),
            "properties": {"as_of": report.as_of.isoformat()},
        }],
    }


def write(report: Report, rules: Sequence[Rule], out: Write) -> None:
    jsontext.dump(as_dict(report, rules), out)
    out("\n")
