"""POL rules: waivers are temporary and must still be needed; weakening the policy is visible."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from opscheck.dataset import Dataset
from opscheck.findings import Finding
from opscheck.rules.base import Hit, Options, Rule, Weaker, rule
from opscheck.settings import POLICY_FILE, Policy
from opscheck.source import Loc


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


@rule("POL003", "policy-weakened", severity="warning", requires="base")
def policy_weakened(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """With `--base`, the change weakens the policy.

    Turning a rule off or down to a warning, loosening a parameter, adding or extending a
    waiver, or removing a custom rule changes what every later run checks. It may be right,
    but reviewers should see it: each weakening is named where it was made.

    Failing:
        # base: rules: {ONC001: {min_gap_weeks: 2}}
        rules:
          ONC001: {min_gap_weeks: 1}

    Passing:
        # base: rules: {ONC001: {min_gap_weeks: 2}}
        rules:
          ONC001: {min_gap_weeks: 3}
    """
    before = ds.base.policy if ds.base is not None else None
    now = ds.policy
    if before is None or now is None:
        return
    from opscheck.rules import RULES

    for rule_id, was, is_now in _severities(before, now, RULES):
        if _RANK[is_now] < _RANK[was]:
            effect = "it no longer runs" if is_now == "off" else "its findings no longer fail the run"
            yield Hit(Loc(POLICY_FILE, ("rules", rule_id, "severity")), f"{rule_id} is now {is_now} (was {was}): "
                      f"{effect}", rule_id)
    for built in RULES:
        for name, change in _loosened(before.options_for(built), now.options_for(built)):
            yield Hit(Loc(POLICY_FILE, ("rules", built.id, name)), f"{built.id} {name} {change}", built.id)
    yield from _waiver_changes(before, now)
    for rule_id in sorted({c.spec.id for c in before.custom} - {c.spec.id for c in now.custom}):
        yield Hit(Loc(POLICY_FILE), f"custom rule {rule_id} was removed: it no longer runs", rule_id)


_RANK = {"off": 0, "warning": 1, "error": 2}


def _severities(before: Policy, now: Policy, builtin: Iterable[Rule]) -> Iterator[tuple[str, str, str]]:
    """(rule id, severity at base, severity now) for every rule both policies have."""
    for built in builtin:
        yield built.id, before.severity(built), now.severity(built)
    current = {c.spec.id: c for c in now.custom}
    for old in before.custom:
        new = current.get(old.spec.id)
        if new is not None:
            yield (old.spec.id, before.severities.get(old.spec.id, old.spec.severity),
                   now.severities.get(new.spec.id, new.spec.severity))


def _loosened(before: Options, now: Options) -> Iterator[tuple[str, str]]:
    """(parameter, how) for each parameter that now checks less than it did."""
    for name, info in type(now).model_fields.items():
        was, is_now = getattr(before, name), getattr(now, name)
        weaker = next((m.direction for m in info.metadata if isinstance(m, Weaker)), None)
        change = _list_change(was, is_now, weaker) if isinstance(was, list) else _number_change(was, is_now, weaker)
        if change:
            yield name, change


def _number_change(was: Any, is_now: Any, weaker: str | None) -> str:
    if weaker in ("lower", "higher") and was != is_now and (is_now < was) == (weaker == "lower"):
        return f"loosened from {was} to {is_now}"
    return ""


def _list_change(was: list[Any], is_now: list[Any], weaker: str | None) -> str:
    kept = set(is_now)  # parameter values are text: one lookup each, not a scan of the list
    dropped = [str(v) for v in was if v not in kept]
    if weaker == "narrows" and not was and is_now:
        return f"now narrows what is checked to {', '.join(map(str, is_now))}"
    if dropped and (weaker != "narrows" or is_now):
        return f"no longer includes {', '.join(dropped)}"
    return ""


def _waiver_changes(before: Policy, now: Policy) -> Iterator[Hit]:
    old = {(w.rule, w.subject): w for w in before.waivers}
    for waiver in now.waivers:
        was = old.get((waiver.rule, waiver.subject))
        what = f"waiver of {waiver.rule} for '{waiver.subject}'"
        if was is None:
            yield Hit(waiver.loc.at("rule"), f"{what} was added (expires {waiver.expires})", waiver.subject)
        elif waiver.expires > was.expires:
            yield Hit(waiver.loc.at("expires"), f"{what} was extended from {was.expires} to {waiver.expires}",
                      waiver.subject)
