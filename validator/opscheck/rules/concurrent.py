"""ONC006: nobody is on call in two rotations at the same instant."""

from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import partial

from opscheck.budget import Budget, OutOfWork
from opscheck.dataset import Dataset
from opscheck.rules.base import Hit, Hits, Options, rule
from opscheck.source import Loc
from opscheck.spans import UTC, Span, describe, rotation_spans

# Pieces of shifts that overrides cut are compared with each running rotation (each pair of
# entries is reported once, so the pairs met are kept): past this much work the rule stops, says
# where, and fails the run, rather than hold rotations x rotations pairs (5,000 rotations sharing a
# person, each with a cut shift, took 1.4 GB).
MAX_CUT_WORK = 1_000_000


@rule("ONC006", "double-booked")
def double_booked(ds: Dataset, opts: Options) -> Iterator[Hit | Hits]:
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
    budget = Budget(MAX_CUT_WORK)
    for engineer in sorted(by_engineer):
        yield from _clashes(ds, sorted(by_engineer[engineer]), budget)
        if budget.left < 0:
            return


def _clashes(ds: Dataset, spans: list[Span], budget: Budget) -> Iterator[Hit | Hits]:
    """Each span that starts while the same engineer is still on call in another rotation: one
    group per span, counted without being made (made only when the engine lists them).

    Only rotations whose latest span has not ended are compared (in the order they were first
    met): one engineer in 40,000 rotations made every span meet every rotation. A shift cut by
    overrides is several spans of one entry: each pair of entries is reported once.
    """
    latest: dict[str, Span] = {}  # per rotation, the span ending last so far
    first: dict[str, int] = {}  # per rotation, when it was first met
    running: set[str] = set()  # rotations whose latest span may not have ended yet
    ending: list[tuple[dt.datetime, str]] = []  # (end, rotation) of each latest span, soonest first
    # only overrides cut a shift into several spans
    pieces = Counter((s.rotation, s.kind, s.entry) for s in spans if ds.rotations[s.rotation].overrides)
    paired: dict[tuple[str, str, int], set[tuple[str, str, int]]] = {}  # entries of cut shifts -> others met
    for span in spans:
        while ending and ending[0][0] <= span.start:
            _, ended = heapq.heappop(ending)
            if latest[ended].end <= span.start:
                running.discard(ended)
        entry = (span.rotation, span.kind, span.entry)
        if pieces[entry] > 1:
            try:
                budget.spend(len(running))
            except OutOfWork:
                yield _stopped(ds, span)
                return
            met = paired.setdefault(entry, set())
            others = [o for o in _others(span, latest, first, running) if (o.rotation, o.kind, o.entry) not in met]
            met.update((o.rotation, o.kind, o.entry) for o in others)
            if others:
                yield Hits(_subject(span), len(others), partial(_hits, ds, span, others))
        elif count := len(running) - (span.rotation in running):
            yield Hits(_subject(span), count, partial(_made, ds, span, latest, first, running))
        current = latest.get(span.rotation)
        if current is None or span.end > current.end:
            latest[span.rotation] = span
            first.setdefault(span.rotation, len(first))
            running.add(span.rotation)
            heapq.heappush(ending, (span.end, span.rotation))


def _others(span: Span, latest: dict[str, Span], first: dict[str, int], running: set[str]) -> list[Span]:
    """The latest span of each other running rotation, in the order the rotations were first met."""
    return [latest[r] for r in sorted(running, key=first.__getitem__) if r != span.rotation]


def _made(ds: Dataset, span: Span, latest: dict[str, Span], first: dict[str, int], running: set[str]) -> Iterator[Hit]:
    return _hits(ds, span, _others(span, latest, first, running))


def _subject(span: Span) -> str:
    return f"{span.rotation}@{span.day}"


def _where(ds: Dataset, span: Span) -> Loc:
    """The engineer of the shift or override ``span`` is a piece of."""
    return ds.rotations[span.rotation].loc.at(span.kind, span.entry, "engineer")


def _hits(ds: Dataset, span: Span, others: list[Span]) -> Iterator[Hit]:
    loc = _where(ds, span)
    for other in others:
        yield Hit(
            loc,
            f"'{span.engineer}' is on call in {describe(other)} and in {describe(span)} at the same time, "
            f"from {span.start:%Y-%m-%d %H:%M} UTC; give one of them to someone else",
            _subject(span),
            ident=f"{span.kind}.{span.entry}:with:{other.rotation}.{other.kind}.{other.entry}",
        )


def _stopped(ds: Dataset, span: Span) -> Hit:
    return Hit(
        _where(ds, span),
        f"'{span.engineer}' is on call in so many rotations at once, with shifts that overrides cut in two, "
        f"that ONC006 stopped here after {MAX_CUT_WORK:,} comparisons of such shifts (its work budget): "
        "double bookings from here on are not checked; give fewer rotations the same people at the same time",
        _subject(span),
        ident="work-budget",
        always=True,
    )
