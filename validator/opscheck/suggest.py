"""'Did you mean' hints: the known names closest to a misspelt one, at a bounded cost.

A pull request chooses the misspelt names, so the work is capped: nothing is suggested for a
word longer than any id could plausibly be, only names of a length that could be close are
compared, each word is looked up once, and a list stops suggesting once it has compared a
fixed number of characters and spent as many steps in difflib (a million unknown ids get their
findings, not a million hints; a name difflib is slow on cannot make a word's hint slow).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

from opscheck.budget import Budget, OutOfWork
from opscheck.matcher import BoundedMatcher

CUTOFF = 0.6
MAX_WORD = 100  # longer text is not a typo of a name
BUDGET = 5_000_000  # characters of candidate names compared, per list of choices; as many difflib steps


class Suggestions:
    """Hints against one list of known names, each word's hint computed once.

    ``cutoff`` and ``n`` are difflib's (``get_close_matches``); ``longest`` is the longest word
    looked up; a ``budget`` may be shared by several lists.
    """

    def __init__(self, choices: Iterable[str], *, cutoff: float = CUTOFF, n: int = 3, longest: int = MAX_WORD,
                 budget: Budget | None = None) -> None:
        self.by_length: dict[int, list[str]] = defaultdict(list)
        for choice in dict.fromkeys(choices):
            self.by_length[len(choice)].append(choice)
        self.memo: dict[str, str] = {}
        self.cutoff, self.n, self.longest = cutoff, n, longest
        self.budget = Budget(BUDGET) if budget is None else budget

    def __call__(self, word: str) -> str:
        hint = self.memo.get(word)
        if hint is None:
            hint = self.memo[word] = self._hint(word)
        return hint

    def _hint(self, word: str) -> str:
        close = self.closest(word)
        if not close:
            return ""
        return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"

    def closest(self, word: str) -> list[str]:
        """What ``difflib.get_close_matches(word, choices, n, cutoff)`` returns, or nothing once the
        budget is spent: the word that spends the rest may still compare all the names of a
        length that could be close, then spend as much again in difflib."""
        left = self.budget.left
        if len(word) > self.longest or left <= 0:
            return []
        names = self._near(len(word))
        work = Budget(left)
        try:
            return _closest(word, names, self.n, self.cutoff, work)
        except OutOfWork:
            return []
        finally:
            self.budget.left -= work.allowed - work.left

    def discard(self, name: str) -> None:
        """No longer suggest ``name`` (a heading already taken for another section)."""
        names = self.by_length.get(len(name), [])
        if name in names:
            names.remove(name)
            self.memo.clear()

    def _near(self, size: int) -> list[str]:
        """The names whose length lets them reach the cutoff: difflib's similarity is at most
        2 * min(len) / (sum of len), the same bound it checks first, so the result is unchanged."""
        near: list[str] = []
        for length, names in self.by_length.items():
            total = size + length
            if total and 2.0 * min(size, length) / total >= self.cutoff:
                near += names
                self.budget.left -= (size + length) * len(names)
        return near


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or an empty string."""
    return _hint(word, tuple(choices))


@lru_cache(maxsize=4096)
def _hint(word: str, choices: tuple[str, ...]) -> str:
    # a file can misspell the same key in every one of its 100,000 entries: one search each
    return Suggestions(choices)(word)


def _closest(word: str, names: list[str], n: int = 3, cutoff: float = CUTOFF, work: Budget | None = None) -> list[str]:
    """What ``difflib.get_close_matches(word, names, n, cutoff)`` returns, found sooner; difflib's
    steps are spent from ``work`` (OutOfWork once it is spent).

    difflib's similarity counts characters in matching blocks, which form a common subsequence,
    so the longest common subsequence's similarity (rapidfuzz's Indel, in C) bounds it from
    above. The exact similarity is computed in order of that bound, stopping once the bound
    falls below the n-th best found: a renamed id is compared in full with a few names, not all.
    """
    from rapidfuzz import process
    from rapidfuzz.distance import Indel

    # the bound and the similarity are the same fraction computed two ways: allow for rounding
    slack = 1e-9
    # (no score_cutoff: rapidfuzz's own cutoff drops some names exactly at it)
    found = process.extract(word, names, scorer=Indel.normalized_similarity, limit=None)
    bounded = sorted(((bound, name) for name, bound, _ in found if bound >= cutoff - slack), reverse=True)
    matcher = BoundedMatcher(Budget(BUDGET) if work is None else work)
    matcher.set_seq2(word)
    best: list[tuple[float, str]] = []  # a heap of the n best (similarity, name), ties to the larger name
    for bound, name in bounded:
        if len(best) == n and bound < best[0][0] - slack:
            break
        matcher.set_seq1(name)
        score = matcher.ratio()
        if score >= cutoff and (len(best) < n or (score, name) > best[0]):
            if len(best) == n:
                heapq.heapreplace(best, (score, name))
            else:
                heapq.heappush(best, (score, name))
    return [name for _, name in sorted(best, reverse=True)]
