"""`opscheck schedule ics`: RFC 5545 with stable UIDs, SEQUENCE from git history, and the same bytes every run."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from conftest import Result

ONCALL = "ops-data/oncall.yaml"
NEW_YORK = ZoneInfo("America/New_York")


def git(root: Path, *args: str, when: str = "2026-01-05T10:00:00+00:00") -> None:
    env = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "PATH": "/usr/bin:/bin", "HOME": str(root)}
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false",
                    *args], cwd=root, env=env, check=True, capture_output=True)


def reassign(root: Path, week: str, old: str, new: str) -> None:
    path = root / ONCALL
    text = path.read_text(encoding="utf-8")
    entry = f"{{week: {week}, engineer: {old}}}"
    assert entry in text
    path.write_text(text.replace(entry, f"{{week: {week}, engineer: {new}}}"), encoding="utf-8")


def events(text: str) -> dict[str, Any]:
    cal = icalendar.Calendar.from_ical(text)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_calendar_structure(run: Callable[..., Result], team: Path) -> None:
    result = run("schedule", "ics", "--rotation", "data-pipelines", "--root", team)
    assert result.code == 0, result.err
    cal = icalendar.Calendar.from_ical(result.out)
    assert str(cal["PRODID"]) == "-//opscheck//on-call schedule//EN" and str(cal["VERSION"]) == "2.0"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
    found = events(result.out)
    assert len(found) == 157 + 12
    first = found["data-pipelines-2025-01-06@opscheck"]
    assert first.decoded("DTSTART") == dt.datetime(2025, 1, 6, 9, 0, tzinfo=NEW_YORK)
    assert first.decoded("DTEND") == dt.datetime(2025, 1, 13, 9, 0, tzinfo=NEW_YORK)
    assert "DTSTART;TZID=America/New_York:20250106T090000\r\n" in result.out
    assert str(first["SUMMARY"]) == "On call: Eng2 (data-pipelines)"
    assert first.decoded("DTSTAMP") == dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)  # not a git repo
    assert int(first["SEQUENCE"]) == 0
    xmas = found["data-pipelines-override-2025-12-25@opscheck"]
    # whole days of the handoff time zone, not floating dates
    assert xmas.decoded("DTSTART") == dt.datetime(2025, 12, 25, tzinfo=NEW_YORK)
    assert xmas.decoded("DTEND") == dt.datetime(2025, 12, 26, tzinfo=NEW_YORK)
    assert str(xmas["SUMMARY"]) == "On call: Eng1 (data-pipelines, override)"


def test_same_data_same_bytes(run: Callable[..., Result], team: Path, tmp_path: Path) -> None:
    out = tmp_path / "oncall.ics"
    assert run("schedule", "ics", "--rotation", "data-pipelines", "--root", team, "--out", out).code == 0
    first = out.read_bytes()
    assert run("schedule", "ics", "--rotation", "data-pipelines", "--root", team, "--out", out).code == 0
    assert out.read_bytes() == first
    assert first.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and b"\n" not in first.replace(b"\r\n", b"")


def test_engineer_filter(run: Callable[..., Result], team: Path) -> None:
    result = run("schedule", "ics", "--rotation", "data-pipelines", "--engineer", "eng1", "--root", team)
    found = events(result.out)
    assert found and all(str(e["SUMMARY"]).startswith("On call: Eng1 (") for e in found.values())
    assert "data-pipelines-override-2025-12-25@opscheck" in found
    assert "data-pipelines-2025-01-06@opscheck" not in found  # Eng2's week


def test_sequence_counts_reassignments_in_git_history(run: Callable[..., Result], team: Path) -> None:
    git(team, "init", "-q", "-b", "main")
    git(team, "add", ".")
    git(team, "commit", "-q", "-m", "publish", when="2026-01-05T10:00:00+00:00")
    reassign(team, "2027-01-04", "eng1", "eng3")
    git(team, "commit", "-q", "-am", "swap", when="2026-02-01T10:00:00+00:00")
    reassign(team, "2027-01-04", "eng3", "eng1")
    git(team, "commit", "-q", "-am", "swap back", when="2026-03-01T10:00:00+00:00")
    reassign(team, "2027-01-11", "eng2", "eng4")  # not committed yet: the working copy counts too
    found = events(run("schedule", "ics", "--rotation", "data-pipelines", "--root", team).out)
    swapped = found["data-pipelines-2027-01-04@opscheck"]
    assert int(swapped["SEQUENCE"]) == 2
    assert swapped.decoded("DTSTAMP") == dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.timezone.utc)
    uncommitted = found["data-pipelines-2027-01-11@opscheck"]
    assert int(uncommitted["SEQUENCE"]) == 1
    # stamped with the file's last commit: a time already past, and the same bytes on every run
    assert uncommitted.decoded("DTSTAMP") == dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.timezone.utc)
    untouched = found["data-pipelines-2027-01-18@opscheck"]
    assert int(untouched["SEQUENCE"]) == 0
    assert untouched.decoded("DTSTAMP") == dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.timezone.utc)


def test_sequence_counts_across_a_commit_that_deleted_the_file(run: Callable[..., Result], team: Path) -> None:
    oncall = team / "ops-data" / "oncall.yaml"
    kept = oncall.read_text(encoding="utf-8")
    git(team, "init", "-q", "-b", "main")
    git(team, "add", ".")
    git(team, "commit", "-q", "-m", "publish", when="2026-01-05T10:00:00+00:00")
    git(team, "rm", "-q", "ops-data/oncall.yaml")
    git(team, "commit", "-q", "-m", "drop", when="2026-02-01T10:00:00+00:00")
    oncall.write_text(kept, encoding="utf-8")
    reassign(team, "2027-01-04", "eng1", "eng3")
    git(team, "add", ".")
    git(team, "commit", "-q", "-m", "restore with a swap", when="2026-03-01T10:00:00+00:00")
    swapped = events(run("schedule", "ics", "--rotation", "data-pipelines", "--root", team).out)[
        "data-pipelines-2027-01-04@opscheck"]
    assert int(swapped["SEQUENCE"]) == 1
    assert swapped.decoded("DTSTAMP") == dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.timezone.utc)


def test_shallow_clone_is_a_config_error(run: Callable[..., Result], team: Path, tmp_path: Path) -> None:
    git(team, "init", "-q", "-b", "main")
    git(team, "add", ".")
    git(team, "commit", "-q", "-m", "publish")
    git(team, "commit", "-q", "--allow-empty", "-m", "second")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{team}", str(clone))
    result = run("schedule", "ics", "--rotation", "data-pipelines", "--root", clone)
    assert result.code == 2 and "fetch-depth: 0" in result.err


def test_unknown_rotation_or_engineer(run: Callable[..., Result], team: Path) -> None:
    assert run("schedule", "ics", "--rotation", "nope", "--root", team).code == 2
    result = run("schedule", "ics", "--rotation", "data-pipelines", "--engineer", "eng9", "--root", team)
    assert result.code == 2 and "no engineer 'eng9'" in result.err


def test_a_broken_file_the_calendar_does_not_need_is_not_read(run: Callable[..., Result], team: Path) -> None:
    (team / "ops-data" / "pipelines.yaml").write_text("pipelines: [unclosed\n", encoding="utf-8")
    (team / "ops-data" / "runbooks" / "profit-aggregate.md").write_text("no front matter\n", encoding="utf-8")
    result = run("schedule", "ics", "--root", team, "--rotation", "data-pipelines")
    assert result.code == 0, result.err
    assert "BEGIN:VCALENDAR" in result.out


def test_dates_far_apart_or_at_the_end_of_the_calendar(run: Callable[..., Result], team: Path) -> None:
    oncall = team / ONCALL
    text = oncall.read_text(encoding="utf-8")
    first = "      - {week: 2024-12-30, engineer: eng1}\n"
    far = "      - {week: 1900-01-01, engineer: eng1}\n      - {week: 9000-12-29, engineer: eng1}\n"
    oncall.write_text(text.replace(first, first + far), encoding="utf-8")
    result = run("schedule", "ics", "--rotation", "data-pipelines", "--root", team)
    assert result.code == 0, result.err
    found = events(result.out)
    assert found["data-pipelines-9000-12-29@opscheck"].decoded("DTEND") == dt.datetime(9001, 1, 5, 9, 0,
                                                                                    tzinfo=NEW_YORK)
    assert result.out.count("BEGIN:DAYLIGHT") == 2  # 2024-2028 as one yearly rule, and 9000 (none in 1900)
    # past the last year opscheck supports, the data is refused before any calendar is built
    oncall.write_text(text.replace(first, first + "      - {week: 9999-12-27, engineer: eng1}\n"), encoding="utf-8")
    result = run("schedule", "ics", "--rotation", "data-pipelines", "--root", team)
    assert result.code == 2 and "Traceback" not in result.err
    assert "oncall.yaml:20: 'week': 9999-12-27 is outside the years 1900 to 9000" in result.err
