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
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from opscheck.dataset import Dataset, lookup
from opscheck.errors import ConfigError
from opscheck.exports import vtimezone
from opscheck.exports.lines import Lines
from opscheck.models import Override, Rotation, Shift
from opscheck.planning import ONCALL_FILE, find_rotation
from opscheck.spans import subtract, union

PRODID = "-//opscheck//on-call schedule//EN"
ONE_DAY, WEEK = dt.timedelta(days=1), dt.timedelta(days=7)
LAST_DAY = dt.date.max - 2 * WEEK  # a week that starts later cannot end within the calendar
DOMAIN = "opscheck"
END = "END:VCALENDAR\r\n"
BATCH = 1000  # events in one piece of the written calendar


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
    return "".join(calendar(ds, rotation_id, engineer))


def calendar(ds: Dataset, rotation_id: str, engineer: str | None = None) -> Iterator[str]:
    """The calendar in pieces to write as they come: a schedule of centuries makes a calendar far
    larger than its data, so it is never held whole. All that can be refused is refused before
    the first piece."""
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
    years = _years(ds, rot)
    if years:
        cal.add_component(vtimezone.component(tz, rot.handoff.timezone, years))
    # the library writes the calendar's properties and time zone; the events, written alike, follow
    head: str = cal.to_ical().decode("utf-8")
    yield head.removesuffix(END)
    batch: list[str] = []
    for event in _events(ds, rot, engineer, tz, changes):
        batch.append(event)
        if len(batch) == BATCH:
            yield "".join(batch)
            batch.clear()
    yield "".join(batch) + END


def _events(
    ds: Dataset, rot: Rotation, engineer: str | None, tz: ZoneInfo, changes: dict[Key, Change]
) -> Iterator[str]:
    """Each shift's event (or its parts around others' overrides), then each override's, by date."""
    lines = Lines()
    cuts = _cuts(rot, engineer, tz) if engineer is not None else []
    ends = [end for _, end in cuts]
    for shift in sorted(rot.shifts, key=lambda s: s.week):
        change = changes.get(("shift", str(shift.week)), Change())
        if engineer is None:
            yield _shift_event(lines, ds, rot, shift, _span(rot, shift, tz), change)
        elif engineer == shift.engineer:
            spans = _own_spans(rot, shift, tz, cuts, ends)
            for i, span in enumerate(spans):
                yield _shift_event(lines, ds, rot, shift, span, change, part=i if len(spans) > 1 else None)
    for ov in sorted(rot.overrides, key=lambda o: o.first):
        if engineer in (None, ov.engineer):
            yield _override_event(lines, ds, rot, ov, tz, changes.get(("override", str(ov.first)), Change()))


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


def _cuts(rot: Rotation, engineer: str, tz: ZoneInfo) -> list[Span]:
    """The whole days overrides give to others than ``engineer``, merged, as sorted UTC instants."""
    return union([(_day(ov.first, tz)[0].astimezone(dt.timezone.utc), _day(ov.last, tz)[1].astimezone(dt.timezone.utc))
                  for ov in rot.overrides if ov.engineer != engineer])


def _own_spans(rot: Rotation, shift: Shift, tz: ZoneInfo, cuts: list[Span], ends: list[dt.datetime]) -> list[Span]:
    """The shift without the days that overrides give to someone else (``cuts``), as local instants."""
    start, end = (t.astimezone(dt.timezone.utc) for t in _span(rot, shift, tz))
    return [(a.astimezone(tz), b.astimezone(tz)) for a, b in subtract(start, end, cuts, ends)]


def _name(ds: Dataset, engineer: str) -> str:
    person = ds.engineers.get(engineer)
    return person.name if person else engineer


def _shift_event(
    lines: Lines, ds: Dataset, rot: Rotation, shift: Shift, span: Span, change: Change, part: int | None = None
) -> str:
    who = _name(ds, shift.engineer)
    uid = shift_uid(rot.id, shift.week, span[0].date() if part else None)
    return _event(
        lines, f"On call: {who} ({rot.id})", span, change, uid,
        f"{who} ({shift.engineer}) is on call for {rot.id} from the {rot.handoff.weekday.capitalize()} "
        f"{rot.handoff.time} handoff for 7 days" + (", except the days overrides give to someone else."
                                                    if part is not None else "."),
    )


