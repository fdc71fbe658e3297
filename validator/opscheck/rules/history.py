"""GIT rules: with `--base REF`, the past is history and the next weeks are promises."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from pydantic import Field

from opscheck.dataset import Dataset, data_file
from opscheck.models import Override, Rotation
from opscheck.rules.base import LOWER_IS_WEAKER, Hit, Options, rule
from opscheck.source import Loc

ONCALL = data_file("oncall.yaml")


def _pairs(ds: Dataset) -> Iterator[tuple[Rotation | None, Rotation]]:
    """Each rotation of the base with its counterpart in the checked data (None when removed)."""
    if ds.base is None:
        return
    for rid, old in ds.base.rotations.items():
        yield ds.rotations.get(rid), old


def _override_text(ov: Override) -> str:
    days = str(ov.first) if ov.first == ov.last else f"{ov.first} to {ov.last}"
    return f"{ov.engineer} on {days}" + (f" ({ov.reason})" if ov.reason else "")


@rule("GIT001", "history-rewritten", requires="base")
def history_rewritten(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """With `--base`, a shift or override that had started before as-of was changed or removed.

    Past shifts and overrides are the record of who was on call; payroll, incident reviews and
    the fairness rules count on them. Record what really happened as an override with a reason
    instead of editing history. Shifts are matched by week and overrides by their first day;
    a removed rotation is reported at the top of oncall.yaml.

    Failing:
        # as-of 2026-03-10; the base branch has {week: 2026-03-02, engineer: eng1}
        - {week: 2026-03-02, engineer: eng3}

    Passing:
        - {week: 2026-03-02, engineer: eng1}
        overrides:
          - {start: 2026-03-04, end: 2026-03-08, engineer: eng3, reason: eng1 was ill}
    """
    fix = "history is kept as it happened; restore it and record the change as an override with a reason"
    for new, old in _pairs(ds):
        if new is None:
            # a rotation that is unreadable here is reported by the OPS rules, not removed
            if not ds.may_exist("rotations", old.id) and any(s.week < ds.as_of for s in old.shifts):
                yield Hit(Loc(ONCALL, ("rotations",)),
                          f"rotation '{old.id}' was removed with its past shifts; {fix}", old.id, key=True)
            continue
        weeks = {s.week: i for i, s in enumerate(new.shifts)}
        for shift in old.shifts:
            if shift.week >= ds.as_of:
                continue
            i = weeks.get(shift.week)
            subject = f"{old.id}@{shift.week}"
            if i is None:
                yield Hit(new.loc.at("id"), f"past shift of week {shift.week} ({shift.engineer}) was removed "
                          f"from rotation '{old.id}'; {fix}", subject)
            elif new.shifts[i].engineer != shift.engineer:
                yield Hit(new.loc.at("shifts", i, "engineer"), f"past shift of week {shift.week} was reassigned "
                          f"from {shift.engineer} to {new.shifts[i].engineer}; {fix}", subject)
        yield from _overrides_rewritten(ds, old, new, fix)


def _overrides_rewritten(ds: Dataset, old: Rotation, new: Rotation, fix: str) -> Iterator[Hit]:
    by_day: dict[dt.date, list[int]] = {}
    for i, ov in enumerate(new.overrides):
        by_day.setdefault(ov.first, []).append(i)
    # overrides are frozen models that hash by their fields: one lookup each, where a scan of the
    # day's overrides was quadratic in a file of many overrides on one day
    kept = set(new.overrides)
    for ov in old.overrides:
        if ov.first >= ds.as_of or ov in kept:
            continue
        subject = f"{old.id}@{ov.first}"
        same_day = by_day.get(ov.first)
        if not same_day:
            yield Hit(new.loc.at("id"), f"past override {_override_text(ov)} was removed; {fix}", subject)
            continue
        i = same_day[0]
        now = new.overrides[i]
        changed = [f for f in ("engineer", "date", "start", "end", "reason") if getattr(now, f) != getattr(ov, f)]
        field = next((f for f in changed if getattr(now, f) is not None), "engineer")
        yield Hit(new.loc.at("overrides", i, field),
                  f"past override {_override_text(ov)} was changed to {_override_text(now)}; {fix}", subject)


class FreezeOptions(Options):
    freeze_days: Annotated[int, Field(ge=0, le=366), LOWER_IS_WEAKER] = 14


@rule("GIT002", "freeze-window", severity="warning", options=FreezeOptions, requires="base")
def freeze_window(ds: Dataset, opts: FreezeOptions) -> Iterator[Hit]:
    """With `--base`, a shift starting within `freeze_days` of as-of was reassigned.

    People plan their lives around the published schedule; a change at short notice needs the
    other engineer's agreement. Prefer an override with a reason (a swap), and say in the pull
    request that both engineers agreed.

    Failing:
        # as-of 2026-03-02; the base branch has {week: 2026-03-09, engineer: eng1}
        - {week: 2026-03-09, engineer: eng2}

    Passing:
        - {week: 2026-03-09, engineer: eng1}
        overrides:
          - {start: 2026-03-09, end: 2026-03-15, engineer: eng2, reason: swap agreed with eng1}
    """
    until = ds.as_of + dt.timedelta(days=opts.freeze_days)
    for new, old in _pairs(ds):
        if new is None:
            continue
        weeks = {s.week: i for i, s in enumerate(new.shifts)}
        for shift in old.shifts:
            i = weeks.get(shift.week)
            if not ds.as_of <= shift.week < until or i is None or new.shifts[i].engineer == shift.engineer:
                continue
            yield Hit(new.loc.at("shifts", i, "engineer"), f"shift of week {shift.week} was reassigned from "
                      f"{shift.engineer} to {new.shifts[i].engineer} less than {opts.freeze_days} days ahead; "
                      "get both engineers' agreement, or record a swap as an override with a reason",
                      f"{old.id}@{shift.week}")
