"""The Finding value type and the Report a run produces."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, NamedTuple

Severity = Literal["error", "warning", "off"]


class Finding(NamedTuple):
    rule: str
    severity: Severity
    message: str
    file: str
    line: int
    column: int
    subject: str | None
    waived: bool = False
    waiver_reason: str | None = None
    # What is wrong, in words that survive edits elsewhere and another as-of (a YAML path,
    # a link target): with rule, file and subject it makes the SARIF fingerprint.
    ident: str = ""

    def sort_key(self) -> tuple[str, int, str, int, str]:
        return (self.file, self.line, self.rule, self.column, self.message)


@dataclass(frozen=True)
class Report:
    as_of: dt.date
    findings: tuple[Finding, ...]
    files: int
    rules: tuple[str, ...]  # ids of the rules the policy left on, for reporters that list them
    # rules left on that had nothing to check against (GIT rules without --base, DBT rules without
    # a manifest), with what they need: a key of rules.base.REQUIREMENTS
    skipped: tuple[tuple[str, str], ...] = ()
    strict: bool = False  # warnings fail the run too (--strict)
    prefix: str = ""  # --root relative to its repository, once the CI formats put paths under it

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error" and not f.waived)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning" and not f.waived)

    @property
    def waived(self) -> int:
        return sum(1 for f in self.findings if f.waived)

    def fails(self, finding: Finding) -> bool:
        """Whether ``finding`` makes the run fail (exit 1)."""
        return not finding.waived and (finding.severity == "error" or (self.strict and finding.severity == "warning"))

    def exit_code(self, strict: bool) -> int:
        return 1 if self.errors or (strict and self.warnings) else 0
