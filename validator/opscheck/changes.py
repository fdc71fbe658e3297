"""The semantic changes between two versions of a data file, compared as models by id: a moved
line or a new comment is no change, and a reassigned shift is one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, NamedTuple

from opscheck.dataset import DATA_DIR, HOLIDAYS_FILE, ITEM_FILES
from opscheck.models import Engineer, ExtraDay, Handoff, Override, Pipeline, Rotation, RunbookMeta, TimeOff
from opscheck.versions import RUNBOOK, Version

TEMPLATES = {
    "file-added": "{subject} added: {new}",
    "file-deleted": "{subject} deleted; later commits are compared with its last version",
    "file-unreadable": "{subject} unreadable at this commit ({new}); skipped",
    "engineer-joined": "engineer {subject} joined",
    "engineer-left": "engineer {subject} left (removed from engineers.yaml)",
    "engineer-inactive": "engineer {subject} went inactive",
    "engineer-active": "engineer {subject} is active again",
    "pipeline-added": "pipeline {subject} added",
    "pipeline-removed": "pipeline {subject} removed",
    "rotation-added": "rotation {subject} added",
    "rotation-removed": "rotation {subject} removed",
    "shift-added": "{subject} shift added: {new}",
    "shift-removed": "{subject} shift removed (was {old})",
    "shift-reassigned": "{subject} shift {old} -> {new}",
    "override-added": "{subject} override added: {new}",
    "override-removed": "{subject} override removed (was {old})",
    "override-changed": "{subject} override {old} -> {new}",
    "runbook-added": "runbook {subject} added",
    "runbook-removed": "runbook {subject} removed",
    "runbook-renamed": "runbook {old} renamed to {new}",
    "runbook-edited": "runbook {subject} edited (text only)",
    "failure-mode-added": "{subject} failure mode added: {new}",
    "failure-mode-removed": "{subject} failure mode removed: {old}",
    "failure-mode-changed": "{subject} failure mode {field} changed",
    "none": "no semantic change (comments or layout only)",
    "list-stopped": "{new}",
}
FIELD_CHANGE = "{subject} {field} {old} -> {new}"  # kinds owner, pipeline, engineer, rotation, holidays, runbook


class Change(NamedTuple):
    kind: str
    subject: str
    field: str | None = None
    old: Any = None
    new: Any = None

    def text(self) -> str:
        values = {"subject": self.subject, "field": self.field, "old": _show(self.old), "new": _show(self.new)}
        return TEMPLATES.get(self.kind, FIELD_CHANGE).format(**values)

    def as_dict(self) -> dict[str, Any]:
        return self._asdict()


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)





def diff_file(file: str, old: Version | None, new: Version) -> list[Change]:
    name = file.removeprefix(DATA_DIR + "/")
    if RUNBOOK.match(file):
        rel = name
        if old is None:
            return [Change("runbook-added", rel)]
        return _runbook(rel, old.model, new.model) or [Change("runbook-edited", rel)]
    if old is None:
        return [Change("file-added", file, new=_summary(name, new.model))]
    if name == HOLIDAYS_FILE:
        return list(_fields("holidays", "holidays", old.model, new.model, ("calendar", "subdivision", "dates",
                                                                           "observe", "extra")))
    compare = {"engineers.yaml": _engineer, "pipelines.yaml": _pipeline, "oncall.yaml": _rotation}[name]
    return list(_by_id(name, old.model, new, compare))


def _summary(name: str, model: Any) -> str:
    if name == "oncall.yaml":
        shifts = sum(len(r.shifts) for r in model.values())
        overrides = sum(len(r.overrides) for r in model.values())
        return f"{_count(len(model), 'rotation')}, {_count(shifts, 'shift')}, {_count(overrides, 'override')}"
    if name == HOLIDAYS_FILE:
        return f"calendar {model.calendar}, {_count(len(model.observe), 'holiday')} observed"
    return _count(len(model), ITEM_FILES[name][0].removesuffix("s"))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _by_id(name: str, old: dict[str, Any], new: Version, compare: Any) -> Iterator[Change]:
    thing = ITEM_FILES[name][0].removesuffix("s")
    added = {"engineer": "engineer-joined"}.get(thing, f"{thing}-added")
    removed = {"engineer": "engineer-left"}.get(thing, f"{thing}-removed")
    for ident in sorted(old.keys() | new.model.keys()):
        before, after = old.get(ident), new.model.get(ident)
        if before is None:
            yield Change(added, ident)
        elif after is None:
            if ident not in new.unchecked:  # invalid here, not removed: wait for a good version
                yield Change(removed, ident)
        elif before is not after and before != after:  # an unchanged entry is the same object
            yield from compare(ident, before, after)


def _fields(kind: str, subject: str, old: Any, new: Any, names: tuple[str, ...]) -> Iterator[Change]:
    for name in names:
        before, after = _plain(getattr(old, name)), _plain(getattr(new, name))
        if before != after:
            yield Change(kind, subject, name, before, after)


def _plain(value: Any) -> Any:
    """A JSON-ready form of a model value: dates as text, sub-models as short text."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, TimeOff):
        return f"{value.start}..{value.end}" + (f" ({value.reason})" if value.reason else "")
    if isinstance(value, Handoff):
        return f"{value.weekday} {value.time} {value.timezone}"
    if isinstance(value, ExtraDay):
        return f"{value.name} on {value.date}"
    return value


