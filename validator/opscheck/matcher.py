"""difflib's SequenceMatcher at a bounded cost: the same answers, or OutOfWork once a budget is spent.

difflib's cost is in its search for the longest matching block, which looks up, for each item of
the first sequence's range, every position where the second sequence holds that item; its
callers (the matching blocks, the ratio, the opcodes) repeat the search over ever smaller ranges,
which is quadratic or worse on sequences that differ everywhere (a diff with every other line
changed, a periodic string). Each search spends beforehand what it will cost at most.
"""

from __future__ import annotations

import difflib
from array import array
from collections.abc import Sequence
from itertools import accumulate

from opscheck.budget import Budget


class BoundedMatcher(difflib.SequenceMatcher[str]):
    """A SequenceMatcher of two sequences of strings that spends from ``budget`` as it searches."""

    a: Sequence[str]
    b: Sequence[str]
    b2j: dict[str, list[int]]  # difflib's index of the second sequence (documented in its class)

    def __init__(self, budget: Budget, a: Sequence[str] = "", b: Sequence[str] = "") -> None:
        self.budget = budget
        self._spent_to: array[int] | None = None
        super().__init__(None, a, b)

    def set_seq1(self, a: Sequence[str]) -> None:
        super().set_seq1(a)
        self._spent_to = None

    def set_seq2(self, b: Sequence[str]) -> None:
        super().set_seq2(b)
        self._spent_to = None

    def find_longest_match(self, alo: int = 0, ahi: int | None = None, blo: int = 0,
                           bhi: int | None = None) -> difflib.Match:
        """Spends the most the search can take: a step per item of both ranges (extending the match),
        then one per position in the second sequence of each item of ``a[alo:ahi]``. A range too
        large to search is refused before the first sequence is indexed."""
        ahi = len(self.a) if ahi is None else ahi
        bhi = len(self.b) if bhi is None else bhi
        self.budget.spend(ahi - alo + bhi - blo)
        spent_to = self._spent_to
        if spent_to is None:
            index = self.b2j
            spent_to = self._spent_to = array("q", accumulate((len(index.get(x, ())) for x in self.a), initial=0))
        self.budget.spend(spent_to[ahi] - spent_to[alo])
        return super().find_longest_match(alo, ahi, blo, bhi)
