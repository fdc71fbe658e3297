"""`opscheck who`: the handoff time in its time zone decides the week; overrides take whole local days."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import REPO, Result


@pytest.mark.parametrize(("at", "engineer"), [
    ("2026-11-30T08:59-05:00", "Eng5 (eng5); shift of 2026-11-23"),  # Monday before the 09:00 New York handoff
    ("2026-11-30T09:00-05:00", "Eng1 (eng1); shift of 2026-11-30"),
    ("2026-11-30T13:59", "Eng5 (eng5)"),  # naive: UTC, i.e. 08:59 in New York
    ("2026-11-30T14:00Z", "Eng1 (eng1)"),
    ("2026-07-13T08:59-04:00", "Eng5 (eng5); shift of 2026-07-06"),  # summer time: the handoff is 13:00 UTC
    ("2026-07-13T13:00+00:00", "Eng1 (eng1); shift of 2026-07-13"),
    ("2026-11-26T04:59Z", "Eng5 (eng5)"),  # 23:59 on Nov 25 in New York: no override yet
    ("2026-11-26T05:00Z", "Eng4 (eng4); override on 2026-11-26: Thanksgiving Day 2026 per the holiday rotation"),
    ("2026-11-27T04:59Z", "Eng4 (eng4); override on 2026-11-26"),
    ("2026-11-27T05:00Z", "Eng5 (eng5)"),
])
def test_who_at_boundaries(run: Callable[..., Result], at: str, engineer: str) -> None:
    result = run("who", "--root", REPO, "--at", at)
    assert result.code == 0, result.err
    assert f"  data-pipelines: {engineer}" in result.out


def test_who_names_the_moment_in_utc_and_local_time(run: Callable[..., Result]) -> None:
    result = run("who", "--root", REPO, "--at", "2026-11-30T08:59-05:00")
    assert result.out == ("At 2026-11-30 13:59 UTC:\n  data-pipelines: Eng5 (eng5); shift of 2026-11-23 until "
                          "2026-11-30 09:00 America/New_York (local time 2026-11-30 08:59 EST)\n")


def test_pipeline_owners_and_who_is_off(run: Callable[..., Result]) -> None:
    result = run("who", "--root", REPO, "--at", "2026-08-05T15:00Z", "--pipeline", "profit-aggregate")
    assert result.code == 0
    assert result.out.splitlines()[1:] == [
        "  data-pipelines: Eng4 (eng4); shift of 2026-08-03 until 2026-08-10 09:00 America/New_York "
        "(local time 2026-08-05 11:00 EDT)",
        "profit-aggregate (Aggregate profit reported to investors) owners on 2026-08-05:",
        "  primary: Eng2 (eng2): off (summer vacation, 2026-08-03 to 2026-08-14)",
        "  secondary: Eng4 (eng4): working",
        "  secondary: Eng5 (eng5): working",
    ]


def test_nobody_on_call_past_the_schedule_exits_1(run: Callable[..., Result]) -> None:
    result = run("who", "--root", REPO, "--at", "2029-01-01T12:00Z")
    assert result.code == 1
    assert "data-pipelines: nobody; the schedule runs to 2028-01-02" in result.out


@pytest.mark.parametrize("at", ["2024-12-30T13:59Z", "2024-06-01T00:00Z"])
def test_before_the_first_shift_names_the_day_the_schedule_starts(run: Callable[..., Result], at: str) -> None:
    result = run("who", "--root", REPO, "--at", at)
    assert result.code == 1
    assert "  data-pipelines: nobody; the schedule starts on 2024-12-30 at 09:00 America/New_York (" in result.out
    assert "schedule plan" not in result.out


def _second_rotation(team: Path) -> None:
    oncall = team / "ops-data" / "oncall.yaml"
    oncall.write_text(oncall.read_text(encoding="utf-8") + (
        "  - id: platform\n"
        "    members: [eng2, eng3]\n"
        "    handoff: {weekday: friday, time: \"17:00\", timezone: Europe/London}\n"
        "    shifts:\n"
        "      - {week: 2026-12-04, engineer: eng3}\n"), encoding="utf-8")


@pytest.mark.parametrize(("rotations", "lines"), [
    ((), ["data-pipelines: Eng1 (eng1)", "platform: nobody; the schedule starts on 2026-12-04"]),
    (("platform",), ["platform: nobody; the schedule starts on 2026-12-04"]),
    (("data-pipelines",), ["data-pipelines: Eng1 (eng1)"]),
    (("platform", "data-pipelines", "platform"), ["platform: nobody", "data-pipelines: Eng1 (eng1)"]),
])
def test_who_for_chosen_rotations(run: Callable[..., Result], team: Path, rotations: tuple[str, ...],
                                  lines: list[str]) -> None:
    _second_rotation(team)
    args = [arg for rid in rotations for arg in ("--rotation", rid)]
    result = run("who", "--root", team, "--at", "2026-11-30T14:00Z", *args)
    shown = result.out.splitlines()[1:]
    assert len(shown) == len(lines) and all(s.startswith(f"  {want}") for s, want in zip(shown, lines, strict=True))
    assert result.code == (1 if "platform" in rotations or not rotations else 0)


@pytest.mark.parametrize(("args", "message"), [
    (("--at", "next monday"), "is not an ISO date-time"),
    (("--pipeline", "profit-agregate"), "did you mean 'profit-aggregate'"),
    (("--rotation", "data-pipeline"), "no rotation 'data-pipeline' in ops-data/oncall.yaml (did you mean"),
    (("--rotation", "data-pipelines", "--pipeline", "profit-aggregate"), "give --rotation or --pipeline"),
])
def test_bad_input_exits_2(run: Callable[..., Result], args: tuple[str, ...], message: str) -> None:
    result = run("who", "--root", REPO, "--at", "2026-11-30T12:00Z", *args)
    assert result.code == 2
    assert message in result.err


def test_broken_schedule_is_refused_but_a_broken_runbook_is_not(run: Callable[..., Result], team: Path) -> None:
    (team / "ops-data" / "runbooks" / "profit-aggregate.md").write_text("---\n: [\n---\n# x\n", encoding="utf-8")
    assert run("who", "--root", team, "--at", "2026-11-30T14:00Z").code == 0
    oncall = team / "ops-data" / "oncall.yaml"
    oncall.write_text(oncall.read_text(encoding="utf-8").replace('time: "09:00"', "time: 10:30"), encoding="utf-8")
    result = run("who", "--root", team, "--at", "2026-11-30T14:00Z")
    assert result.code == 2
    assert result.err.startswith("opscheck: error: ops-data/oncall.yaml:16:")
    assert "fix the data first: `opscheck validate`" in result.err


def _handoff_team(team: Path, handoff: str, calendar: str, observe: str, weeks: list[str]) -> None:
    shifts = "\n".join(f"      - {{week: {w}, engineer: eng{k + 1}}}" for k, w in enumerate(weeks))
    (team / "ops-data" / "oncall.yaml").write_text(
        "rotations:\n  - id: data-pipelines\n    members: [eng1, eng2, eng3, eng4, eng5]\n"
        f"    handoff: {handoff}\n    shifts:\n{shifts}\n")
    (team / "ops-data" / "holidays.yaml").write_text(f"calendar: {calendar}\nobserve: [{observe}]\n")


@pytest.mark.parametrize(("handoff", "calendar", "observe", "weeks", "at", "engineer"), [
    # Labor Day 2026 is a Monday: with a 09:00 handoff the incoming engineer has most of it
    ('{weekday: monday, time: "09:00", timezone: America/New_York}', "US", "Labor Day",
     ["2026-08-24", "2026-08-31", "2026-09-07", "2026-09-14"], "2026-09-07T18:00Z", "eng3"),
    # Christmas 2026 is a Friday: with a 17:00 handoff the outgoing engineer has most of it
    ('{weekday: friday, time: "17:00", timezone: Europe/London}', "GB", "Christmas Day",
     ["2026-12-04", "2026-12-11", "2026-12-18", "2026-12-25", "2027-01-01"], "2026-12-25T10:00Z", "eng3"),
])
def test_holiday_credit_follows_who_covers_the_day(
    run: Callable[..., Result], team: Path, handoff: str, calendar: str, observe: str, weeks: list[str],
    at: str, engineer: str,
) -> None:
    _handoff_team(team, handoff, calendar, observe, weeks)
    who = run("who", "--root", team, "--at", at)
    assert f"data-pipelines: {engineer.capitalize()} ({engineer})" in who.out, who.out + who.err
    report = run("report", "--root", team)
    row = next(line for line in report.out.splitlines() if line.startswith(("| Labor Day |", "| Christmas |")))
    assert row.split("|")[2].strip() == engineer.capitalize()


@pytest.mark.parametrize(("broken", "args", "code"), [
    ("pipelines.yaml", (), 0),  # who reads the rotations and the names only
    ("holidays.yaml", (), 0),
    ("pipelines.yaml", ("--pipeline", "profit-aggregate"), 2),  # now it needs the pipelines
    ("engineers.yaml", (), 2),
])
def test_who_reads_only_the_files_it_needs(run: Callable[..., Result], team: Path, broken: str,
                                           args: tuple[str, ...], code: int) -> None:
    (team / "ops-data" / broken).write_text("key: [unclosed\n", encoding="utf-8")
    result = run("who", "--root", team, "--at", "2026-11-30T14:00Z", *args)
    assert result.code == code, result.err
    assert (f"ops-data/{broken}:" in result.err) == (code == 2)


def test_a_huge_at_value_is_refused_with_a_short_message(run: Callable[..., Result]) -> None:
    result = run("who", "--root", REPO, "--at", "2026-11-30" + " " * 100_000 + "10:00")
    assert result.code == 2
    assert "is not an ISO date-time" in result.err and len(result.err) < 300
