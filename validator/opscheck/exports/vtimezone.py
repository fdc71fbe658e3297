"""A VTIMEZONE every calendar client reads alike: yearly RRULE observances, as calendar services write them.

A transition list on one RDATE line is valid RFC 5545, but vobject reads only its first
value and ical.js ignores DTSTART next to RDATE, which puts summer events an hour off.
So each run of transitions that follows one yearly rule ("second Sunday of March at
02:00") becomes one STANDARD or DAYLIGHT block with that RRULE, ended by UNTIL when the
zone changed its rules within the years asked for; a transition that follows no rule is
a block of its own with just its DTSTART.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc
DAY = dt.timedelta(days=1)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class Transition(NamedTuple):
    instant: dt.datetime  # in UTC
    before: dt.timedelta
    after: dt.timedelta
    name: str
    dst: bool

    @property
    def local(self) -> dt.datetime:
        """Wall time just before the change, as DTSTART gives it (in the TZOFFSETFROM offset)."""
        return (self.instant + self.before).replace(tzinfo=None)

    def rule(self) -> tuple[Any, ...]:
        """What a yearly RRULE must keep the same: offsets, name, month, weekday in month, time."""
        day = self.local.date()
        last = day.day + 7 > calendar.monthrange(day.year, day.month)[1]
        nth = -1 if last else (day.day - 1) // 7 + 1
        return (self.before, self.after, self.name, self.dst, day.month, f"{nth}{WEEKDAYS[day.weekday()]}",
                self.local.time())


def transitions(tz: ZoneInfo, first_year: int, last_year: int) -> list[Transition]:
    """Every change of UTC offset in ``tz`` from ``first_year`` through ``last_year``."""
    out: list[Transition] = []
    day = dt.datetime(first_year, 1, 1, tzinfo=UTC)
    # through the year's last day (9999's: there is no year after it)
    end = dt.datetime(last_year + 1, 1, 1, tzinfo=UTC) if last_year < dt.MAXYEAR else dt.datetime.max.replace(
        hour=0, minute=0, second=0, microsecond=0, tzinfo=UTC)
    offset = day.astimezone(tz).utcoffset()
    while day < end:
        following = (day + DAY).astimezone(tz).utcoffset()
        if following != offset and offset is not None and following is not None:
            instant = _change(tz, day, day + DAY)
            local = instant.astimezone(tz)
            out.append(Transition(instant, offset, following, local.tzname() or "", bool(local.dst())))
        offset, day = following, day + DAY
    return out


def _change(tz: ZoneInfo, low: dt.datetime, high: dt.datetime) -> dt.datetime:
    """The first second in (low, high] with ``high``'s offset (bisection to the second)."""
    want = high.astimezone(tz).utcoffset()
    while high - low > dt.timedelta(seconds=1):
        middle = low + dt.timedelta(seconds=(high - low) // dt.timedelta(seconds=2))
        if middle.astimezone(tz).utcoffset() == want:
            high = middle
        else:
            low = middle
    return high


def _runs(found: list[Transition]) -> Iterator[list[Transition]]:
    """Transitions grouped into runs of one yearly rule in consecutive years (standard and daylight apart)."""
    for dst in (False, True):
        run: list[Transition] = []
        for t in (t for t in found if t.dst == dst):
            if run and (t.rule() != run[-1].rule() or t.local.year != run[-1].local.year + 1):
                yield run
                run = []
            run.append(t)
        if run:
            yield run


def _fixed(tz: ZoneInfo, year: int) -> Transition:
    """A zone without clock changes in the years asked for: one observance from 1970 on."""
    then = dt.datetime(year, 1, 1, tzinfo=UTC).astimezone(tz)
    offset = then.utcoffset() or dt.timedelta(0)
    return Transition(dt.datetime(1970, 1, 1, tzinfo=UTC) - offset, offset, offset, then.tzname() or "", False)


def component(tz: ZoneInfo, tzid: str, years: Sequence[int]) -> Any:
    """The VTIMEZONE of ``tz`` for events in ``years`` (sorted; only those years are read)."""
    from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

    vtz = Timezone()
    vtz.add("tzid", tzid)
    found = [t for year in years for t in transitions(tz, year, year)]
    last_year = years[-1]
    runs = sorted(_runs(found), key=lambda r: r[0].instant) if found else [[_fixed(tz, years[0])]]
    for run in runs:
        first = run[0]
        block = TimezoneDaylight() if first.dst else TimezoneStandard()
        block.add("dtstart", first.local)
        block.add("tzoffsetfrom", first.before)
        block.add("tzoffsetto", first.after)
        if first.name:
            block.add("tzname", first.name)
        if len(run) > 1:
            _, _, _, _, month, byday, _ = first.rule()
            rrule: dict[str, Any] = {"freq": "yearly", "bymonth": month, "byday": byday}
            if run[-1].local.year < last_year:  # the zone changed its rules after this run
                rrule["until"] = run[-1].instant
            block.add("rrule", rrule)
        vtz.add_component(block)
    return vtz
