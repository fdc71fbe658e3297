"""Pydantic models of the ops data (SPEC §2): strict, frozen, no unknown keys."""

from __future__ import annotations

import datetime as dt
import os
import re
import zoneinfo
from fractions import Fraction
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    StringConstraints,
    model_validator,
)

from opscheck.source import Loc

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
# Ids and engineers' names are copied into every finding, calendar event and handbook row about
# what they name, so their length multiplies: a 100 KB rotation id made 25,000 findings take
# 1.3 GB, and a 1 MB engineer's name 1,000 shifts' handbook 2.1 GB. Both are far past any real one.
MAX_ID_CHARS = 100
MAX_NAME_CHARS = 200
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+$"
CUSTOM_RULE_ID_PATTERN = r"^X-[A-Z0-9][A-Z0-9-]*$"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _code_pattern(value: str) -> str:
    # Only what GitHub's CODEOWNERS accepts: it ignores a line with negation or a character range.
    if not value.strip() or value != value.strip():
        raise ValueError("a code path is a non-empty gitignore-style pattern without surrounding spaces")
    if value.startswith(("!", "#")) or "[" in value or "]" in value:
        raise ValueError(f"{value!r}: CODEOWNERS has no '!' negation, '#' start or '[ ]' ranges; "
                         "list the paths it should match instead")
    if "\\" in value or ".." in value.split("/") or "\n" in value or "\r" in value:
        raise ValueError(f"{value!r}: write a path relative to the repository root with '/', without '..'")
    return value


_GITHUB = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$"


def _github_handle(value: str) -> str:
    # GitHub's own rule for user names, so that CODEOWNERS names a real account
    if not re.match(_GITHUB, value):
        hint = "; write it without '@'" if value.startswith("@") else ""
        raise ValueError(f"{value!r} is not a GitHub user name (letters, digits and inner hyphens, "
                         f"at most 39 characters){hint}")
    return value


def strict_date(value: Any) -> Any:
    # YAML hands dates over as text; numbers would otherwise pass as Unix timestamps.
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date as YYYY-MM-DD, not a date and time")
    if isinstance(value, dt.date):
        return supported(value)
    if isinstance(value, str) and _DATE.match(value):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(no_such_day(value)) from None
        return supported(day)
    raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}")


# The dates opscheck works with: every computation reaches at most a few years past a date
# (horizons, freeze windows, plans, calendars), which stays far inside Python's years 1 to 9999.
FIRST_YEAR, LAST_YEAR = 1900, 9000


def supported(day: dt.date) -> dt.date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"{day.isoformat()} is outside the years {FIRST_YEAR} to {LAST_YEAR} that opscheck supports")
    return day


def no_such_day(text: str) -> str:
    """Why ``text``, shaped YYYY-MM-DD, names no day of the calendar."""
    import calendar

    year, month, _ = (int(part) for part in text.split("-"))
    if year < 1:
        return f"{text} is not a day: there is no year 0"
    if not 1 <= month <= 12:
        return f"{text} is not a day: there is no month {month:02d}"
    last = calendar.monthrange(year, month)[1]
    return f"{text} is not a day: {calendar.month_name[month]} {year} has {last} days"


_ZONE_NAME = re.compile(r"[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+){0,3}")


def _listed_zone(name: str) -> bool:
    """Whether ``name`` is in ``zoneinfo.available_timezones()``, asked of this one name: the
    whole list walks and opens every file of the database. ZoneInfo reads the name as a file
    path, so only a plain relative name of a regular file that starts as zone files do passes."""
    if len(name) > 100 or not _ZONE_NAME.fullmatch(name) or name == "posixrules":
        return False
    if name.split("/", 1)[0] not in ("right", "posix"):
        for root in zoneinfo.TZPATH:
            try:
                with open(os.path.join(root, name), "rb") as f:
                    if f.read(4) == b"TZif":
                        return True
            except OSError:
                continue
    return name in _packaged_zones()


@cache
def _packaged_zones() -> frozenset[str]:
    """The zones of the ``tzdata`` package, where ZoneInfo looks when the system has none."""
    from importlib import resources

    try:
        with resources.files("tzdata").joinpath("zones").open("r") as f:
            return frozenset(line.strip() for line in f if line.strip())
    except (ImportError, FileNotFoundError):
        return frozenset()


@cache
def _zone(name: str) -> str:
    # Checked as the database's list would first: ZoneInfo reads the name as a file path, so
    # 'America' (a folder) or a 300-letter name would reach the file system.
    if not _listed_zone(name):
        shown = name if len(name) <= 60 else name[:60] + "..."
        raise ValueError(f"unknown time zone {shown!r}: use an IANA name such as America/New_York")
    return name


Id = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=MAX_ID_CHARS)]
Name = Annotated[str, StringConstraints(max_length=MAX_NAME_CHARS)]
Day = Annotated[dt.date, BeforeValidator(strict_date)]
Time = Annotated[str, StringConstraints(pattern=TIME_PATTERN)]
TimeZone = Annotated[str, AfterValidator(_zone)]
Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
Audience = Literal["investors", "experiments", "internal"]
Category = Literal["upstream", "downstream", "internal"]
# `resource_type.name` (source.<source>.<table> for a source) or a full dbt unique id
DbtRef = Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[^\s.][^\s]*$", max_length=500)]
GithubHandle = Annotated[str, AfterValidator(_github_handle), Field(json_schema_extra={"pattern": _GITHUB})]
CodePattern = Annotated[str, StringConstraints(max_length=1000), AfterValidator(_code_pattern)]


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=False, defer_build=True)


