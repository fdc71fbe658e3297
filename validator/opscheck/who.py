"""Who is on call at a moment: per rotation, honouring overrides, the handoff time and its time zone.

A shift runs from its handoff (weekday and time in the rotation's time zone) for 7 days, so
a Monday 08:59 in New York still belongs to last week's engineer. An override takes whole
calendar days in that time zone. A moment without an offset is read as UTC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from opscheck.dataset import Dataset, lookup
from opscheck.errors import ConfigError
from opscheck.models import Override, Pipeline, Rotation, Shift


def parse_moment(text: str) -> dt.datetime:
    """An ISO 8601 date-time (a trailing Z or an offset; none means UTC), or a date (midnight UTC)."""
    raw = text.strip()
    shown = repr(raw if len(raw) <= 60 else raw[:60] + "...")  # the value is echoed, not a megabyte of it
    try:
        if len(raw) > 64:  # longer than any ISO date-time with an offset
            raise ValueError(raw)
        moment = dt.datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw)
    except ValueError:
        raise ConfigError(f"--at {shown} is not an ISO date-time: write e.g. 2026-11-30T08:59-05:00, "
                          "2026-11-30T13:59Z or 2026-11-30 13:59 (UTC)") from None
    if not 1 < moment.year < 9999:  # a day's shift in any time zone must stay within the calendar
        raise ConfigError(f"--at {shown} is out of range: give a date between the years 0002 and 9998")
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class OnCall:
    rotation: Rotation
    local: dt.datetime  # the moment in the rotation's time zone
    engineer: str | None
    shift: Shift | None
    override: Override | None


def on_call(ds: Dataset, rot: Rotation, moment: dt.datetime) -> OnCall:
    tz = ZoneInfo(rot.handoff.timezone)
    local = moment.astimezone(tz)
    sched = ds.schedules[rot.id]
    # the shift that started at the latest handoff at or before the moment, compared as instants:
    # wall-clock arithmetic would give the old shift back while the clock repeats an hour in autumn
    today_handoff = dt.datetime.combine(local.date(), rot.handoff.clock, tzinfo=tz)
    after = today_handoff.astimezone(dt.timezone.utc) <= moment.astimezone(dt.timezone.utc)
    shift_day = local.date() if after else local.date() - dt.timedelta(days=1)
    shift = sched.running_on(shift_day)
    override = sched.override_on(local.date())
    engineer = override.engineer if override else shift.engineer if shift else None
    return OnCall(rot, local, engineer, shift, override)


def answer(ds: Dataset, moment: dt.datetime, pipeline_id: str | None = None,
           rotation_ids: Sequence[str] = ()) -> tuple[str, int]:
    """The report and exit code: 1 when a rotation asked about has nobody on call."""
    pipeline = _pipeline(ds, pipeline_id) if pipeline_id else None
    if pipeline is not None:
        rotations = [ds.rotations[pipeline.rotation]] if pipeline.rotation in ds.rotations else []
    elif rotation_ids:
        rotations = [lookup(ds, "rotations", rid) for rid in dict.fromkeys(rotation_ids)]
    else:
        rotations = list(ds.rotations.values())
    utc = moment.astimezone(dt.timezone.utc)
    lines = [f"At {utc:%Y-%m-%d %H:%M} UTC:"]
    calls = [on_call(ds, rot, moment) for rot in rotations]
    lines += [_line(ds, call) for call in calls]
    if pipeline is not None:
        if not calls:
            lines.append(f"  {pipeline.id} is paged by no rotation")
        lines += _owners(ds, pipeline, calls[0].local.date() if calls else utc.date())
    return "\n".join(lines) + "\n", 1 if any(c.engineer is None for c in calls) else 0


def _pipeline(ds: Dataset, pipeline_id: str) -> Pipeline:
    pipe: Pipeline = lookup(ds, "pipelines", pipeline_id)
    return pipe


def _who(ds: Dataset, engineer: str) -> str:
    person = ds.engineers.get(engineer)
    return f"{person.name} ({engineer})" if person else engineer


def _line(ds: Dataset, call: OnCall) -> str:
    rot, local = call.rotation, call.local
    when = f"local time {local:%Y-%m-%d %H:%M %Z}"
    if call.engineer is None:
        first = min((s.week for s in rot.shifts), default=None)
        if first is not None and local < dt.datetime.combine(first, rot.handoff.clock, tzinfo=local.tzinfo):
            return (f"  {rot.id}: nobody; the schedule starts on {first} at {rot.handoff.time} "
                    f"{rot.handoff.timezone} ({when})")
        last = ds.schedules[rot.id].last_day
        span = f"the schedule runs to {last}" if last else "nothing is scheduled"
        return f"  {rot.id}: nobody; {span} ({when}); extend it with `opscheck schedule plan --rotation {rot.id}`"
    if call.override is not None:
        why = f": {call.override.reason}" if call.override.reason else ""
        week = f"; the week's engineer is {_who(ds, call.shift.engineer)}" if call.shift else ""
        return f"  {rot.id}: {_who(ds, call.engineer)}; override on {local.date()}{why}{week} ({when})"
    shift = call.shift
    if shift is None:
        return f"  {rot.id}: {_who(ds, call.engineer)} ({when})"
    handoff = dt.datetime.combine(shift.week + dt.timedelta(days=7), rot.handoff.clock)
    return (f"  {rot.id}: {_who(ds, call.engineer)}; shift of {shift.week} until {handoff:%Y-%m-%d %H:%M} "
            f"{rot.handoff.timezone} ({when})")


def _owners(ds: Dataset, pipe: Pipeline, day: dt.date) -> list[str]:
    lines = [f"{pipe.id} ({pipe.name}) owners on {day}:"]
    owners = pipe.owners
    roles = ([("primary", owners.primary)] if owners and owners.primary else [])
    roles += [("secondary", s) for s in (owners.secondary if owners else [])]
    if not roles:
        lines.append("  no owners listed")
    for role, engineer in roles:
        person = ds.engineers.get(engineer)
        off = person.is_off(day) if person else None
        state = (f"off ({off.reason or 'time off'}, {off.start} to {off.end})" if off
                 else "inactive" if person and not person.active else "working")
        lines.append(f"  {role}: {_who(ds, engineer)}: {state}")
    return lines
