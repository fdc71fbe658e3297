"""JUnit XML for CI test reports: one testsuite ``opscheck``, one testcase per rule.

Each finding that fails the run (an error; with ``--strict`` a warning too) is a
``<failure>`` of its rule's testcase, and ``failures`` counts the failed testcases, as
CI dashboards do. Other findings (warnings, waived ones) are listed in the testcase's
``<system-out>``, one a line. A rule left on that had nothing to check (GIT rules without
``--base``, DBT rules without a manifest) is a ``<skipped/>`` testcase; rules the policy turned off are not listed.
The file validates against the Jenkins xUnit ``junit-10.xsd``. No timestamps or
durations, so the same input gives the same bytes.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import partial

from opscheck.findings import Finding, Report
from opscheck.reporters import Write
from opscheck.rules.base import REQUIREMENTS, Rule

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


# A placeholder child: the element around it is serialised and indented by ElementTree, and the
# children it stands for are written in its place one at a time, so no output is held whole.
_CUT = "opscheck-children"
Piece = Callable[[Write], None]


def _with_children(root: ET.Element, level: int, children: Sequence[Piece], out: Write) -> None:
    """Write ``root`` (at ``level``) with ``children`` in place of its ``_CUT`` child (there is one
    when there are children)."""
    ET.indent(root, level=level)
    text = ET.tostring(root, encoding="unicode")
    if not children:
        out(text)
        return
    before, after = text.split(f"<{_CUT} />")
    out(before)
    gap = before[before.rindex("\n"):]  # the indentation of the first child is each child's
    for i, child in enumerate(children):
        if i:
            out(gap)
        child(out)
    out(after)


def _testcase(report: Report, rule: Rule, findings: list[Finding], skipped: str | None, out: Write) -> None:
    case = ET.Element("testcase", classname=group(rule.id), name=_xml(f"{rule.id} {rule.name}"))
    if skipped is not None:
        ET.SubElement(case, "skipped", message=REQUIREMENTS[skipped].skipped)
    failures = [partial(_failure, rule, f) for f in findings if report.fails(f)]
    if failures:
        ET.SubElement(case, _CUT)
    notes = [
        f"{_place(f)}: {f.rule} {f.severity}" + (f" (waived: {f.waiver_reason})" if f.waived else "")
        + f": {f.message}"
        for f in findings
        if not report.fails(f)
    ]
    if notes:
        ET.SubElement(case, "system-out").text = _xml("\n".join(notes) + "\n")
    _with_children(case, 2, failures, out)


def _failure(rule: Rule, f: Finding, out: Write) -> None:
    failure = ET.Element("failure", message=_xml(f.message), type=rule.id)
    failure.text = _xml(f"{_place(f)}: {f.message}")
    out(ET.tostring(failure, encoding="unicode"))


def write(report: Report, rules: Sequence[Rule], out: Write) -> None:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_rule[f.rule].append(f)
    ran, skipped = set(report.rules), dict(report.skipped)
    listed = [r for r in rules if r.id in ran]
    counts = {
        "tests": str(len(listed)),
        "failures": str(sum(1 for r in listed if any(report.fails(f) for f in by_rule[r.id]))),
        "errors": "0",
    }
    # junit-10.xsd allows `skipped` on <testsuite> only
    suites = ET.Element("testsuites", {"name": "opscheck", **counts})
    suite = ET.SubElement(suites, "testsuite", {"name": "opscheck", **counts, "skipped": str(len(skipped))})
    ET.SubElement(ET.SubElement(suite, "properties"), "property", name="as_of", value=report.as_of.isoformat())
    cases = [partial(_testcase, report, r, by_rule[r.id], skipped.get(r.id)) for r in listed]
    if cases:
        ET.SubElement(suite, _CUT)
    out('<?xml version="1.0" encoding="UTF-8"?>\n')
    _with_children(suites, 0, cases, out)
    out("\n")
