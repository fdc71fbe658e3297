"""A rotation as an RFC 5545 calendar: one event per shift and per override.

UIDs name the rotation and the week (or the override's first day), never the engineer, so
a reassigned week updates the event a calendar already holds; SEQUENCE counts how often the
week changed hands in git history. Nothing depends on the time of the run: DTSTAMP is the
commit time of the week's last change, or the week's first day at 00:00 UTC.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from opscheck.dataset import Dataset, lookup
from opscheck.models import Override, Rotation, Shift
from opscheck.schedule import ONCALL_FILE, find_rotation

PRODID = "-//opscheck//on-call schedule//EN"
DOMAIN = "opscheck"


@dataclass(frozen=True)
class Change:
    """How many times a week (or an override) was reassigned, and when it last changed."""

    sequence: int = 0
    stamp: dt.datetime | None = None


def shift_uid(rotation: str, week: dt.date) -> str:
    return f"{rotation}-{week}@{DOMAIN}"


def override_uid(rotation: str, day: dt.date) -> str:
    return f"{rotation}-override-{day}@{DOMAIN}"


def export(ds: Dataset, rotation_id: str, engineer: str | None = None) -> str:
    """The calendar of ``rotation_id`` (only ``engineer``'s events when given), as RFC 5545 text."""
    from icalendar import Calendar, Timezone

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
    if shifts:
        first, last = shifts[0].week - dt.timedelta(days=7), shifts[-1].week + dt.timedelta(days=14)
        cal.add_component(Timezone.from_tzinfo(tz, tzid=rot.handoff.timezone, first_date=first, last_date=last))
    for shift in shifts:
        if engineer in (None, shift.engineer):
            cal.add_component(_shift_event(ds, rot, shift, tz, changes.get(("shift", str(shift.week)), Change())))
    for ov in sorted(rot.overrides, key=lambda o: o.first):
        if engineer in (None, ov.engineer):
            cal.add_component(_override_event(ds, rot, ov, changes.get(("override", str(ov.first)), Change())))
    text: str = cal.to_ical().decode("utf-8")
    return text


def _name(ds: Dataset, engineer: str) -> str:
    person = ds.engineers.get(engineer)
    return person.name if person else engineer


def _shift_event(ds: Dataset, rot: Rotation, shift: Shift, tz: ZoneInfo, change: Change) -> Any:
    from icalendar import Event

    clock = rot.handoff.clock
    start = dt.datetime.combine(shift.week, clock, tzinfo=tz)
    end = dt.datetime.combine(shift.week + dt.timedelta(days=7), clock, tzinfo=tz)
    event = Event()
    event.add("uid", shift_uid(rot.id, shift.week))
    event.add("dtstamp", change.stamp or _midnight(shift.week))
    event.add("sequence", change.sequence)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", f"On call: {_name(ds, shift.engineer)} ({rot.id})")
    event.add("description", f"{_name(ds, shift.engineer)} ({shift.engineer}) is on call for {rot.id} from the "
                             f"{rot.handoff.weekday.capitalize()} {rot.handoff.time} handoff for 7 days.")
    event.add("transp", "TRANSPARENT")
    return event


def _override_event(ds: Dataset, rot: Rotation, ov: Override, change: Change) -> Any:
    from icalendar import Event

    event = Event()
    event.add("uid", override_uid(rot.id, ov.first))
    event.add("dtstamp", change.stamp or _midnight(ov.first))
    event.add("sequence", change.sequence)
    # whole days, as the data says: the override covers each calendar day from first to last
    event.add("dtstart", ov.first)
    event.add("dtend", ov.last + dt.timedelta(days=1))
    event.add("summary", f"On call: {_name(ds, ov.engineer)} ({rot.id}, override)")
    reason = f": {ov.reason}" if ov.reason else ""
    event.add("description", f"{_name(ds, ov.engineer)} ({ov.engineer}) covers {rot.id} instead of the "
                             f"week's engineer{reason}.")
    event.add("transp", "TRANSPARENT")
    return event


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.timezone.utc)


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
    for when, holders in [*found, (None, _holders_of(rot))]:
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
