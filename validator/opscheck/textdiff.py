"""The diff that `report --check` and `codeowners --check` print, at a bounded cost.

A pull request writes both sides of it (the committed file, and the data the other is generated
from), and difflib's matching is quadratic on files that differ everywhere: 20,000 lines with
every other one changed took 21 s. Within MAX_WORK steps of its search the diff is difflib's
unified diff; past that, a walk through both files that stops after the first LIMIT changed
lines: the first differences, then the last line that differs in each file. Either is cut at
LIMIT lines.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Sequence
from typing import Literal

from opscheck.budget import Budget, OutOfWork
from opscheck.matcher import BoundedMatcher

LIMIT = 40  # lines of diff shown
MAX_WORK = 2_000_000  # steps of difflib's search (its cost: some 0.5 s)
WINDOW = 1_000  # lines looked through on each side for the next line both files share

Op = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]  # difflib's opcodes
Group = list[tuple[str, int, int, int, int]]  # a hunk's opcodes


def diff(current: str, wanted: str, name: str, limit: int = LIMIT) -> str:
    """A short unified diff from the file as it is to the file as it should be."""
    a, b = current.splitlines(), wanted.splitlines()
    tail = ""
    try:
        groups = list(BoundedMatcher(Budget(MAX_WORK), a, b).get_grouped_opcodes())
    except OutOfWork:
        ops, ends = _walk(a, b, limit)
        groups = list(_Given(ops).get_grouped_opcodes())
        if ends:
            tail = ("... more differences, up to " + " and ".join(ends)
                    + " (the diff is cut short: the files differ too much to be compared in full)")
    lines = [f"--- {name} (committed)", f"+++ {name} (generated)", *_hunks(a, b, groups)] if groups else []
    more = len(lines) - limit
    if more > 0 and not tail:
        tail = f"... {more} more diff lines"
    return "\n".join(lines[:limit] + ([tail] if tail else [])) + "\n"


def _hunks(a: Sequence[str], b: Sequence[str], groups: Iterable[Group]) -> Iterator[str]:
    """The hunks of ``difflib.unified_diff(a, b, lineterm="")`` for its grouped opcodes."""
    for group in groups:
        yield f"@@ -{_span(group[0][1], group[-1][2])} +{_span(group[0][3], group[-1][4])} @@"
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (" " + line for line in a[i1:i2])
                continue
            yield from ("-" + line for line in a[i1:i2])
            yield from ("+" + line for line in b[j1:j2])


def _span(start: int, stop: int) -> str:
    """A hunk's range as unified diffs write it: the first line and the count, an empty one after
    the line it follows."""
    length = stop - start
    if length == 1:
        return f"{start + 1}"
    return f"{start + 1 if length else start},{length}"


def _walk(a: Sequence[str], b: Sequence[str], want: int) -> tuple[list[Op], list[str]]:
    """The opcodes of ``a`` to ``b`` up to the first ``want`` changed lines, found in linear time:
    equal lines are passed over, and at a difference the walk resumes at the nearest line both
    share (``_resync``). Then, unless the walk reached the end, the last line that differs in
    each file."""
    n, m = len(a), len(b)
    start = _common(a, b, 0, 1, min(n, m))
    end = _common(a, b, -1, -1, min(n, m) - start)
    a_end, b_end = n - end, m - end
    ops: list[Op] = [("equal", 0, start, 0, start)] if start else []
    i = j = start
    changed = 0
    while (i < a_end or j < b_end) and changed < want:
        same = _common(a, b, i, 1, min(a_end - i, b_end - j), j)
        if same:
            ops.append(("equal", i, i + same, j, j + same))
            i, j = i + same, j + same
            continue
        i2, j2 = _resync(a, b, i, j, a_end, b_end)
        ops.append(("replace" if i2 > i and j2 > j else "delete" if i2 > i else "insert", i, i2, j, j2))
        changed += i2 - i + j2 - j
        i, j = i2, j2
    if i < a_end or j < b_end:
        return ops, [f"line {last:,} of the {side} file" for last, side in
                     ((a_end, "committed"), (b_end, "generated")) if last > start]
    return ops + ([("equal", a_end, n, b_end, m)] if end else []), []


def _common(a: Sequence[str], b: Sequence[str], i: int, step: int, most: int, j: int | None = None) -> int:
    """How many lines are the same from ``a[i]`` and ``b[j]`` (``j`` defaults to ``i``) on, going by
    ``step`` (-1 counts from the ends), up to ``most``."""
    at = i if j is None else j
    k = 0
    while k < most and a[i + k * step] == b[at + k * step]:
        k += 1
    return k


def _resync(a: Sequence[str], b: Sequence[str], i: int, j: int, a_end: int, b_end: int) -> tuple[int, int]:
    """Where a walk that found ``a[i]`` and ``b[j]`` different resumes: the pair of equal lines
    that skips the fewest lines of both files, within WINDOW lines of each; without one, the
    end of both windows (the lines between count as replaced)."""
    a_stop, b_stop = min(i + WINDOW, a_end), min(j + WINDOW, b_end)
    first: dict[str, int] = {}
    for at in range(j, b_stop):
        first.setdefault(b[at], at)
    best = (a_stop, b_stop)
    for x in range(i, a_stop):
        if x - i >= best[0] - i + best[1] - j:
            break  # no later line of a resumes sooner
        y = first.get(a[x])
        if y is not None and x + y < best[0] + best[1]:
            best = (x, y)
    return best


class _Given(difflib.SequenceMatcher[str]):
    """difflib's grouping of opcodes into hunks, applied to opcodes found without it."""

    def __init__(self, ops: list[Op]) -> None:
        super().__init__(None, "", "")
        self.ops = ops

    def get_opcodes(self) -> list[Op]:
        return self.ops
