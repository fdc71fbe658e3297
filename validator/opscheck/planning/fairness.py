"""Fairness figures of a rotation, computed once for `schedule plan`, `report` and the benchmark.

Per engineer: shifts and holidays per calendar year and over the whole schedule, and the
shortest rest (weeks from one of their shifts to their next). Per year and overall: the
balance score Grafana OnCall uses, the mean over all pairs of members of min(load) / max(load),
1.0 when everyone carries the same.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from opscheck.calendar import Schedule
from opscheck.dataset import Dataset
from opscheck.models import Rotation
from opscheck.rules.holidays import holiday_cover

# Year columns a table shows: the latest ones. A schedule may span centuries (99,000 weekly
# shifts are 1,900 years), and every row has a cell for every column.
MAX_YEARS = 10


@dataclass(frozen=True)
class Load:
    engineer: str
    shifts: dict[int, int]  # year -> shifts whose week is in it
    holidays: dict[int, int]  # year -> holidays covered
    rest: int | None  # shortest run of weeks from one shift to the next; None with fewer than two

    @property
    def total_shifts(self) -> int:
        return sum(self.shifts.values())

    @property
    def total_holidays(self) -> int:
        return sum(self.holidays.values())


@dataclass(frozen=True)
class Fairness:
    rotation: str
    years: list[int]  # the years with a shift or a holiday covered
    loads: list[Load]  # members who are engineers, in member order, then other engineers who covered
    members: list[str]  # the active members the scores compare

    def score(self, what: str, year: int | None = None) -> float:
        """The balance score of shifts or holidays, in one year or over the whole schedule."""
        counts = []
        members = set(self.members)
        for load in self.loads:
            if load.engineer in members:
                table = load.shifts if what == "shifts" else load.holidays
                counts.append(table.get(year, 0) if year is not None else sum(table.values()))
        return balance_score(counts)


def balance_score(counts: list[int]) -> float:
    """Mean over all pairs of min(load) / max(load): 1.0 is perfectly even (two idle people count as even).

    Summed over pairs of distinct loads, each weighed by how many pairs of people have them: a
    rotation of 3,000 members has 4.5 million pairs (12 s for `report`), but few distinct loads."""
    pairs = len(counts) * (len(counts) - 1) // 2
    if not pairs:
        return 1.0
    loads = sorted(Counter(counts).items())
    total = sum(n * (n - 1) / 2 for _, n in loads)  # equal loads: a ratio of 1
    for i, (low, many) in enumerate(loads):
        total += sum(many * n * low / high for high, n in loads[i + 1 :])
    return total / pairs


def figures(ds: Dataset, rot: Rotation, schedule: Schedule | None = None) -> Fairness:
    sched = schedule or Schedule(rot)
    shifts: dict[str, Counter[int]] = {}
    weeks: dict[str, list[int]] = {}
    for s in sorted(rot.shifts, key=lambda s: s.week):
        shifts.setdefault(s.engineer, Counter())[s.week.year] += 1
        weeks.setdefault(s.engineer, []).append(s.week.toordinal() // 7)
    hols: dict[str, Counter[int]] = {}
    for hol, cover in holiday_cover(ds, sched):
        hols.setdefault(cover.engineer, Counter())[hol.year] += 1
    members = [m for m in dict.fromkeys(rot.members) if m in ds.engineers and ds.engineers[m].active]
    # An id that names no engineer is a finding already (OPS005); a row each would make the
    # table as long as the schedule (20,000 shifts of distinct unknown ids: 726 MiB)
    people = [p for p in dict.fromkeys([*rot.members, *shifts, *hols]) if p in ds.engineers]
    years = sorted({y for c in [*shifts.values(), *hols.values()] for y in c})
    loads = [Load(p, dict(shifts.get(p, Counter())), dict(hols.get(p, Counter())), _rest(weeks.get(p, [])))
             for p in people]
    return Fairness(rot.id, years, loads, members)


def _rest(weeks: list[int]) -> int | None:
    gaps = [b - a for a, b in pairwise(weeks)]
    return min(gaps) if gaps else None


def rows(fair: Fairness, name: dict[str, str] | None = None) -> list[list[str]]:
    """The table as cells: a header, one row per engineer, and the balance scores, for the
    latest ``MAX_YEARS`` years (``left_out`` says which are not shown)."""
    names = name or {}
    years = fair.years[-MAX_YEARS:]
    head = ["Engineer", *map(str, years), "Total", "Shortest rest"]
    body = []
    for load in fair.loads:
        cells = [f"{load.shifts.get(y, 0)} / {load.holidays.get(y, 0)}" for y in years]
        rest = f"{load.rest} wk" if load.rest is not None else "—"
        body.append([names.get(load.engineer, load.engineer), *cells,
                     f"{load.total_shifts} / {load.total_holidays}", rest])
    scores = [f"{fair.score('shifts', y):.2f} / {fair.score('holidays', y):.2f}" for y in years]
    body.append(["Balance score", *scores, f"{fair.score('shifts'):.2f} / {fair.score('holidays'):.2f}", ""])
    return [head, *body]


def left_out(fair: Fairness) -> str | None:
    """A note on the years the table leaves out, if any: they count in the totals only."""
    hidden = fair.years[:-MAX_YEARS]
    if not hidden:
        return None
    return (f"Shifts or holidays fall in {len(fair.years):,} years; the table shows the latest {MAX_YEARS}, "
            f"and the {len(hidden):,} before them ({hidden[0]} to {hidden[-1]}) count in the totals only.")


def text_table(fair: Fairness) -> list[str]:
    """The table in aligned columns for a terminal."""
    table = rows(fair)
    widths = [max(len(r[c]) for r in table) for c in range(len(table[0]))]
    note = left_out(fair)
    return ["  " + "  ".join(cell.ljust(w) if c == 0 else cell.rjust(w) for c, (cell, w) in
                             enumerate(zip(r, widths, strict=True))).rstrip() for r in table] + (
        [f"  {note}"] if note else [])
