"""'Did you mean' hints: the known names closest to a misspelt one, at a bounded cost.

A pull request chooses the misspelt names, so the work is capped: nothing is suggested for a
word longer than any id could plausibly be, only names of a length that could be close are
compared, each word is looked up once, and a list stops suggesting once it has compared a
fixed number of characters (a million unknown ids get their findings, not a million hints).
"""

from __future__ import annotations

import difflib
import heapq
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

CUTOFF = 0.6
MAX_WORD = 100  # longer text is not a typo of a name
BUDGET = 5_000_000  # characters of candidate names compared, per list of choices


class Suggestions:
    """Hints against one list of known names, each word's hint computed once."""

    def __init__(self, choices: Iterable[str]) -> None:
        self.by_length: dict[int, list[str]] = defaultdict(list)
        for choice in dict.fromkeys(choices):
            self.by_length[len(choice)].append(choice)
        self.memo: dict[str, str] = {}
        self.budget = BUDGET

    def __call__(self, word: str) -> str:
        hint = self.memo.get(word)
        if hint is None:
            hint = self.memo[word] = self._hint(word)
        return hint

    def _hint(self, word: str) -> str:
        if len(word) > MAX_WORD or self.budget <= 0:
            return ""
        close = _closest(word, self._near(len(word)))
        if not close:
            return ""
        return " (did you mean " + " or ".join(f"'{c}'" for c in close) + "?)"

    def _near(self, size: int) -> list[str]:
        """The names whose length lets them reach the cutoff: difflib's similarity is at most
        2 * min(len) / (sum of len), the same bound it checks first, so the result is unchanged."""
        near: list[str] = []
        for length, names in self.by_length.items():
            total = size + length
            if total and 2.0 * min(size, length) / total >= CUTOFF:
                near += names
                self.budget -= (size + length) * len(names)
        return near


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``choices``, or an empty string."""
    return _hint(word, tuple(choices))


@lru_cache(maxsize=4096)
def _hint(word: str, choices: tuple[str, ...]) -> str:
    # a file can misspell the same key in every one of its 100,000 entries: one search each
    return Suggestions(choices)(word)


def _closest(word: str, names: list[str], n: int = 3) -> list[str]:
    """What ``difflib.get_close_matches(word, names, n, CUTOFF)`` returns, found sooner.

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
    bounded = sorted(((bound, name) for name, bound, _ in found if bound >= CUTOFF - slack), reverse=True)
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    best: list[tuple[float, str]] = []  # a heap of the n best (similarity, name), ties to the larger name
    for bound, name in bounded:
        if len(best) == n and bound < best[0][0] - slack:
            break
        matcher.set_seq1(name)
        score = matcher.ratio()
        if score >= CUTOFF and (len(best) < n or (score, name) > best[0]):
            if len(best) == n:
                heapq.heapreplace(best, (score, name))
            else:
                heapq.heappush(best, (score, name))
    return [name for _, name in sorted(best, reverse=True)]
