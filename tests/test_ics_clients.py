"""The rotation calendar as other parsers read it: every event at the instants zoneinfo gives.

vobject and ics-py each resolve TZID against the VTIMEZONE on their own (icalendar, which
writes the file, goes by the TZID's name); all must agree with the data, in winter and
summer alike, for shifts, overrides and one engineer's calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import ics
import pytest
import vobject
import yaml

from conftest import Result

UTC = dt.timezone.utc
Instants = dict[str, tuple[dt.datetime, dt.datetime]]


def _expected(team: Path, rotation: str = "data-pipelines") -> Instants:
    """Each event's start and end from oncall.yaml, through zoneinfo alone."""
    data = yaml.safe_load((team / "ops-data" / "oncall.yaml").read_text(encoding="utf-8"))
    rot = next(r for r in data["rotations"] if r["id"] == rotation)
    tz, clock = ZoneInfo(rot["handoff"]["timezone"]), dt.time.fromisoformat(rot["handoff"]["time"])
    out: Instants = {}
    for shift in rot["shifts"]:
        week = dt.date.fromisoformat(str(shift["week"]))
        out[f"{rotation}-{week}@opscheck"] = (
            dt.datetime.combine(week, clock, tz), dt.datetime.combine(week + dt.timedelta(days=7), clock, tz))
    for ov in rot.get("overrides", []):
        first = dt.date.fromisoformat(str(ov.get("date") or ov["start"]))
        last = dt.date.fromisoformat(str(ov.get("date") or ov["end"]))
        after = last + dt.timedelta(days=1)
        out[f"{rotation}-override-{first}@opscheck"] = (
            dt.datetime.combine(first, dt.time(0), tz), dt.datetime.combine(after, dt.time(0), tz))
    return {uid: (start.astimezone(UTC), end.astimezone(UTC)) for uid, (start, end) in out.items()}


def _vobject(text: str) -> Instants:
    cal = vobject.readOne(text)
    return {str(e.uid.value): (e.dtstart.value.astimezone(UTC), e.dtend.value.astimezone(UTC))
            for e in cal.vevent_list}


@pytest.fixture(autouse=True)
def _no_colorama_per_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    # ics-py's grammar library calls colorama.init() on every parse when colorama is installed (dbt,
    # in the test extra, brings it); each call wraps sys.stdout once more, until Python's recursion
    # limit. Colours in parser traces are of no use here.
    import tatsu.color

    monkeypatch.setattr(tatsu.color, "init", lambda: None)


def _ics_py(text: str) -> Instants:
    cal = ics.Calendar(text)
    return {str(e.uid): (e.begin.datetime.astimezone(UTC), e.end.datetime.astimezone(UTC)) for e in cal.events}


def _icalendar(text: str) -> Instants:
    cal = icalendar.Calendar.from_ical(text)
    return {str(e["UID"]): (e.decoded("DTSTART").astimezone(UTC), e.decoded("DTEND").astimezone(UTC))
            for e in cal.walk("VEVENT")}


PARSERS = {"vobject": _vobject, "ics-py": _ics_py, "icalendar": _icalendar}


def _calendar(run: Callable[..., Result], team: Path, *args: str) -> str:
    result = run("schedule", "ics", "--rotation", "data-pipelines", "--root", team, *args)
    assert result.code == 0, result.err
    return result.out


@pytest.mark.parametrize("parser", list(PARSERS))
def test_every_event_at_the_instants_zoneinfo_gives(
    run: Callable[..., Result], team: Path, parser: str
) -> None:
    expected = _expected(team)
    found = PARSERS[parser](_calendar(run, team))
    assert len(found) == 157 + 12
    summer = [uid for uid, (start, _) in expected.items() if start.astimezone(ZoneInfo("America/New_York")).dst()]
    assert len(summer) > 60  # the events a stray offset would move
    assert found == expected


@pytest.mark.parametrize("parser", list(PARSERS))
@pytest.mark.parametrize("zone", ["Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "America/Sao_Paulo"])
def test_other_time_zones(run: Callable[..., Result], team: Path, parser: str, zone: str) -> None:
    oncall = team / "ops-data" / "oncall.yaml"
    oncall.write_text(oncall.read_text(encoding="utf-8").replace("America/New_York", zone), encoding="utf-8")
    assert PARSERS[parser](_calendar(run, team)) == _expected(team)


@pytest.mark.parametrize("parser", list(PARSERS))
def test_engineer_calendar_leaves_out_days_given_to_someone_else(
    run: Callable[..., Result], team: Path, parser: str
) -> None:
    new_york = ZoneInfo("America/New_York")
    found = PARSERS[parser](_calendar(run, team, "--engineer", "eng1"))

    def at(day: str, hour: int) -> dt.datetime:
        return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), new_york).astimezone(UTC)

    # eng1's week of 2024-12-30, with New Year's Day 2025 given to eng2 by an override
    assert found["data-pipelines-2024-12-30@opscheck"] == (at("2024-12-30", 9), at("2025-01-01", 0))
    assert found["data-pipelines-2024-12-30-from-2025-01-02@opscheck"] == (at("2025-01-02", 0), at("2025-01-06", 9))
    assert "data-pipelines-override-2025-01-01@opscheck" not in found
    # nothing of eng1's overlaps a day another engineer's override covers
    expected = _expected(team)
    others = [expected[uid] for uid in expected if "override" in uid and uid not in found]
    for start, end in found.values():
        assert not any(start < o_end and o_start < end for o_start, o_end in others)


def test_no_comment_outside_observances_and_no_future_stamp(run: Callable[..., Result], team: Path) -> None:
    text = _calendar(run, team)
    depth = []
    for line in text.split("\r\n"):
        if line.startswith("BEGIN:"):
            depth.append(line[6:])
        elif line.startswith("END:"):
            depth.pop()
        elif line.startswith("COMMENT"):
            assert depth[-1] in ("STANDARD", "DAYLIGHT"), line
        elif line.startswith("DTSTAMP:"):
            assert dt.datetime.strptime(line[8:], "%Y%m%dT%H%M%SZ") <= dt.datetime(2026, 1, 1)  # not a git repo
    assert "RDATE" not in text and "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" in text
