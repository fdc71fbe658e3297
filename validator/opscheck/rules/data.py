"""OPS rules: files that cannot be read, values that break the schema, broken references."""

from __future__ import annotations

import re
from collections.abc import Iterator

from opscheck.calendar import CalendarError, known_names
from opscheck.dataset import DATA_DIR, HOLIDAYS_FILE, Dataset, data_file
from opscheck.models import Item
from opscheck.rules.base import Hit, Options, rule
from opscheck.source import DocPath, Loc, Problem
from opscheck.suggest import Suggestions, did_you_mean


def _loader(ds: Dataset, rule_id: str) -> Iterator[Hit]:
    for p in ds.problems:
        if p.rule == rule_id:
            yield Hit(Loc(p.file), p.message, _subject(ds, p), line=p.line, column=p.column, ident=p.ident,
                      always=p.always)


# the entry a loader problem is in, from its YAML path (see ``path_key``)
_ENTRY = re.compile(r"^(?:engineers|pipelines|rotations)\[id=([^\]]*)\]"
                    r"(?:\.(?:shifts|overrides)\[(?:week|date|start)=([^\]]*)\])?")
_OBSERVED = re.compile(r"^observe\[=(.*)\]")


def _subject(ds: Dataset, p: Problem) -> str:
    """What a loader problem is about: the entry's id (rotation@day inside a schedule), the holiday
    or calendar, the runbook's pipeline; the file itself when nothing narrower is known."""
    entry = _ENTRY.match(p.ident)
    if entry:
        return f"{entry[1]}@{entry[2]}" if entry[2] else entry[1]
    if p.file == data_file(HOLIDAYS_FILE):
        observed = _OBSERVED.match(p.ident)
        return observed[1] if observed else ds.holidays.calendar if ds.holidays else p.file
    runbook = ds.runbooks.get(p.file.removeprefix(DATA_DIR + "/"))
    if runbook is not None and runbook.meta is not None:
        return runbook.meta.pipeline
    if runbook is not None:
        return next((pid for pid, ref in ds.runbook_refs.items() if ref.runbook is runbook), p.file)
    return p.file


