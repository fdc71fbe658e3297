"""Plain text: ``path:line:col: RULE severity: message``, one a line, then a summary."""

from __future__ import annotations

from collections.abc import Sequence

import click

from opscheck.findings import Report
from opscheck.reporters import Write
from opscheck.rules.base import Rule

_COLOURS = {"error": "red", "warning": "yellow"}


def write(report: Report, rules: Sequence[Rule], out: Write, color: bool = False) -> None:
    lines = []
    for f in report.findings:
        if f.waived:
            continue
        severity = click.style(f.severity, fg=_COLOURS[f.severity], bold=True) if color else f.severity
        place = click.style(f"{f.file}:{f.line}:{f.column}:", bold=True) if color else f"{f.file}:{f.line}:{f.column}:"
        lines.append(f"{place} {f.rule} {severity}: {f.message}")
    lines.append(summary(report))
    out("\n".join(lines) + "\n")


def summary(report: Report) -> str:
    def count(n: int, word: str) -> str:
        return f"{n} {word}{'s' * (n != 1)}"

    text = f"{count(report.errors, 'error')}, {count(report.warnings, 'warning')}"
    if report.waived:
        text += f" ({report.waived} waived)"
    return f"{text} in {count(report.files, 'file')} (as of {report.as_of})"
