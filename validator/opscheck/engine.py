"""Run the selected rules over a dataset, apply severities and waivers, and build the Report."""

from __future__ import annotations

from collections.abc import Iterable

from opscheck.dataset import Dataset
from opscheck.errors import ConfigError
from opscheck.findings import Finding, Report, Severity
from opscheck.rules import RULES
from opscheck.rules.base import REQUIREMENTS, Hit, Hits, Needs, Rule
from opscheck.rules.custom import make_rules
from opscheck.settings import Policy
from opscheck.source import path_key
from opscheck.utf8 import valid_utf8

BUILTIN: dict[str, Rule] = {r.id: r for r in RULES}


def all_rules(policy: Policy | None = None) -> list[Rule]:
    """The built-in rules, then the policy's custom ones."""
    custom = make_rules(policy.custom) if policy else []
    return [*RULES, *custom]


def pick(rules: list[Rule], select: Iterable[str], ignore: Iterable[str]) -> list[Rule]:
    """Rules matching ``select`` (ids or prefixes such as ``ONC``) and not ``ignore``."""
    select, ignore = list(select), list(ignore)
    ids = [r.id for r in rules]
    for pattern in select + ignore:
        if not any(i.startswith(pattern) for i in ids):
            raise ConfigError(f"no rule matches '{pattern}'; `opscheck rules` lists them")

    def hit(rule: Rule, patterns: list[str]) -> bool:
        return any(rule.id.startswith(p) for p in patterns)

    picked = [r for r in rules if (not select or hit(r, select)) and not hit(r, ignore)]
    if not picked:
        chosen = ", ".join(r.id for r in rules if not select or hit(r, select))
        raise ConfigError(f"--ignore {','.join(ignore)} leaves no rule to run of those selected ({chosen}); "
                          "narrow --ignore or widen --select")
    return picked


def unchecked_note(report: Report, rules: list[Rule], selected: bool) -> str | None:
    """Say so when a run checked nothing, or when rules the user selected were skipped,
    rather than let "0 errors" read as a pass."""
    if not report.rules:
        return (f"every selected rule ({', '.join(r.id for r in rules)}) is off in the policy: "
                "nothing was checked")
    skipped = [rule for rule, _ in report.skipped]
    if not skipped or not (selected or set(skipped) >= set(report.rules)):
        return None
    needs = {need: [i for i, n in report.skipped if n == need] for _, need in report.skipped}
    what = "; ".join(
        f"{', '.join(ids)} " + REQUIREMENTS[need].verb.format(s="s" * (len(ids) == 1)) for need, ids in needs.items()
    )
    if set(skipped) >= set(report.rules):
        hints = "; ".join(REQUIREMENTS[need].hint for need in needs)
        return f"{what}: nothing was checked; {hints}"
    return f"{what}, so {'it was' if len(skipped) == 1 else 'they were'} skipped"


def _unmet(ds: Dataset, rule: Rule) -> Needs | None:
    """What ``rule`` checks against that this run lacks, if anything."""
    missing = {"base": ds.base is None, "dbt": ds.dbt is None}
    return rule.requires if rule.requires is not None and missing[rule.requires] else None


MAX_FINDINGS = 25_000  # listed per rule and run (above the 21,250 of renaming every engineer of a large organisation)


def run(ds: Dataset, policy: Policy, rules: list[Rule], located: bool = True) -> Report:
    """The report of ``rules`` on ``ds``; without ``located``, findings have line and column 0
    and no ident, for a caller that compares messages alone (places are read from the text)."""
    ds.waivers = policy.waivers
    ds.policy = policy
    ds.selected = {r.id for r in rules}
    findings: list[Finding] = []
    active = [(r, policy.severity(r)) for r in rules if policy.severity(r) != "off"]
    skipped = tuple((r.id, need) for r, _ in active if (need := _unmet(ds, r)) is not None)
    for rule, severity in active:
        if rule.check is not None and _unmet(ds, rule) is None:
            opts = policy.options_for(rule)
            findings += _listed(ds, policy, rule, severity, rule.check(ds, opts), located)
    findings = _waive(ds, policy, findings)
    for rule, severity in active:
        if rule.after is not None:
            opts = policy.options_for(rule)
            findings += _listed(ds, policy, rule, severity, rule.after(ds, opts, findings), located)
    findings.sort(key=Finding.sort_key)
    return Report(ds.as_of, tuple(findings), ds.files + policy.files, tuple(r.id for r, _ in active), skipped)