@rule("OPS001", "unreadable-file")
def unreadable(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """A file cannot be read or parsed.

    Covers YAML syntax errors, files that are not UTF-8, runbooks without a closed
    front matter block, custom tags, files over 10 MiB or 100,000 list entries, aliases
    that expand a document beyond 10,000 nodes or 1,000,000 characters, and runbook bodies over 256 KiB that only
    the Markdown parser reads (more than headings, text, lists and plain links). Nothing
    else in the file can be checked until it reads.

    Failing:
        engineers:
          - id: eng1
            name: [Eng1

    Passing:
        engineers:
          - id: eng1
            name: Eng1
    """
    return _loader(ds, "OPS001")


@rule("OPS002", "schema")
def schema(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """A value breaks the schema: unknown key, wrong type, missing key, bad date or id.

    Unknown keys are usually typos, so the message suggests the closest known key.
    Times must be quoted: YAML 1.1 reads an unquoted 10:30 as the base-60 number 630.

    Failing:
        rotations:
          - id: data-pipelines
            members: [eng1, eng2]
            handoff: {weekday: monday, time: 09:00, timezone: America/New_York}

    Passing:
        rotations:
          - id: data-pipelines
            members: [eng1, eng2]
            handoff: {weekday: monday, time: "09:00", timezone: America/New_York}
    """
    return _loader(ds, "OPS002")


@rule("OPS003", "duplicate-key")
def duplicate_key(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """A mapping repeats a key.

    YAML silently keeps only the last value, so a reviewer reading the first one is misled.

    Failing:
        engineers:
          - id: eng1
            name: Eng1
            name: Engineer One

    Passing:
        engineers:
          - id: eng1
            name: Engineer One
    """
    return _loader(ds, "OPS003")


@rule("OPS004", "duplicate-id")
def duplicate_id(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """An id is used twice (engineer, pipeline, rotation, member of a rotation, or failure mode within a runbook).

    References by id would be ambiguous; only the first entry with an id is used.

    Failing:
        engineers:
          - {id: eng1, name: Eng1}
          - {id: eng1, name: Eng One}

    Passing:
        engineers:
          - {id: eng1, name: Eng1}
          - {id: eng2, name: Eng2}
    """
    yield from _loader(ds, "OPS004")
    for rot in ds.rotations.values():
        seen_members: set[str] = set()
        for i, member in enumerate(rot.members):
            if member in seen_members:
                yield Hit(rot.loc.at("members", i), f"member '{member}' is listed twice in rotation "
                          f"'{rot.id}'; remove one", rot.id)
            seen_members.add(member)
    for rb in ds.runbooks.values():
        if rb.meta is None:
            continue
        seen: dict[str, int] = {}
        for i, mode in enumerate(rb.meta.failure_modes):
            if mode.id in seen:
                yield Hit(
                    rb.loc.at("failure_modes", i, "id"),
                    f"failure mode id '{mode.id}' repeats entry {seen[mode.id] + 1}; give each mode its own id",
                    rb.meta.pipeline,
                )
            else:
                seen[mode.id] = i


@rule("OPS005", "unknown-reference")
def unknown_reference(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """A reference names nothing: an owner, member, shift engineer, rotation, runbook pipeline or holiday.

    Every id must be defined in its file (engineers.yaml, pipelines.yaml, oncall.yaml);
    holiday names must be spelled as the calendar spells them.

    Failing:
        pipelines:
          - id: profit-aggregate
            name: Aggregate profit
            area: Profit
            audience: [investors]
            owners: {primary: eng9, secondary: [eng2]}

    Passing:
        pipelines:
          - id: profit-aggregate
            name: Aggregate profit
            area: Profit
            audience: [investors]
            owners: {primary: eng1, secondary: [eng2]}
    """
    # one list of hints per kind of id: a renamed id is usually referenced many times
    engineer_hint, rotation_hint = Suggestions(ds.engineers), Suggestions(ds.rotations)
    pipeline_hint = Suggestions(ds.pipelines)

    unknown_engineers: list[Hit] = []

    def who(item: Item, path: DocPath, eng: str, role: str, subject: str) -> None:
        if not ds.may_exist("engineers", eng):
            unknown_engineers.append(Hit(
                item.loc.at(*path),
                f"{role} '{eng}' is not an engineer in {data_file('engineers.yaml')}"
                f"{engineer_hint(eng)}; add them or fix the id",
                subject,
            ))

    known = ds.engineers
    for pipe in ds.pipelines.values():
        if pipe.owners:
            if pipe.owners.primary and pipe.owners.primary not in known:
                who(pipe, ("owners", "primary"), pipe.owners.primary, "primary owner", pipe.id)
            for i, eng in enumerate(pipe.owners.secondary):
                if eng not in known:
                    who(pipe, ("owners", "secondary", i), eng, "secondary owner", pipe.id)
        if pipe.rotation and pipe.rotation not in ds.rotations and not ds.may_exist("rotations", pipe.rotation):
            yield Hit(
                pipe.loc.at("rotation"),
                f"rotation '{pipe.rotation}' is not defined in {data_file('oncall.yaml')}"
                f"{rotation_hint(pipe.rotation)}",
                pipe.id,
            )
    for rot in ds.rotations.values():
        for i, eng in enumerate(rot.members):
            if eng not in known:
                who(rot, ("members", i), eng, "member", rot.id)
        for i, shift in enumerate(rot.shifts):
            if shift.engineer not in known:
                who(rot, ("shifts", i, "engineer"), shift.engineer, "shift engineer",
                               f"{rot.id}@{shift.week}")
        for i, ov in enumerate(rot.overrides):
            if ov.engineer not in known:
                who(rot, ("overrides", i, "engineer"), ov.engineer, "override engineer",
                               f"{rot.id}@{ov.first}")
    for rb in ds.runbooks.values():
        if rb.meta and rb.meta.pipeline not in ds.pipelines and not ds.may_exist("pipelines", rb.meta.pipeline):
            yield Hit(
                rb.loc.at("pipeline"),
                f"runbook is for pipeline '{rb.meta.pipeline}', which is not in "
                f"{data_file('pipelines.yaml')}{pipeline_hint(rb.meta.pipeline)}",
                rb.meta.pipeline,
            )
    yield from _nobody_defined(ds, unknown_engineers)
    yield from _holiday_names(ds)


def _nobody_defined(ds: Dataset, unknown: list[Hit]) -> Iterator[Hit]:
    """Unknown engineers, or one finding on engineers.yaml when it lists nobody at all: then every
    reference is unknown for one reason, and one finding says so instead of one per reference."""
    if ds.engineers or ds.unchecked.get("engineers") is None or not unknown:
        yield from unknown
        return
    file = data_file("engineers.yaml")
    first = unknown[0]
    line, _ = ds.mark(first.loc)
    yield Hit(Loc(file, ("engineers",)), f"{file} lists no engineers, yet {len(unknown)} reference"
              f"{'s name' if len(unknown) > 1 else ' names'} one (the first: {first.loc.file}:{line}); add the "
              "team's engineers", file)


def _holiday_names(ds: Dataset) -> Iterator[Hit]:
    cfg = ds.holidays
    if cfg is None:
        return
    loc = Loc(data_file("holidays.yaml"))
    year = ds.as_of.year
    try:
        names = known_names(cfg, range(year - 1, year + 2))
    except CalendarError:
        where = "subdivision" if cfg.subdivision else "calendar"
        yield Hit(
            loc.at(where),
            f"the holidays library has no calendar '{cfg.calendar}'"
            + (f" with subdivision '{cfg.subdivision}'; use one of the country's subdivision codes (such as "
               "CA or NY for US), or none" if cfg.subdivision else "; use a country code such as US, GB or DE"),
            cfg.calendar,
        )
        return
    for i, name in enumerate(cfg.observe):
        if name not in names:
            yield Hit(
                loc.at("observe", i),
                f"calendar {cfg.calendar} has no holiday named '{name}'{did_you_mean(name, sorted(names))}",
                name,
            )
