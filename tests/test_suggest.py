"""Did-you-mean hints: the same answers as difflib, at a bounded cost whatever the input."""

from __future__ import annotations

import datetime as dt
import difflib
import random

import pytest

from opscheck.dataset import Spans
from opscheck.suggest import MAX_WORD, Suggestions, _closest, did_you_mean


@pytest.mark.parametrize("seed", range(8))
def test_closest_matches_difflib(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = ["ab-01", "abcdefgh-0123456789", "aé-\u00e9\U0001f600", "t0-eng"][seed % 4]
    names = list(dict.fromkeys("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(60)))
    for _ in range(200):
        word = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        assert _closest(word, names) == difflib.get_close_matches(word, names, n=3, cutoff=0.6)


def test_hint_wording_and_lengths_that_cannot_match() -> None:
    assert did_you_mean("eng11", ["eng1", "eng2", "ops"]) == " (did you mean 'eng1' or 'eng2'?)"
    assert did_you_mean("e", ["a-very-long-engineer-id"]) == ""


def test_no_hint_for_a_huge_word_or_once_the_budget_is_spent() -> None:
    assert did_you_mean("eng1" * (1 << 18), ["eng1"]) == ""
    assert did_you_mean("x" * (MAX_WORD + 1), ["x" * MAX_WORD]) == ""
    hints = Suggestions(["eng1", "eng2"])
    hints.budget = 0
    assert hints("eng3") == ""


def test_a_word_is_looked_up_once() -> None:
    hints = Suggestions(["eng1", "eng2"])
    assert hints("eng3") == hints("eng3") == " (did you mean 'eng2' or 'eng1'?)"
    assert list(hints.memo) == ["eng3"]


def _d(day: int) -> dt.date:
    return dt.date(2027, 1, day)


def test_spans_join_overlaps_keep_touching_ranges_and_intersect() -> None:
    spans = Spans.of([(_d(10), _d(12)), (_d(1), _d(5)), (_d(4), _d(8)), (_d(9), _d(9))])
    assert spans.pairs() == [(_d(1), _d(8)), (_d(9), _d(9)), (_d(10), _d(12))]
    assert spans.covers(_d(8)) and not spans.covers(_d(13))
    assert spans.overlaps(_d(13), _d(20)) is False and spans.overlaps(_d(12), _d(20))
    other = Spans.of([(_d(3), _d(9)), (_d(11), _d(11))])
    assert spans.intersect(other).pairs() == [(_d(3), _d(8)), (_d(9), _d(9)), (_d(11), _d(11))]