def _override_event(lines: Lines, ds: Dataset, rot: Rotation, ov: Override, tz: ZoneInfo, change: Change) -> str:
    who = _name(ds, ov.engineer)
    reason = f": {ov.reason}" if ov.reason else ""
    # whole days of the handoff time zone, not floating dates each client puts in its own zone
    span = (_day(ov.first, tz)[0], _day(ov.last, tz)[1])
    return _event(lines, f"On call: {who} ({rot.id}, override)", span, change, override_uid(rot.id, ov.first),
                  f"{who} ({ov.engineer}) covers {rot.id} instead of the week's engineer{reason}.")


def _event(lines: Lines, summary: str, span: Span, change: Change, uid: str, description: str) -> str:
    """A VEVENT with its properties in the order the library writes them (its canonical order, then A-Z)."""
    return "\r\n".join((
        "BEGIN:VEVENT",
        lines.text("SUMMARY", summary),
        lines.datetime("DTSTART", span[0]),
        lines.datetime("DTEND", span[1]),
        lines.datetime("DTSTAMP", change.stamp or NO_STAMP),
        lines.text("UID", uid, once=True),
        lines.integer("SEQUENCE", change.sequence),
        lines.text("DESCRIPTION", description),
        lines.text("TRANSP", "TRANSPARENT"),
        "END:VEVENT",
        "",
    ))


# DTSTAMP when git cannot say when the data was written: fixed, so the same data gives the same bytes
NO_STAMP = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


# -- reassignments from git history -------------------------------------------------------------

Key = tuple[str, str]  # ("shift", week) or ("override", first day)


def history(root: Path, rot: Rotation) -> dict[Key, Change]:
    """Reassignments per week and override: first-parent commits touching oncall.yaml, oldest first.

    Without a git repository every SEQUENCE is 0. The working copy counts as the newest
    version, so an uncommitted reassignment already bumps its event.
    """
    found = _versions(root, rot)
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


def _versions(root: Path, rot: Rotation) -> list[tuple[dt.datetime, Holders]] | None:
    """Who held what in each committed version of the rotation; a version that cannot be read
    (or lacks the rotation) holds nothing. A version that is the working copy byte for byte
    (usually the last) is not parsed again: its holders are those of ``rot``."""
    from opscheck.history import file_versions, find_repo, prefix_of, require_full_history
    from opscheck.versions import MAX_PARSED, Reader, Spent, Version

    repo = find_repo(root)
    if repo is None:
        return None
    require_full_history(repo, "schedule ics (SEQUENCE counts reassignments)")
    reader = Reader()
    working = _blob_id(root / ONCALL_FILE, root)
    out: list[tuple[dt.datetime, Holders]] = []
    for stamp, contents in file_versions(repo, prefix_of(repo, root) + ONCALL_FILE):
        if contents.hexsha == working:
            held = _holders_of(rot)
        else:
            try:
                version = reader.read(ONCALL_FILE, contents)
            except Spent:
                raise ConfigError(
                    f"schedule ics: counting reassignments (SEQUENCE) in the history of {ONCALL_FILE} would parse "
                    f"more than {MAX_PARSED:,} characters of its committed versions (reached at version "
                    f"{len(out) + 1:,}); no calendar is written") from None
            then = version.model.get(rot.id) if isinstance(version, Version) else None
            held = _holders_of(then) if then else {}
        out.append((dt.datetime.fromtimestamp(stamp, dt.timezone.utc), held))
    return out


def _blob_id(path: Path, root: Path) -> str | None:
    """The id git gives the file's bytes as a blob (None if it cannot be read)."""
    from opscheck.tree import Unreadable, read_regular

    try:
        data = read_regular(path, root)
    except Unreadable:
        return None
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _holders_of(rot: Rotation) -> Holders:
    found: Holders = {("shift", str(s.week)): s.engineer for s in rot.shifts}
    found.update({("override", str(o.first)): o.engineer for o in rot.overrides})
    return found