class Item(Model):
    """A top-level entry of a data file; the loader records where it was read."""

    _loc: Loc = PrivateAttr()  # set by the loader; no default keeps validation cheap

    @property
    def loc(self) -> Loc:
        # read where pydantic keeps it: ``self._loc`` goes through its __getattr__, some 30 times
        # slower, and rules ask for it once per shift or override (200,000 in a 10 MiB file)
        loc: Loc = self.__pydantic_private__["_loc"]  # type: ignore[index]
        return loc


class DateRange(Model):
    start: Day
    end: Day

    @model_validator(mode="after")
    def _ordered(self) -> DateRange:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def days(self) -> int:
        return (self.end - self.start).days + 1


class TimeOff(DateRange):
    reason: str | None = None


class Engineer(Item):
    id: Id
    name: Name
    email: Annotated[str, StringConstraints(pattern=EMAIL_PATTERN)] | None = None
    github: GithubHandle | None = None
    active: StrictBool = True  # a quoted "false" is text, not false
    joined: Day | None = None
    left: Day | None = None
    time_off: list[TimeOff] = Field(default_factory=list)

    @model_validator(mode="after")
    def _joined_before_left(self) -> Engineer:
        if self.joined is not None and self.left is not None and self.left < self.joined:
            raise ValueError(f"left {self.left} is before joined {self.joined}")
        return self

    def is_off(self, day: dt.date) -> TimeOff | None:
        for off in self.time_off:
            if off.start <= day <= off.end:
                return off
        return None

    def is_member_on(self, day: dt.date) -> bool:
        """Whether ``day`` lies within the engineer's time on the team (``joined`` to ``left``)."""
        return (self.joined is None or self.joined <= day) and (self.left is None or day <= self.left)

    def year_share(self, year: int) -> Fraction:
        """The part of ``year`` the engineer was on the team: 1 for all of it, 0 for none."""
        first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
        start = max(first, self.joined) if self.joined else first
        end = min(last, self.left) if self.left else last
        return Fraction(max(0, (end - start).days + 1), (last - first).days + 1)


class Owners(Model):
    primary: Id | None = None
    secondary: list[Id] = Field(default_factory=list)

    def all(self) -> list[str]:
        return ([self.primary] if self.primary else []) + list(self.secondary)


class Pipeline(Item):
    id: Id
    name: Name
    area: str
    audience: Annotated[list[Audience], Field(min_length=1)]
    rotation: Id | None = None
    owners: Owners | None = None
    runbook: str | None = None
    dbt: list[DbtRef] = Field(default_factory=list)
    code: list[CodePattern] = Field(default_factory=list)

    @property
    def investor_facing(self) -> bool:
        return "investors" in self.audience


class Handoff(Model):
    weekday: Weekday
    time: Time
    timezone: TimeZone

    @property
    def weekday_index(self) -> int:
        return WEEKDAYS.index(self.weekday)

    @property
    def clock(self) -> dt.time:
        return dt.time.fromisoformat(self.time)


class Shift(Model):
    week: Day
    engineer: Id

    @property
    def end(self) -> dt.date:
        """The last day the shift covers (a shift lasts 7 days from its handoff)."""
        return self.week + dt.timedelta(days=6)


class Override(Model):
    date: Day | None = None
    start: Day | None = None
    end: Day | None = None
    engineer: Id
    reason: str | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Override:
        if self.date is not None and (self.start is not None or self.end is not None):
            raise ValueError("give either 'date' or 'start' and 'end', not both")
        if self.date is None and (self.start is None or self.end is None):
            raise ValueError("an override needs 'date', or both 'start' and 'end'")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    @property
    def first(self) -> dt.date:
        return self.date or self.start  # type: ignore[return-value]

    @property
    def last(self) -> dt.date:
        return self.date or self.end  # type: ignore[return-value]


class Rotation(Item):
    id: Id
    members: list[Id]
    handoff: Handoff
    shifts: list[Shift] = Field(default_factory=list)
    overrides: list[Override] = Field(default_factory=list)


class ExtraDay(Model):
    name: str
    date: Day


class HolidaysConfig(Model):
    calendar: str
    subdivision: str | None = None
    dates: Literal["actual", "observed"] = "actual"
    observe: list[str] = Field(default_factory=list)
    extra: list[ExtraDay] = Field(default_factory=list)


class FailureMode(Model):
    id: Id
    category: Category
    title: str
    detection: str | None = None
    impact: str | None = None


class RunbookMeta(Model):
    pipeline: Id
    last_reviewed: Day | None = None
    failure_modes: list[FailureMode] = Field(default_factory=list)


# Whole-file models: the loader validates items one by one so one bad entry
# hides nothing else, but these describe each file for `opscheck schema`.
class EngineersFile(Model):
    engineers: list[Engineer]


class PipelinesFile(Model):
    pipelines: list[Pipeline]


class OncallFile(Model):
    rotations: list[Rotation]


def fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model found by following ``loc`` through ``model``'s fields."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part) if isinstance(current, type) and issubclass(current, BaseModel) else None
        if info is None:
            return []
        current = _model_in(info.annotation)
        if current is None:
            return []
    if not (isinstance(current, type) and issubclass(current, BaseModel)):
        return []
    return [info.alias or name for name, info in current.model_fields.items()]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
