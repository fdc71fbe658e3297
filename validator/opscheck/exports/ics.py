"""A rotation as an RFC 5545 calendar: one event per shift and per override.

UIDs name the rotation and the week (or the override's first day), never the engineer, so
a reassigned week updates the event a calendar already holds; SEQUENCE counts how often the
week changed hands in git history. Nothing depends on the time of the run: DTSTAMP is the
commit time of the week's last change (of the file's last commit for an uncommitted one),
and outside git 1970-01-01 00:00 UTC, a time that is never in the future.

Times are local to the handoff time zone (TZID) with a VTIMEZONE of yearly rules (see
``vtimezone``); an override covers whole days of that zone, from 00:00 to 00:00. One
engineer's calendar leaves out of their shift the days an override gives to someone else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from opscheck.dataset import Dataset, lookup
from opscheck.errors import ConfigError
from opscheck.exports import vtimezone
from opscheck.models import Override, Rotation, Shift
from opscheck.planning import ONCALL_FILE, find_rotation

PRODID = "-//opscheck//on-call schedule//EN"
ONE_DAY, WEEK = dt.timedelta(days=1), dt.timedelta(days=7)
LAST_DAY = dt.date.max - 2 * WEEK  # a week that starts later cannot end within the calendar
DOMAIN = "opscheck"


@dataclass(frozen=True)
class Change:
    """How many times a week (or an override) was reassigned, and when it last changed."""

    sequence: int = 0
    stamp: dt.datetime | None = None


def shift_uid(rotation: str, week: dt.date, part_from: dt.date | None = None) -> str:
    """The week's UID; a later part of a shift split around overrides adds the day it starts."""
    return f"{rotation}-{week}" + (f"-from-{part_from}" if part_from else "") + f"@{DOMAIN}"


def override_uid(rotation: str, day: dt.date) -> str:
    return f"{rotation}-override-{day}@{DOMAIN}"


def export(ds: Dataset, rotation_id: str, engineer: str | None = None) -> str:
    """The calendar of ``rotation_id`` (only ``engineer``'s events when given), as RFC 5545 text."""
    from icalendar import Calendar

    rot = find_rotation(ds, rotation_id)
    if engineer is not None:
        lookup(ds, "engineers", engineer)
    changes = history(ds.root, rot)
    tz = ZoneInfo(rot.handoff.timezone)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"On call: {rot.id}")
    cal.add("x-wr-timezone", rot.handoff.timezone)
    shifts = sorted(rot.shifts, key=lambda s: s.week)
    overrides = sorted(rot.overrides, key=lambda o: o.first)
    years = _years(ds, rot)
    if years:
        cal.add_component(vtimezone.component(tz, rot.handoff.timezone, years))
    for shift in shifts:
        change = changes.get(("shift", str(shift.week)), Change())
        if engineer is None:
            cal.add_component(_shift_event(ds, rot, shift, _span(rot, shift, tz), change))
        elif engineer == shift.engineer:
            spans = _own_spans(rot, shift, tz)
            for i, span in enumerate(spans):
                cal.add_component(_shift_event(ds, rot, shift, span, change, part=i if len(spans) > 1 else None))
    for ov in overrides:
        if engineer in (None, ov.engineer):
            cal.add_component(_override_event(ds, rot, ov, tz, changes.get(("override", str(ov.first)), Change())))
    text: str = cal.to_ical().decode("utf-8")
    return text


def _years(ds: Dataset, rot: Rotation) -> list[int]:
    """The years the rotation's events start or end in (a week runs a bit past its seventh day)."""
    dated = [(s.week, ("shifts", i, "week")) for i, s in enumerate(rot.shifts)]
    dated += [(o.last, ("overrides", i, "date" if o.date else "end")) for i, o in enumerate(rot.overrides)]
    for day, path in dated:
        if day > LAST_DAY:
            line, _ = ds.mark(rot.loc.at(*path))
            raise ConfigError(f"{day} is past the last week a calendar can hold (through {LAST_DAY}); fix the date",
                              f"{rot.loc.file}:{line}")
    return sorted({d.year for day, _ in dated for d in (day, day + 8 * ONE_DAY)} |
                  {o.first.year for o in rot.overrides})


Span = tuple[dt.datetime, dt.datetime]


def _span(rot: Rotation, shift: Shift, tz: ZoneInfo) -> Span:
    """From the handoff that starts the week to the next one."""
    clock = rot.handoff.clock
    return (dt.datetime.combine(shift.week, clock, tzinfo=tz),
            dt.datetime.combine(shift.week + dt.timedelta(days=7), clock, tzinfo=tz))


def _day(day: dt.date, tz: ZoneInfo) -> Span:
    """A whole day of the handoff time zone, 00:00 to 00:00 (23 or 25 hours on a clock change)."""
    return (dt.datetime.combine(day, dt.time(0), tzinfo=tz),
            dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz))


