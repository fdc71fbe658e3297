"""JSON: the stable machine-readable shape of SPEC §5."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opscheck import __version__, jsontext
from opscheck.findings import Report
from opscheck.reporters import Write
from opscheck.rules.base import Rule


def as_dict(report: Report) -> dict[str, Any]:
    return {
        "opscheck": __version__,
        "as_of": report.as_of.isoformat(),
        "summary": {
            "errors": report.errors,
            "warnings": report.warnings,
            "waived": report.waived,
            "files": report.files,
        },
        "findings": jsontext.Lazy(
            {
                "rule": f.rule,
                "severity": f.severity,
                "message": f.message,
                "file": f.file,
                "line": f.line,
                "column": f.column,
                "subject": f.subject,
                "waived": f.waived,
            }
            for f in report.findings
        ),
    }


def write(report: Report, rules: Sequence[Rule], out: Write) -> None:
    jsontext.dump(as_dict(report), out)
    out("\n")
