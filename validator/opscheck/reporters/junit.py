"""JUnit XML for CI test reports: one testsuite ``opscheck``, one testcase per rule that ran.

Each error finding is a ``<failure>`` of its rule's testcase, and ``failures`` counts
them (as junitparser does), not the failing testcases. Warnings and waived
findings do not fail the testcase: they are listed in its ``<system-out>``, one a line.
Rules the policy turned off did not run and are not listed. No timestamps or durations,
so the same input gives the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Sequence

from opscheck.findings import Finding, Report
from opscheck.rules.base import Rule

# Characters XML 1.0 cannot hold at all, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def group(rule_id: str) -> str:
    """``ONC001`` -> ``opscheck.ONC``; custom rules (``X-...``) -> ``opscheck.X``."""
    match = re.match(r"[A-Za-z]+", rule_id)
    return f"opscheck.{match.group(0) if match else rule_id}"


def _place(f: Finding) -> str:
    return f"{f.file}:{f.line}:{f.column}"


def _testcase(rule: Rule, findings: list[Finding]) -> ET.Element:
    case = ET.Element("testcase", classname=group(rule.id), name=_xml(f"{rule.id} {rule.name}"))
    for f in findings:
        if f.severity == "error" and not f.waived:
            failure = ET.SubElement(case, "failure", message=_xml(f.message), type=rule.id)
            failure.text = _xml(f"{_place(f)}: {f.message}")
    notes = [
        f"{_place(f)}: {f.rule} {f.severity}" + (f" (waived: {f.waiver_reason})" if f.waived else "")
        + f": {f.message}"
        for f in findings
        if f.severity != "error" or f.waived
    ]
    if notes:
        ET.SubElement(case, "system-out").text = _xml("\n".join(notes) + "\n")
    return case


def render(report: Report, rules: Sequence[Rule]) -> str:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_rule[f.rule].append(f)
    ran = set(report.rules)
    cases = [_testcase(r, by_rule[r.id]) for r in rules if r.id in ran]
    failures = sum(len(c.findall("failure")) for c in cases)
    counts = {"tests": str(len(cases)), "failures": str(failures), "errors": "0", "skipped": "0"}
    suites = ET.Element("testsuites", {"name": "opscheck", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": "opscheck", **counts})
    ET.SubElement(ET.SubElement(suite, "properties"), "property", name="as_of", value=report.as_of.isoformat())
    suite.extend(cases)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