def _engineer(ident: str, old: Engineer, new: Engineer) -> Iterator[Change]:
    if old.active != new.active:
        yield Change("engineer-active" if new.active else "engineer-inactive", ident)
    yield from _fields("engineer", ident, old, new, ("name", "email", "github", "time_off"))


def _pipeline(ident: str, old: Pipeline, new: Pipeline) -> Iterator[Change]:
    for role in ("primary", "secondary"):
        before = getattr(old.owners, role) if old.owners else None
        after = getattr(new.owners, role) if new.owners else None
        if before != after:
            yield Change("owner", ident, role, before, after)
    yield from _fields("pipeline", ident, old, new, ("name", "area", "audience", "rotation", "runbook"))


def _rotation(ident: str, old: Rotation, new: Rotation) -> Iterator[Change]:
    yield from _fields("rotation", ident, old, new, ("members", "handoff"))
    before = {s.week: s.engineer for s in old.shifts}
    after = {s.week: s.engineer for s in new.shifts}
    for week in sorted(before.keys() | after.keys()):
        subject = f"{ident}@{week}"
        if week not in before:
            yield Change("shift-added", subject, new=after[week])
        elif week not in after:
            yield Change("shift-removed", subject, old=before[week])
        elif before[week] != after[week]:
            yield Change("shift-reassigned", subject, "engineer", before[week], after[week])
    yield from _overrides(ident, old.overrides, new.overrides)


def _override_text(ov: Override) -> str:
    days = "" if ov.first == ov.last else f" until {ov.last}"
    return f"{ov.engineer}{days}" + (f" ({ov.reason})" if ov.reason else "")


def _overrides(ident: str, old: list[Override], new: list[Override]) -> Iterator[Change]:
    def by_day(overrides: list[Override]) -> dict[tuple[dt.date, int], Override]:
        seen: dict[dt.date, int] = {}
        out = {}
        for ov in sorted(overrides, key=lambda o: (o.first, o.last, o.engineer)):
            n = seen[ov.first] = seen.get(ov.first, -1) + 1
            out[(ov.first, n)] = ov
        return out

    before, after = by_day(old), by_day(new)
    for key in sorted(before.keys() | after.keys()):
        subject = f"{ident}@{key[0]}"
        if key not in before:
            yield Change("override-added", subject, new=_override_text(after[key]))
        elif key not in after:
            yield Change("override-removed", subject, old=_override_text(before[key]))
        elif before[key] != after[key]:
            yield Change("override-changed", subject, None, _override_text(before[key]), _override_text(after[key]))


def _runbook(rel: str, old: RunbookMeta, new: RunbookMeta) -> list[Change]:
    changes = list(_fields("runbook", rel, old, new, ("pipeline", "last_reviewed")))
    before = {m.id: m for m in old.failure_modes}
    after = {m.id: m for m in new.failure_modes}
    for mode in sorted(before.keys() | after.keys()):
        if mode not in before:
            changes.append(Change("failure-mode-added", rel, new=mode))
        elif mode not in after:
            changes.append(Change("failure-mode-removed", rel, old=mode))
        elif before[mode] != after[mode]:
            changes.append(Change("failure-mode-changed", rel, mode))
    return changes