def _own_spans(rot: Rotation, shift: Shift, tz: ZoneInfo) -> list[Span]:
    """The shift without the days that overrides give to someone else, as instants (compared in UTC)."""
    start, end = _span(rot, shift, tz)
    spans = [(start.astimezone(dt.timezone.utc), end.astimezone(dt.timezone.utc))]
    for ov in rot.overrides:
        if ov.engineer == shift.engineer or ov.last < shift.week - ONE_DAY or ov.first > shift.week + WEEK:
            continue
        day = ov.first
        while day <= ov.last:
            cut_from, cut_to = (t.astimezone(dt.timezone.utc) for t in _day(day, tz))
            spans = [
                piece
                for start, end in spans
                for piece in ((start, min(end, cut_from)), (max(start, cut_to), end))
                if piece[0] < piece[1]
            ]
            day += ONE_DAY
    return [(start.astimezone(tz), end.astimezone(tz)) for start, end in spans]


def _name(ds: Dataset, engineer: str) -> str:
    person = ds.engineers.get(engineer)
    return person.name if person else engineer


def _shift_event(
    ds: Dataset, rot: Rotation, shift: Shift, span: Span, change: Change, part: int | None = None
) -> Any:
    from icalendar import Event

    event = Event()
    event.add("uid", shift_uid(rot.id, shift.week, span[0].date() if part else None))
    event.add("dtstamp", change.stamp or NO_STAMP)
    event.add("sequence", change.sequence)
    event.add("dtstart", span[0])
    event.add("dtend", span[1])
    event.add("summary", f"On call: {_name(ds, shift.engineer)} ({rot.id})")
    event.add("description", f"{_name(ds, shift.engineer)} ({shift.engineer}) is on call for {rot.id} from the "
                             f"{rot.handoff.weekday.capitalize()} {rot.handoff.time} handoff for 7 days"
                             + (", except the days overrides give to someone else." if part is not None else "."))
    event.add("transp", "TRANSPARENT")
    return event


def _override_event(ds: Dataset, rot: Rotation, ov: Override, tz: ZoneInfo, change: Change) -> Any:
    from icalendar import Event

    event = Event()
    event.add("uid", override_uid(rot.id, ov.first))
    event.add("dtstamp", change.stamp or NO_STAMP)
    event.add("sequence", change.sequence)
    # whole days of the handoff time zone, not floating dates each client puts in its own zone
    event.add("dtstart", _day(ov.first, tz)[0])
    event.add("dtend", _day(ov.last, tz)[1])
    event.add("summary", f"On call: {_name(ds, ov.engineer)} ({rot.id}, override)")
    reason = f": {ov.reason}" if ov.reason else ""
    event.add("description", f"{_name(ds, ov.engineer)} ({ov.engineer}) covers {rot.id} instead of the "
                             f"week's engineer{reason}.")
    event.add("transp", "TRANSPARENT")
    return event


# DTSTAMP when git cannot say when the data was written: fixed, so the same data gives the same bytes
NO_STAMP = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


# -- reassignments from git history -------------------------------------------------------------

Key = tuple[str, str]  # ("shift", week) or ("override", first day)


def history(root: Path, rot: Rotation) -> dict[Key, Change]:
    """Reassignments per week and override: first-parent commits touching oncall.yaml, oldest first.

    Without a git repository every SEQUENCE is 0. The working copy counts as the newest
    version, so an uncommitted reassignment already bumps its event.
    """
    found = _versions(root, rot.id)
    if found is None:
        return {}
    counts: dict[Key, int] = {}
    stamps: dict[Key, dt.datetime | None] = {}
    seen: dict[Key, str] = {}
    # an uncommitted change is stamped with the file's last commit: never later than now
    latest = found[-1][0] if found else None
    for when, holders in [*found, (latest, _holders_of(rot))]:
        for key, engineer in holders.items():
            before = seen.get(key)
            if before is None or before != engineer:
                if before is not None:
                    counts[key] = counts.get(key, 0) + 1
                stamps[key] = when
            seen[key] = engineer
    return {key: Change(counts.get(key, 0), stamps.get(key)) for key in seen}


Holders = dict[Key, str]  # key -> engineer


def _versions(root: Path, rotation_id: str) -> list[tuple[dt.datetime, Holders]] | None:
    """Who held what in each committed version of the rotation; a version that cannot be read
    (or lacks the rotation) holds nothing."""
    import git

    from opscheck.audit import Reader, Version
    from opscheck.history import find_repo, prefix_of, require_full_history

    repo = find_repo(root)
    if repo is None:
        return None
    require_full_history(repo, "schedule ics (SEQUENCE counts reassignments)")
    rel = prefix_of(repo, root) + ONCALL_FILE
    try:
        log = repo.git.log("--first-parent", "--reverse", "--format=%H %ct", "--", rel)
    except git.GitCommandError:
        return []  # no commit yet
    reader = Reader()
    out = []
    for line in log.splitlines():
        sha, stamp = line.split()
        try:
            blob = repo.commit(sha).tree / rel
        except KeyError:
            continue  # the file was deleted in this commit
        version = reader.read(ONCALL_FILE, blob)
        rot = version.model.get(rotation_id) if isinstance(version, Version) else None
        out.append((dt.datetime.fromtimestamp(int(stamp), dt.timezone.utc), _holders_of(rot) if rot else {}))
    return out


def _holders_of(rot: Rotation) -> Holders:
    found: Holders = {("shift", str(s.week)): s.engineer for s in rot.shifts}
    found.update({("override", str(o.first)): o.engineer for o in rot.overrides})
    return found
