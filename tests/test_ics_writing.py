"""`schedule ics` writes events as the icalendar library writes them (its own reading and writing
of the calendar give the same bytes back), for any text the data holds, and an engineer's
calendar leaves out exactly the days others' overrides take."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Result
from opscheck import dataset
from opscheck.exports import ics
from opscheck.models import Rotation

UTC = dt.timezone.utc
NAMES = ["Zoë O'Brien", 'a "quoted, semi;colon" \\ name', "line\nbreak\r\nand\rreturn \\N",
         "é" * 40, "x" * 70 + "\\" + "y" * 10, "🙂" * 30, "combining e\u0301" * 9, "^caret^" * 12]
ZONES = ["America/New_York", "UTC", "Etc/GMT+5", "Asia/Kolkata", "Australia/Lord_Howe",
         "America/Argentina/ComodRivadavia"]


def _org(root: Path, names: list[str], zone: str, rotation: str = "team", reasons: list[str] | None = None) -> Path:
    data = root / "ops-data"
    data.mkdir(parents=True)
    people = [{"id": f"eng{k}", "name": name} for k, name in enumerate(names, 1)]
    members = [p["id"] for p in people]
    start = dt.date(2025, 1, 6)
    shifts = [{"week": str(start + dt.timedelta(weeks=i)), "engineer": members[i % len(members)]} for i in range(12)]
    overrides = [{"date": str(start + dt.timedelta(days=9 + 7 * i)), "engineer": members[(i + 1) % len(members)],
                  **({"reason": reasons[i]} if reasons and i < len(reasons) else {})} for i in range(3)]
    overrides.append({"start": "2025-02-01", "end": "2025-02-04", "engineer": members[-1]})
    rotations = [{"id": rotation, "members": members, "shifts": shifts, "overrides": overrides,
                  "handoff": {"weekday": "monday", "time": "17:30", "timezone": zone}}]
    for name, body in {"engineers.yaml": {"engineers": people}, "oncall.yaml": {"rotations": rotations}}.items():
        (data / name).write_text(yaml.safe_dump(body, allow_unicode=True), encoding="utf-8")
    return root


def _written_back(text: str) -> str:
    return icalendar.Calendar.from_ical(text).to_ical().decode("utf-8")


@pytest.mark.parametrize("zone", ZONES)
def test_the_library_writes_the_calendar_back_byte_for_byte(
    run: Callable[..., Result], tmp_path: Path, zone: str
) -> None:
    root = _org(tmp_path, NAMES, zone, rotation="r" * 80, reasons=NAMES[::-1])  # a UID long enough to fold
    for engineer in ([], ["--engineer", "eng1"], ["--engineer", "eng8"]):
        result = run("schedule", "ics", "--root", root, "--rotation", "r" * 80, *engineer)
        assert result.code == 0, result.err
        assert result.out == _written_back(result.out)
        assert "BEGIN:VEVENT" in result.out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=90), min_size=2,
                      max_size=4),
       reason=st.text(st.characters(exclude_categories=["Cs"]), max_size=200))
def test_any_name_or_reason_is_written_as_the_library_writes_it(
    tmp_path_factory: pytest.TempPathFactory, names: list[str], reason: str
) -> None:
    root = _org(tmp_path_factory.mktemp("org"), names, "Europe/Berlin", reasons=[reason])
    ds = dataset.load(root, dt.date(2025, 1, 6))
    if ds.problems:  # a name YAML cannot hold as it is (a NUL, say) is not the calendar's concern
        return
    text = ics.export(ds, "team")
    assert text == _written_back(text)


def _days_taken(rot: Rotation, engineer: str, tz: ZoneInfo) -> list[tuple[dt.datetime, dt.datetime]]:
    """Each whole day an override gives to someone else, one by one (the plain reading of the rule)."""
    out = []
    for ov in rot.overrides:
        day = ov.first
        while day <= ov.last:
            if ov.engineer != engineer:
                out.append((dt.datetime.combine(day, dt.time(0), tz).astimezone(UTC),
                            dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tz).astimezone(UTC)))
            day += dt.timedelta(days=1)
    return out


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/London", "UTC"])
def test_an_engineers_shifts_leave_out_every_day_others_take(tmp_path: Path, zone: str) -> None:
    root = _org(tmp_path, ["A", "B", "C"], zone)
    ds = dataset.load(root, dt.date(2025, 1, 6))
    rot, tz = ds.rotations["team"], ZoneInfo(zone)
    for engineer in ("eng1", "eng2", "eng3"):
        found = icalendar.Calendar.from_ical(ics.export(ds, "team", engineer)).walk("VEVENT")
        taken = _days_taken(rot, engineer, tz)
        mine = [(e.decoded("DTSTART").astimezone(UTC), e.decoded("DTEND").astimezone(UTC)) for e in found
                if "override" not in str(e["UID"])]
        shifts = [s for s in rot.shifts if s.engineer == engineer]
        # covered instants: each shift minus the days taken, as the events say, hour by hour
        for shift in shifts:
            t = dt.datetime.combine(shift.week, rot.handoff.clock, tz).astimezone(UTC)
            end = dt.datetime.combine(shift.week + dt.timedelta(days=7), rot.handoff.clock, tz).astimezone(UTC)
            while t < end:
                off = any(a <= t < b for a, b in taken)
                assert any(a <= t < b for a, b in mine) != off, (engineer, t)
                t += dt.timedelta(hours=1)


def test_a_long_calendar_is_written_in_pieces_that_make_the_whole(run: Callable[..., Result], tmp_path: Path) -> None:
    root = _org(tmp_path, ["A", "B"], "Europe/Berlin")
    oncall = root / "ops-data" / "oncall.yaml"
    body = yaml.safe_load(oncall.read_text(encoding="utf-8"))
    start = dt.date(2025, 1, 6)
    body["rotations"][0]["shifts"] = [{"week": str(start + dt.timedelta(weeks=i)), "engineer": f"eng{i % 2 + 1}"}
                                      for i in range(2 * ics.BATCH + 1)]
    oncall.write_text(yaml.safe_dump(body), encoding="utf-8")
    pieces = list(ics.calendar(dataset.load(root, start), "team"))
    assert len(pieces) == 4  # the head, two full batches, the last event with the calendar's end
    result = run("schedule", "ics", "--root", root, "--rotation", "team", "--out", tmp_path / "team.ics")
    assert result.code == 0, result.err
    written = (tmp_path / "team.ics").read_bytes().decode("utf-8")
    assert written == "".join(pieces) == _written_back(written)
    assert written.count("BEGIN:VEVENT") == 2 * ics.BATCH + 1 + 4


def test_a_refused_calendar_writes_no_file(run: Callable[..., Result], tmp_path: Path) -> None:
    root = _org(tmp_path, ["A", "B"], "Europe/Berlin")
    out = tmp_path / "team.ics"
    result = run("schedule", "ics", "--root", root, "--rotation", "team", "--engineer", "eng9", "--out", out)
    assert result.code == 2 and "no engineer 'eng9'" in result.err
    assert not out.exists()
