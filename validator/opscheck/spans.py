"""When each engineer is on call, as instants: the basis of ONC006 and of the planner's busy time.

A shift runs from its handoff (weekday, time, time zone) for 7 days; an override takes whole
calendar days in that time zone away from whoever had them. Instants are kept in UTC so that
rotations in different time zones compare directly.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
from typing import NamedTuple
from zoneinfo import ZoneInfo

from opscheck.models import Handoff, Rotation

UTC = dt.timezone.utc
WEEK = dt.timedelta(days=7)


class Span(NamedTuple):
    """An engineer on call in a rotation from ``start`` to ``end`` (UTC) because of one entry."""

    start: dt.datetime
    end: dt.datetime
    engineer: str
    rotation: str
    kind: str  # "shifts" or "overrides": the list of the rotation the entry is in
    entry: int  # position in that list
    day: dt.date  # the entry's week or first day


def handoff_at(handoff: Handoff, day: dt.date) -> dt.datetime:
    """The handoff instant on ``day`` (a handoff day), in UTC."""
    return _instant(day, handoff.time, handoff.timezone)


@functools.lru_cache(maxsize=1 << 16)
def _instant(day: dt.date, clock: str, timezone: str) -> dt.datetime:
    """Kept across rotations: one shift's end is the next one's start, and rotations that share
    people mostly share their handoffs and weeks too (41,000 of them, four instants each)."""
    return dt.datetime.combine(day, dt.time.fromisoformat(clock), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def day_at(handoff: Handoff, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The calendar day ``day`` in the handoff time zone, as UTC instants."""
    tz = ZoneInfo(handoff.timezone)
    start = dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz).astimezone(UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), tzinfo=tz).astimezone(UTC)
    return start, end


def week_at(handoff: Handoff, week: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The instants of the shift of ``week``: from its handoff to the next."""
    return handoff_at(handoff, week), handoff_at(handoff, week + WEEK)


def rotation_spans(rot: Rotation) -> list[Span]:
    """Every span in which someone is on call in ``rot``: shifts minus overridden days, plus overrides."""
    taken = [
        Span(day_at(rot.handoff, ov.first)[0], day_at(rot.handoff, ov.last)[1], ov.engineer, rot.id, "overrides", i,
             ov.first)
        for i, ov in enumerate(rot.overrides)
    ]
    cuts = union([(t.start, t.end) for t in taken])
    ends = [end for _, end in cuts]
    out = list(taken)
    for i, shift in enumerate(rot.shifts):
        for start, end in subtract(*week_at(rot.handoff, shift.week), cuts, ends):
            out.append(Span(start, end, shift.engineer, rot.id, "shifts", i, shift.week))
    return out


def subtract(start: dt.datetime, end: dt.datetime, cuts: list[tuple[dt.datetime, dt.datetime]],
             ends: list[dt.datetime]) -> list[tuple[dt.datetime, dt.datetime]]:
    """What is left of [start, end) without the disjoint, sorted ``cuts`` (``ends`` are their ends), in order."""
    out = []
    for cut_start, cut_end in cuts[bisect.bisect_right(ends, start):]:
        if cut_start >= end:
            break
        if cut_start > start:
            out.append((start, cut_start))
        start = max(start, cut_end)
    if start < end:
        out.append((start, end))
    return out


def union(spans: list[tuple[dt.datetime, dt.datetime]]) -> list[tuple[dt.datetime, dt.datetime]]:
    """Disjoint, sorted spans covering the same instants (so their ends are sorted too)."""
    out: list[tuple[dt.datetime, dt.datetime]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def describe(span: Span) -> str:
    what = "shift of" if span.kind == "shifts" else "override of"
    return f"'{span.rotation}' ({what} {span.day})"
