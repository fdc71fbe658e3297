"""ONC006 on many rotations that share their people: the findings, and the cap on how many are listed.

The expected findings in golden/double_booked.json were produced by making every pair of
overlapping spans; the rule now counts the ones past the cap without making them, and must
list the same ones, in the same places, and count the same rest.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import AS_OF, REPO, Result
from opscheck.spans import UTC, Span

GOLDEN = REPO / "tests" / "golden" / "double_booked.json"
MEMBERS = ("eng1", "eng2", "eng3", "eng4", "eng5")
FIRST_MONDAY = dt.date(2026, 11, 30)
CAP = 40
WAIVED = "r7@2026-12-25"  # a Friday shift whose clashes all come after the first CAP


def shared_rotations(count: int) -> str:
    """``count`` rotations of the same five people, three weeks each, in two time zones and with
    two handoffs (so shifts overlap in part), every third with an override cutting a shift in two."""
    out = []
    for n in range(count):
        friday = n % 2 == 1
        weekday, clock = ("friday", "17:00") if friday else ("monday", "09:00")
        zone = "Europe/London" if n % 3 == 0 else "America/New_York"
        first = FIRST_MONDAY + dt.timedelta(days=7 * (n % 4) + (4 if friday else 0))
        shifts = "".join(f"      - {{week: {first + dt.timedelta(weeks=k)}, engineer: {MEMBERS[(n + k) % 5]}}}\n"
                         for k in range(3))
        cut = first + dt.timedelta(days=10)
        overrides = (f"    overrides:\n      - {{date: {cut}, engineer: {MEMBERS[(n + 3) % 5]}, reason: swap}}\n"
                     if n % 3 == 0 else "")
        out.append(f"  - id: r{n}\n    members: [{', '.join(MEMBERS)}]\n"
                   f"    handoff: {{weekday: {weekday}, time: \"{clock}\", timezone: {zone}}}\n"
                   f"    shifts:\n{shifts}{overrides}")
    return "".join(out)


def grow(team: Path) -> Path:
    oncall = team / "ops-data" / "oncall.yaml"
    oncall.write_text(oncall.read_text(encoding="utf-8") + shared_rotations(30), encoding="utf-8")
    return team


def double_booked(run: Callable[..., Result], team: Path) -> list[dict[str, Any]]:
    result = run("validate", "--root", team, "--as-of", AS_OF, "--select", "ONC006", "--format", "json")
    assert result.code == 1, result.err
    return [{k: f[k] for k in ("line", "column", "message", "subject", "waived")} for f in result.json()["findings"]]


def waive(team: Path, subject: str) -> None:
    policy = team / "policies" / "opscheck.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        "waivers: []", f"waivers:\n  - {{rule: ONC006, subject: '{subject}', reason: test, expires: 2099-01-01}}"),
        encoding="utf-8")


@pytest.mark.parametrize("case", ["all", "capped", "capped and waived"])
def test_the_same_findings_as_every_pair_made(
    run: Callable[..., Result], team: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    from opscheck import engine

    if case != "all":
        monkeypatch.setattr(engine, "MAX_FINDINGS", CAP)
    if case == "capped and waived":
        waive(team, WAIVED)
    assert double_booked(run, grow(team)) == json.loads(GOLDEN.read_text(encoding="utf-8"))[case]


def test_the_cap_lists_the_first_findings_and_counts_the_rest(
    run: Callable[..., Result], team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opscheck import engine

    every = double_booked(run, grow(team))
    monkeypatch.setattr(engine, "MAX_FINDINGS", CAP)
    capped = double_booked(run, team)
    more = [f for f in capped if "more ONC006 findings are not listed" in f["message"]]
    assert len(capped) == CAP + 1 and len(more) == 1
    assert more[0]["message"].startswith(f"{len(every) - CAP} more ONC006 findings")
    listed = [f for f in capped if f not in more]
    assert all(f in every for f in listed)
    # the finding that counts the rest points at the first one left out
    assert any((f["line"], f["subject"]) == (more[0]["line"], more[0]["subject"]) for f in every if f not in listed)


def test_a_waived_subject_past_the_cap_is_listed_and_not_counted(
    run: Callable[..., Result], team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opscheck import engine

    monkeypatch.setattr(engine, "MAX_FINDINGS", CAP)
    plain = double_booked(run, grow(team))
    waive(team, WAIVED)
    waived = double_booked(run, team)
    mine = [f for f in waived if f["waived"]]
    assert mine and all(f["subject"] == WAIVED for f in mine)
    assert not [f for f in plain if f["subject"] == WAIVED]
    count = int(next(f for f in plain if "more ONC006" in f["message"])["message"].split()[0])
    again = int(next(f for f in waived if "more ONC006" in f["message"])["message"].split()[0])
    assert again == count - len(mine)


def brute_overlaps(spans: list[Span], start: dt.datetime, end: dt.datetime, rotation: str) -> bool:
    return any(s.start < end and s.end > start and s.rotation != rotation for s in spans)


@pytest.mark.parametrize("seed", range(6))
def test_busy_time_answers_as_a_look_at_every_span(seed: int) -> None:
    from opscheck.planning.problem import Busy

    rnd = random.Random(seed)
    base = dt.datetime(2027, 1, 4, tzinfo=UTC)

    def at(hours: int) -> dt.datetime:
        return base + dt.timedelta(hours=hours)

    spans = []
    for i in range(rnd.randint(0, 40)):
        start = rnd.randint(0, 600)
        spans.append(Span(at(start), at(start + rnd.randint(1, 200)), "eng1", f"r{rnd.randint(0, 4)}", "shifts", i,
                          base.date()))
    busy = Busy(spans)
    for _ in range(300):
        start = rnd.randint(-50, 800)
        first, last, rotation = at(start), at(start + rnd.randint(1, 170)), f"r{rnd.randint(0, 5)}"
        assert busy.overlaps(first, last, rotation) == brute_overlaps(spans, first, last, rotation)


def test_findings_without_places_are_the_same_findings(team: Path) -> None:
    from opscheck import dataset, engine
    from opscheck.settings import load_policy

    policy = load_policy(grow(team), engine.BUILTIN)
    rules = [engine.BUILTIN[r] for r in ("ONC001", "ONC006", "HOL001")]
    located = engine.run(dataset.load(team, dt.date.fromisoformat(AS_OF)), policy, rules).findings
    bare = engine.run(dataset.load(team, dt.date.fromisoformat(AS_OF)), policy, rules, located=False).findings
    assert {(f.line, f.column) for f in bare} == {(0, 0)} and len(bare) == len(located) > 100
    assert sorted(f._replace(line=0, column=0, ident="") for f in located) == sorted(bare)


@pytest.mark.parametrize("cap", [None, CAP])
def test_past_its_work_budget_the_rule_stops_and_says_where(
    run: Callable[..., Result], team: Path, monkeypatch: pytest.MonkeyPatch, cap: int | None
) -> None:
    from opscheck import engine
    from opscheck.rules import concurrent

    every = double_booked(run, grow(team))
    monkeypatch.setattr(concurrent, "MAX_CUT_WORK", 20)
    if cap is not None:
        monkeypatch.setattr(engine, "MAX_FINDINGS", cap)
    stopped = double_booked(run, team)
    notices = [f for f in stopped if "stopped here after 20 comparisons" in f["message"]]
    assert len(notices) == 1  # listed even past the cap: the check stopped short
    others = [f for f in stopped if f not in notices and "more ONC006" not in f["message"]]
    assert others and all(f in every for f in others) and len(others) < len(every)


def test_waived_findings_past_the_cap_are_bounded_too(
    run: Callable[..., Result], team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A waiver for each of 1,000 rotations sharing a person in one week listed every pair past the
    cap (half a million findings, 24 s and 1.4 GB): waived findings past the cap are listed up to
    the cap again, then the first of each waived subject, so that each waiver is seen to apply."""
    from opscheck import engine

    size = 8
    rotations = "".join(f"  - id: w{k}\n    members: [eng1]\n    handoff: {{weekday: monday, time: \"09:00\", "
                        f"timezone: UTC}}\n    shifts: [{{week: 2030-01-07, engineer: eng1}}]\n" for k in range(size))
    oncall = team / "ops-data" / "oncall.yaml"
    oncall.write_text(oncall.read_text(encoding="utf-8") + rotations, encoding="utf-8")
    policy = team / "policies" / "opscheck.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("waivers: []", "waivers:\n" + "".join(
        f"  - {{rule: ONC006, subject: w{k}@2030-01-07, reason: test, expires: 2099-01-01}}\n" for k in range(size))),
        encoding="utf-8")
    every = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", "--select", "ONC006,POL").json()
    pairs = [f for f in every["findings"] if f["rule"] == "ONC006"]
    assert len(pairs) == size * (size - 1) // 2 and all(f["waived"] for f in pairs)
    monkeypatch.setattr(engine, "MAX_FINDINGS", 2)
    capped = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", "--select", "ONC006,POL").json()
    listed = [f for f in capped["findings"] if f["rule"] == "ONC006"]
    assert all(f["waived"] for f in listed) and len(listed) < len(pairs)
    # each waiver still applies to a listed finding: no more is reported unused (POL002)
    assert {f["subject"] for f in listed} == {f["subject"] for f in pairs}

    def unused(report: dict[str, Any]) -> list[str]:
        return [f["subject"] for f in report["findings"] if f["rule"] == "POL002"]

    assert unused(capped) == unused(every)