def _listed(ds: Dataset, policy: Policy, rule: Rule, severity: Severity, hits: Iterable[Hit | Hits],
            located: bool) -> list[Finding]:
    """The findings of ``hits``: the first MAX_FINDINGS, then one that counts the rest. Pairwise
    rules can find millions of problems in a 10 MiB file (40,000 rotations sharing their people):
    listing them all takes more time and memory than any input may, so a group of hits (``Hits``)
    that none of that needs is counted, not made. Findings a live waiver names are listed past
    the cap, up to MAX_FINDINGS of them, then the first of each such subject (to show its waiver
    applies) and no more: a waiver can name a subject of thousands of findings (1,000 waivers of
    rotations sharing a person listed half a million)."""
    waivable = {w.subject for w in policy.waivers if w.rule == rule.id and w.expires >= ds.as_of}
    shown: set[str] = set()  # waived subjects with a finding listed
    out: list[Finding] = []
    first: Hit | None = None  # the first hit left out
    more = waived = 0

    def listed(subject: str) -> bool:
        """Whether a waived finding of ``subject`` is listed past the cap."""
        return subject in waivable and (waived < MAX_FINDINGS or subject not in shown)

    for item in hits:
        if isinstance(item, Hits):
            if len(out) >= MAX_FINDINGS and first is not None:  # neither to list nor the first left out
                about = valid_utf8(item.subject)
                if not listed(about):
                    more += item.size if about not in waivable else 0
                    continue
            group: Iterable[Hit] = item.make()
        else:
            group = (item,)
        for hit in group:
            subject = _subject(hit)
            if len(out) < MAX_FINDINGS or hit.always or listed(subject):
                out.append(_stamp(ds, policy, rule, severity, hit, located))
                if subject in waivable:
                    shown.add(subject)
                    waived += len(out) > MAX_FINDINGS
            elif subject in waivable:
                if isinstance(item, Hits):
                    break  # waived, and the rest of the group is about the same subject
            else:
                first = first or hit
                more += 1
    if first is not None:
        out.append(_stamp(ds, policy, rule, severity, first._replace(
            message=f"{more:,} more {rule.id} findings are not listed, the first of them here (a rule lists at "
                    f"most {MAX_FINDINGS:,}); fix the ones listed and run again", ident="more-findings"), located))
    return out


def _stamp(ds: Dataset, policy: Policy, rule: Rule, severity: Severity, hit: Hit, located: bool) -> Finding:
    if not located:
        return Finding(rule.id, severity, valid_utf8(hit.message), valid_utf8(hit.loc.file), 0, 0, _subject(hit))
    policy_doc = policy.documents.get(hit.loc.file)
    if hit.line is not None:
        line, column = hit.line, hit.column
    elif policy_doc is not None:
        line, column = policy_doc.mark(hit.loc.path, hit.key)
    else:
        line, column = ds.mark(hit.loc, hit.key)
    ident = hit.ident
    if ident is None:
        doc = policy_doc or ds.documents.get(hit.loc.file)
        ident = doc.ident(hit.loc.path) if doc else path_key(None, hit.loc.path)
    return Finding(rule.id, severity, valid_utf8(hit.message), valid_utf8(hit.loc.file), line, column, _subject(hit),
                   ident=ident)


def _subject(hit: Hit) -> str:
    """What a finding is about (and a waiver names): a rule that names nothing narrower means the file."""
    return valid_utf8(hit.subject if hit.subject is not None else hit.loc.file)


def _waive(ds: Dataset, policy: Policy, findings: list[Finding]) -> list[Finding]:
    live: dict[tuple[str, str | None], str] = {
        (w.rule, w.subject): w.reason for w in policy.waivers if w.expires >= ds.as_of
    }
    if not live:
        return findings
    return [
        f._replace(waived=True, waiver_reason=live[(f.rule, f.subject)]) if (f.rule, f.subject) in live else f
        for f in findings
    ]
