"""Did-you-mean hints: the same answers as difflib, at a bounded cost whatever the input."""

from __future__ import annotations

import datetime as dt
import difflib
import random

import pytest

from opscheck.budget import Budget
from opscheck.dataset import Spans
from opscheck.outline import Heading
from opscheck.rules.runbooks import _misspelt_headings
from opscheck.suggest import BUDGET, MAX_WORD, Suggestions, _closest, did_you_mean


@pytest.mark.parametrize(("seed", "n", "cutoff"), [(seed, 3, 0.6) for seed in range(8)] + [(8, 1, 0.8), (9, 1, 0.8)])
def test_closest_matches_difflib(seed: int, n: int, cutoff: float) -> None:
    rng = random.Random(seed)
    alphabet = ["ab-01", "abcdefgh-0123456789", "aé-\u00e9\U0001f600", "t0-eng"][seed % 4]
    names = list(dict.fromkeys("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(60)))
    for _ in range(200):
        word = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
        assert _closest(word, names, n, cutoff) == difflib.get_close_matches(word, names, n=n, cutoff=cutoff)


def test_names_difflib_is_slow_on_cost_the_budget_not_the_time() -> None:
    """Each name takes difflib 1.7 million steps to find 'abc' * 66 only 0.40 similar, though their
    longest common subsequence allows 0.67: a search through many such names stops at the budget."""
    names = ["acb" * 99, "bac" * 99, "cba" * 99]
    assert Suggestions(names[:1], longest=200).closest("abc" * 66) == []
    budget = Budget(2_000_000)
    hints = Suggestions(names, longest=200, budget=budget)
    assert hints.closest("abc" * 66) == [] and hints("acb" * 60) == ""
    assert budget.allowed - budget.left < 2_100_000  # the second name's search stopped it


def test_hint_wording_and_lengths_that_cannot_match() -> None:
    assert did_you_mean("eng11", ["eng1", "eng2", "ops"]) == " (did you mean 'eng1' or 'eng2'?)"
    assert did_you_mean("e", ["a-very-long-engineer-id"]) == ""


def test_no_hint_for_a_huge_word_or_once_the_budget_is_spent() -> None:
    assert did_you_mean("eng1" * (1 << 18), ["eng1"]) == ""
    assert did_you_mean("x" * (MAX_WORD + 1), ["x" * MAX_WORD]) == ""
    hints = Suggestions(["eng1", "eng2"])
    hints.budget.left = 0
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


def _misspelt_as_difflib_found_them(headings: list[Heading], missing: list[str],
                                    required: list[str]) -> list[tuple[str, Heading]]:
    """RUN003's hints as difflib found them before they had a budget (on up to 1,000 headings)."""
    wanted = {s.casefold() for s in required}
    spare = {h.text.casefold(): h for h in reversed(headings) if h.text.casefold() not in wanted}
    found = []
    for section in missing:
        near = [t for t in spare if 2 * len(section) <= 3 * len(t) and 2 * len(t) <= 3 * len(section)]
        close = difflib.get_close_matches(section.casefold(), near, n=1, cutoff=0.8)
        if close:
            found.append((section, spare.pop(close[0])))
    return found


@pytest.mark.parametrize("seed", range(4))
def test_runbook_section_hints_are_difflibs(seed: int) -> None:
    rng = random.Random(seed)
    sections = ["Overview", "Dependencies", "Failure modes", "Escalation", "Escalations", "Rollback"]

    def typo(text: str) -> str:
        at = rng.randrange(len(text))
        return rng.choice([text[:at] + text[at + 1:], text[:at] + rng.choice("aeiXs ") + text[at:], text.upper()])

    for _ in range(100):
        required = rng.sample(sections, rng.randint(1, 5))
        texts = [typo(rng.choice(sections)) if rng.random() < 0.6 else rng.choice(sections) for _ in range(8)]
        headings = [Heading(2, text, 3 * k + 1) for k, text in enumerate(texts)]
        have = {h.text.casefold() for h in headings}
        missing = [s for s in required if s.casefold() not in have]
        assert _misspelt_headings(headings, missing, required, Budget(BUDGET)) == \
            _misspelt_as_difflib_found_them(headings, missing, required)


def test_runbook_section_hints_share_one_budget() -> None:
    """50 long required sections and long headings of four letters: difflib compared each section
    with every heading of a length that could match, 7 ms each (2,000 headings: 350 s)."""
    rng = random.Random(1)
    sections = ["".join(rng.choice("abcd") for _ in range(199)) for _ in range(50)]
    headings = [Heading(2, "".join(rng.choice("abcd") for _ in range(240)), k) for k in range(100)]
    budget = Budget(1_000_000)
    assert _misspelt_headings(headings, sections, sections, budget) == []
    one_section = (199 + 240) * len(headings)
    assert -one_section < budget.left <= 0
    assert _misspelt_headings(headings, sections, sections, budget) == [] and budget.left <= 0
