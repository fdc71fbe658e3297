"""GitHub Actions: one workflow command per finding, so findings show as annotations on the diff.

Errors are ``::error``, warnings ``::warning``; a waived finding is a ``::notice`` whose
title says it is waived and why, so reviewers see it without it failing anything. Every
value is escaped the way the runner unescapes it, so data can never end a command early
or start a second one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from opscheck.findings import Finding, Report
from opscheck.reporters import Write
from opscheck.reporters.text import summary
from opscheck.rules.base import Rule

_DATA_ESCAPES = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
_PROPERTY_ESCAPES = (*_DATA_ESCAPES, (":", "%3A"), (",", "%2C"))


def escape_data(value: str) -> str:
    for raw, escaped in _DATA_ESCAPES:
        value = value.replace(raw, escaped)
    return value


def escape_property(value: str) -> str:
    for raw, escaped in _PROPERTY_ESCAPES:
        value = value.replace(raw, escaped)
    return value


def command(finding: Finding) -> str:
    kind = "notice" if finding.waived else finding.severity
    title = f"{finding.rule} (waived: {finding.waiver_reason})" if finding.waived else finding.rule
    props = {"file": finding.file, "line": str(finding.line), "col": str(finding.column), "title": title}
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in props.items())
    return f"::{kind} {joined}::{escape_data(finding.message)}"


def write(report: Report, rules: Sequence[Rule], out: Write) -> None:
    out("".join(command(f) + "\n" for f in report.findings) + summary(report) + "\n")


# --- the job summary ------------------------------------------------------------------


def _cell(value: str) -> str:
    """Table-safe Markdown: a pipe would end the cell, a line break the row."""
    return " ".join(value.replace("\\", "\\\\").replace("|", "\\|").split())


def summary_markdown(report: Report) -> str:
    lines = [
        "### opscheck",
        "",
        "| errors | warnings | waived | files |",
        "|---:|---:|---:|---:|",
        f"| {report.errors} | {report.warnings} | {report.waived} | {report.files} |",
        "",
    ]
    if not report.findings:
        return "\n".join([*lines, f"No findings (as of {report.as_of}).", ""]) + "\n"
    lines += ["| location | rule | severity | message |", "|---|---|---|---|"]
    for f in report.findings:
        severity = f"{f.severity} (waived: {f.waiver_reason})" if f.waived else f.severity
        cells = (f"`{f.file}:{f.line}`", f.rule, severity, f.message)
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n\n"


def write_step_summary(report: Report, path: Path) -> None:
    """Append the summary to the job summary file (``$GITHUB_STEP_SUMMARY``)."""
    with path.open("a", encoding="utf-8") as out:
        out.write(summary_markdown(report))
