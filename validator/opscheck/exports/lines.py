"""iCalendar content lines written the way the icalendar library writes them, without its objects.

The library builds several objects for each property and folds each line character by
character: a calendar of 30,000 weeks took it about 8 s, most of the time the SPEC allows any
input. An event here has a few kinds of lines, so each is made from the library's own parts:
TEXT values are escaped by its ``vText`` (once per distinct value), lines that reach 75 octets
are folded by its ``Contentline``, and a DATE-TIME takes the form the library gives a time in
the same time zone (a TZID parameter, or UTC's "Z"). tests/test_ics.py holds calendars to the
library's own writing: read and written again by it, they come out byte for byte the same.
"""

from __future__ import annotations

import datetime as dt
import re

FOLD_AT = 75  # octets: the library folds a line when it reaches this length, never a shorter one
PROBE = dt.datetime(2000, 1, 3, 9, 0)  # a time whose written value cannot be mistaken in its line
PROBE_VALUE = "20000103T090000"
_ESCAPED = re.compile(r"[\\;,\r\n]")  # what TEXT escaping changes (the library's \N holds a backslash)


class Lines:
    """Content lines for one calendar, remembering what each distinct value became."""

    def __init__(self) -> None:
        self._texts: dict[tuple[str, str], str] = {}
        self._forms: dict[tuple[str, dt.tzinfo | None], tuple[str, str]] = {}

    def text(self, name: str, value: str, once: bool = False) -> str:
        """``NAME:value`` with the value escaped as TEXT; ``once`` for a value no other line repeats."""
        line = self._texts.get((name, value))
        if line is None:
            from icalendar import vText

            escaped = vText(value).to_ical().decode("utf-8") if _ESCAPED.search(value) else value
            line = fold(f"{name}:{escaped}")
            if not once:
                self._texts[(name, value)] = line
        return line

    def integer(self, name: str, value: int) -> str:
        return f"{name}:{value}"

    def datetime(self, name: str, when: dt.datetime) -> str:
        """A DATE-TIME in its own time zone: ``NAME;TZID=zone:YYYYMMDDTHHMMSS`` (or UTC's ``...Z``)."""
        form = self._forms.get((name, when.tzinfo))
        if form is None:
            form = self._forms[(name, when.tzinfo)] = _form(name, when.tzinfo)
        prefix, suffix = form
        return fold(f"{prefix}{when.year:04d}{when.month:02d}{when.day:02d}"
                    f"T{when.hour:02d}{when.minute:02d}{when.second:02d}{suffix}")


def _form(name: str, tz: dt.tzinfo | None) -> tuple[str, str]:
    """What the library writes before and after the value of a time in ``tz``."""
    from icalendar import Event

    event = Event()
    event.add(name, PROBE.replace(tzinfo=tz))
    written = event.to_ical().decode("utf-8").replace("\r\n ", "")  # unfolded: a long TZID folds
    line = written.split("\r\n")[1]  # between BEGIN:VEVENT and END:VEVENT
    prefix, found, suffix = line.partition(PROBE_VALUE)
    if not found:  # pragma: no cover - a library that writes times otherwise
        raise RuntimeError(f"unexpected DATE-TIME line from the icalendar library: {line!r}")
    return prefix, suffix


def fold(line: str) -> str:
    """The line folded as the library folds it: only a line of 75 octets or more changes."""
    if len(line) < FOLD_AT // 4 or len(line.encode("utf-8")) < FOLD_AT:
        return line
    from icalendar.parser import Contentline

    folded: bytes = Contentline(line).to_ical()  # type: ignore[no-untyped-call]
    return folded.decode("utf-8")
