"""POL rules: waivers are temporary and must still be needed."""

from __future__ import annotations

from collections.abc import Iterator

from opscheck.dataset import Dataset
from opscheck.findings import Finding
from opscheck.rules.base import Hit, Options, rule


@rule("POL001", "waiver-expired")
def waiver_expired(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """A waiver has expired.

    A waiver is a dated promise to fix something. Once it expires it no longer hides
    the finding; fix the cause, or renew the waiver with a reason.

    Failing:
        waivers:
          - {rule: RUN005, subject: profit-aggregate, reason: rewrite in DATA-123, expires: 2025-01-31}

    Passing:
        waivers:
          - {rule: RUN005, subject: profit-aggregate, reason: rewrite in DATA-123, expires: 2027-01-31}
    """
    for waiver in ds.waivers:
        if waiver.expires < ds.as_of:
            yield Hit(waiver.loc.at("expires"), f"waiver of {waiver.rule} for '{waiver.subject}' expired on "
                      f"{waiver.expires}; fix the finding or renew the waiver", waiver.subject)


@rule("POL002", "waiver-unused", severity="warning", after=True)
def waiver_unused(ds: Dataset, opts: Options, findings: list[Finding]) -> Iterator[Hit]:
    """A waiver matches no finding.

    The problem it excused is gone (or the subject is misspelt); remove the waiver so it
    cannot hide a future problem. Waivers of rules that `--select` or `--ignore` leave out
    of a run are not judged.

    Failing:
        waivers:
          - {rule: OWN005, subject: nobody, reason: legacy, expires: 2027-01-31}

    Passing:
        waivers: []
    """
    used = {(f.rule, f.subject) for f in findings if f.waived}
    for waiver in ds.waivers:
        judged = waiver.rule in ds.selected and waiver.expires >= ds.as_of
        if judged and (waiver.rule, waiver.subject) not in used:
            yield Hit(waiver.loc.at("subject"), f"waiver of {waiver.rule} for '{waiver.subject}' matches no "
                      "finding; remove it", waiver.subject)
