"""ONC006: nobody is on call in two rotations at the same instant."""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Iterator

from opscheck.dataset import Dataset
from opscheck.rules.base import Hit, Options, rule
from opscheck.spans import UTC, Span, describe, rotation_spans


@rule("ONC006", "double-booked")
def double_booked(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """An engineer is on call in two rotations at the same instant.

    One person cannot answer two pages at once, and carries twice the load of the others.
    Shifts run from handoff to handoff in each rotation's own time zone; an override takes
    whole days. Only time from as-of on is checked: past shifts are history.

    Failing:
        rotations:
          - {id: a, handoff: {weekday: monday, time: "09:00", timezone: Europe/London},
             shifts: [{week: 2027-01-04, engineer: eng1}]}
          - {id: b, handoff: {weekday: friday, time: "17:00", timezone: Europe/London},
             shifts: [{week: 2027-01-08, engineer: eng1}]}

    Passing:
        rotations:
          - {id: a, ..., shifts: [{week: 2027-01-04, engineer: eng1}]}
          - {id: b, ..., shifts: [{week: 2027-01-08, engineer: eng2}]}
    """
    if len(ds.rotations) < 2:
        return
    since = dt.datetime.combine(ds.as_of, dt.time(0, 0), tzinfo=UTC)
    by_engineer: dict[str, list[Span]] = defaultdict(list)
    for rot in ds.rotations.values():
        for span in rotation_spans(rot):
            if span.end > since:
                by_engineer[span.engineer].append(span)
    for engineer in sorted(by_engineer):
        yield from _clashes(ds, sorted(by_engineer[engineer]))


def _clashes(ds: Dataset, spans: list[Span]) -> Iterator[Hit]:
    """Each span that starts while the same engineer is still on call in another rotation.

    Only rotations whose latest span has not ended are compared (in the order they were first
    met): one engineer in 40,000 rotations made every span meet every rotation.
    """
    latest: dict[str, Span] = {}  # per rotation, the span ending last so far
    first: dict[str, int] = {}  # per rotation, when it was first met
    running: set[str] = set()  # rotations whose latest span may not have ended yet
    ending: list[tuple[dt.datetime, str]] = []  # (end, rotation) of each latest span, soonest first
    reported: set[tuple[str, int, str, int, str]] = set()
    for span in spans:
        while ending and ending[0][0] <= span.start:
            _, ended = heapq.heappop(ending)
            if latest[ended].end <= span.start:
                running.discard(ended)
        for other in [latest[r] for r in sorted(running, key=first.__getitem__)]:
            key = (span.rotation, span.entry, other.rotation, other.entry, span.kind + other.kind)
            if other.rotation == span.rotation or other.end <= span.start or key in reported:
                continue
            reported.add(key)
            rot = ds.rotations[span.rotation]
            yield Hit(
                rot.loc.at(span.kind, span.entry, "engineer"),
                f"'{span.engineer}' is on call in {describe(other)} and in {describe(span)} at the same time, "
                f"from {span.start:%Y-%m-%d %H:%M} UTC; give one of them to someone else",
                f"{span.rotation}@{span.day}",
                ident=f"{span.kind}.{span.entry}:with:{other.rotation}.{other.kind}.{other.entry}",
            )
        current = latest.get(span.rotation)
        if current is None or span.end > current.end:
            latest[span.rotation] = span
            first.setdefault(span.rotation, len(first))
            running.add(span.rotation)
            heapq.heappush(ending, (span.end, span.rotation))
