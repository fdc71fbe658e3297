"""Balance within a year (ONC005, HOL001): the level search, and the years judged."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import AS_OF, Result
from opscheck.rules import oncall
from opscheck.rules.balance import balanced, band, year_shares


def _balanced_by_trying_levels(counts: dict[str, int], shares: dict[str, Fraction], spread: int) -> bool:
    """The definition: some level L whose bands hold every count (no band holds a count past this L)."""
    top = max((math.ceil((counts.get(m, 0) + 1) / s) for m, s in shares.items()), default=0)
    return any(all(lo <= counts.get(m, 0) <= hi for m, s in shares.items() for lo, hi in [band(s, level, spread)])
               for level in range(top + 1))


@settings(deadline=None)  # trying every level is the slow definition
@given(st.dictionaries(st.sampled_from("abcdef"),
                       st.tuples(st.integers(0, 60), st.fractions(Fraction(1, 366), 1)), min_size=1),
       st.integers(0, 5))
def test_the_levels_of_every_band_meeting_is_trying_every_level(
    members: dict[str, tuple[int, Fraction]], spread: int
) -> None:
    counts = {m: c for m, (c, _) in members.items()}
    shares = {m: s for m, (_, s) in members.items()}
    assert balanced(counts, shares, spread) == _balanced_by_trying_levels(counts, shares, spread)


def test_a_tiny_share_and_many_shifts_is_one_look(run: Callable[..., Result], team: Path) -> None:
    """eng5 on the team for one day of 2027 holding 20,000 repeats of a week took 27 s of level-by-level search."""
    people = team / "ops-data/engineers.yaml"
    people.write_text(people.read_text().replace("  - id: eng5\n", "  - id: eng5\n    left: 2027-01-01\n"))
    oncall = team / "ops-data/oncall.yaml"
    repeats = "".join("      - {week: 2027-06-07, engineer: eng5}\n" for _ in range(2000))
    oncall.write_text(oncall.read_text().replace("    overrides:\n", repeats + "    overrides:\n", 1))
    found = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", "--select", "ONC005").json()
    assert any("in 2027, shift counts in 'data-pipelines' differ" in f["message"] for f in found["findings"])


def test_years_between_two_distant_shifts_are_not_judged(run: Callable[..., Result], team: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Two shifts 7,100 years apart made every year between them a whole year to judge: 50 such
    rotations took 26 s. Only years with shifts (or covered holidays) can be out of balance."""
    judged: list[int] = []

    def shares(ds: Any, rot: Any, year: int) -> Any:
        judged.append(year)
        return year_shares(ds, rot, year)

    monkeypatch.setattr(oncall, "year_shares", shares)  # ONC005's and HOL001's, both through spread_hits
    rotation = ('  - id: far-{n}\n    members: [eng1, eng2, eng3, eng4, eng5]\n'
                '    handoff: {{weekday: monday, time: "09:00", timezone: America/New_York}}\n'
                '    shifts:\n      - {{week: 1901-01-07, engineer: eng1}}\n'
                '      - {{week: 8999-12-25, engineer: eng2}}\n')
    data = team / "ops-data/oncall.yaml"
    data.write_text(data.read_text() + "".join(rotation.format(n=n) for n in range(3)))
    found = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", "--select", "ONC005,HOL001").json()
    assert not [f for f in found["findings"] if "far-" in f["message"]], found["findings"]
    assert len(judged) < 100, len(judged)  # the seed's years, and the two of each far rotation with a shift
