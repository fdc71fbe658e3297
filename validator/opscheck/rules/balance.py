"""Balance within a year (ONC005, HOL001), counting each member pro rata for their part of the year.

Counts are balanced when there is a level L such that every member's count lies in their band
[floor(share * L), ceil(share * (L + max_spread))], share being the part of the year they were
on the team (SPEC §4). A member all year has the band [L, L + max_spread], which is the plain
rule "counts differ by at most max_spread"; someone who joined in July is held to half of it,
rounded in their favour either way. The planner imposes the same bands.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction

from opscheck.dataset import Dataset
from opscheck.models import Rotation


def year_shares(ds: Dataset, rot: Rotation, year: int) -> dict[str, Fraction]:
    """Active members of ``rot`` and the part of ``year`` each was on the team (members with none left out)."""
    shares = {}
    for member in dict.fromkeys(rot.members):
        person = ds.engineers.get(member)
        if person is not None and person.active:
            share = person.year_share(year)
            if share:
                shares[member] = share
    return shares


def band(share: Fraction, level: int, spread: int) -> tuple[int, int]:
    """The counts a member with ``share`` of the year may have at ``level``."""
    return math.floor(share * level), math.ceil(share * (level + spread))


def levels(count: int, share: Fraction, spread: int) -> tuple[int, int]:
    """The levels L >= 0 whose band holds ``count``, first to last (empty when first > last):
    floor(share * L) <= count while share * L < count + 1, and ceil(share * (L + spread)) >= count
    once share * (L + spread) > count - 1."""
    return max(0, math.floor((count - 1) / share - spread) + 1), math.ceil((count + 1) / share) - 1


def balanced(counts: Mapping[str, int], shares: Mapping[str, Fraction], spread: int) -> bool:
    """Whether one level's bands hold every count: the members' ranges of levels meet."""
    first, last = 0, math.inf
    for m, s in shares.items():
        low, high = levels(counts.get(m, 0), s, spread)
        first, last = max(first, low), min(last, high)
    return first <= last


def full_time(count: int, share: Fraction) -> Fraction:
    """The count a member would have had over the whole year at the same pace."""
    return count / share
