"""The loaded, cross-indexed ops data that every rule reads.

``load`` reads each file once, validates it item by item (so one bad entry
hides nothing else) and records every loader problem (OPS001 to OPS004).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from opscheck.calendar import Schedule
from opscheck.errors import ConfigError
from opscheck.models import Engineer, HolidaysConfig, Item, Pipeline, Rotation, RunbookMeta
from opscheck.outline import Heading, Link, Outliner, Unread
from opscheck.source import Document, Loc, Problem, load_yaml, read_text, split_front_matter
from opscheck.suggest import did_you_mean
from opscheck.tree import FileTree, Tree
from opscheck.validation import MAX_EXPLAINED, built, validate

if TYPE_CHECKING:
    from opscheck.integrations.codeowners import Codeowners
    from opscheck.integrations.dbt import DbtProject

DATA_DIR = "ops-data"

ITEM_FILES: dict[str, tuple[str, type[Item]]] = {
    "engineers.yaml": ("engineers", Engineer),
    "pipelines.yaml": ("pipelines", Pipeline),
    "oncall.yaml": ("rotations", Rotation),
}
HOLIDAYS_FILE = "holidays.yaml"
RUNBOOK_GLOB = "runbooks/**/*.md"

ItemT = TypeVar("ItemT", bound=Item)


@dataclass
class Runbook:
    """A runbook file: its front matter (when valid), headings and links."""

    file: str
    doc: Document
    meta: RunbookMeta | None
    headings: list[Heading]
    links: list[Link]
    body: str = ""
    body_line: int = 0  # 0-based line of the file where ``body`` starts

    @property
    def loc(self) -> Loc:
        return Loc(self.file)

    def heading(self, title: str) -> Heading | None:
        return next((h for h in self.headings if h.text.casefold() == title.casefold()), None)

    def section(self, heading: Heading) -> str:
        """The text under ``heading``, up to the next heading of the same or a higher level."""
        end = next((h.line for h in self.headings if h.line > heading.line and h.level <= heading.level), None)
        lines = self.body.splitlines()
        first = heading.line - self.body_line
        return "\n".join(lines[first:(end - self.body_line - 1) if end else None])


class RunbookRef(NamedTuple):
    """Where a pipeline's ``runbook`` points: ``status`` is ok, missing, folder, outside or data."""

    path: str
    status: str
    runbook: Runbook | None


@dataclass
class Dataset:
    root: Path
    as_of: dt.date
    tree: Tree  # where the files are read: the folder ``root``, or a git commit
    documents: dict[str, Document] = field(default_factory=dict)
    engineers: dict[str, Engineer] = field(default_factory=dict)
    pipelines: dict[str, Pipeline] = field(default_factory=dict)
    rotations: dict[str, Rotation] = field(default_factory=dict)
    holidays: HolidaysConfig | None = None
    runbooks: dict[str, Runbook] = field(default_factory=dict)
    runbook_refs: dict[str, RunbookRef] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # ids of entries that exist but failed validation, by file key ("engineers", ...),
    # or None when the whole file could not be read: references to them are not dangling
    unchecked: dict[str, set[str] | None] = field(default_factory=dict)
    waivers: list[Any] = field(default_factory=list)  # the policy's waivers, for the POL rules
    # ids of the rules this run selected: a waiver of a rule left out cannot be judged unused
    selected: set[str] = field(default_factory=set)
    # Optional look-up of a file's last commit date, supplied when git history is at hand.
    last_commit: Any = None
    base: Dataset | None = None  # the data at `--base REF`, for the GIT rules
    policy: Any = None  # the run's Policy (on ``base``: the policy at REF), for POL003
    # read by integrations.attach when the policy or the repository has them
    dbt: DbtProject | None = None
    codeowners: Codeowners | None = None

    @property
    def files(self) -> int:
        return len(self.documents)

    def mark(self, loc: Loc, key: bool = False) -> tuple[int, int]:
        doc = self.documents.get(loc.file)
        return doc.mark(loc.path, key) if doc else (1, 1)

    def raw(self, loc: Loc) -> Any:
        """The plain data at ``loc``, as read from the file."""
        doc = self.documents.get(loc.file)
        value = doc.data if doc else None
        for part in loc.path:
            value = value[part]  # type: ignore[index]
        return value

    @cached_property
    def schedules(self) -> dict[str, Schedule]:
        return {rid: Schedule(rot) for rid, rot in self.rotations.items()}

    @cached_property
    def horizon(self) -> dt.date | None:
        """The last day any rotation has scheduled."""
        ends = [s.last_day for s in self.schedules.values() if s.last_day]
        return max(ends) if ends else None

    def may_exist(self, key: str, ident: str) -> bool:
        """Whether ``ident`` may name an entry of ``key`` that exists but could not be checked."""
        unchecked = self.unchecked.get(key, set())
        return unchecked is None or ident in unchecked

    def engineer_off(self, engineer: str, day: dt.date) -> bool:
        spans = self.time_off.get(engineer)
        return spans is not None and spans.covers(day)

    @cached_property
    def time_off(self) -> dict[str, Spans]:
        """Each engineer's time off as sorted spans, so a day is looked up, not searched for."""
        return {eid: Spans.of((off.start, off.end) for off in eng.time_off) for eid, eng in self.engineers.items()}


class Spans(NamedTuple):
    """Disjoint inclusive date ranges in order: overlapping ranges are joined, touching ones kept apart."""

    starts: list[dt.date]
    ends: list[dt.date]

    @classmethod
    def of(cls, ranges: Iterable[tuple[dt.date, dt.date]]) -> Spans:
        starts: list[dt.date] = []
        ends: list[dt.date] = []
        for start, end in sorted(ranges):
            if ends and start <= ends[-1]:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        return cls(starts, ends)

    def covers(self, day: dt.date) -> bool:
        i = bisect.bisect_right(self.starts, day) - 1
        return i >= 0 and day <= self.ends[i]

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        """Whether any day from ``first`` to ``last`` is in a span."""
        i = bisect.bisect_right(self.starts, last) - 1
        return i >= 0 and self.ends[i] >= first

    def pairs(self) -> list[tuple[dt.date, dt.date]]:
        return list(zip(self.starts, self.ends, strict=True))

    def intersect(self, other: Spans) -> Spans:
        """The days in both, in one pass over each (two sorted lists merged)."""
        out = Spans([], [])
        i = j = 0
        while i < len(self.starts) and j < len(other.starts):
            first, last = max(self.starts[i], other.starts[j]), min(self.ends[i], other.ends[j])
            if first <= last:
                out.starts.append(first)
                out.ends.append(last)
            if self.ends[i] < other.ends[j]:
                i += 1
            else:
                j += 1
        return out


def lookup(ds: Dataset, key: str, ident: str) -> Any:
    """The entry ``ident`` of ``key`` (engineers, pipelines, rotations), for a command naming it."""
    index: dict[str, Any] = getattr(ds, key)
    if ident not in index:
        file = next(name for name, (k, _) in ITEM_FILES.items() if k == key)
        raise ConfigError(f"no {key[:-1]} '{ident}' in {data_file(file)}{did_you_mean(ident, list(index))}; "
                          f"known: {', '.join(index) or 'none'}")
    return index[ident]


def data_file(name: str) -> str:
    return f"{DATA_DIR}/{name}"


RUNBOOKS = "runbooks"
PARTS = (*ITEM_FILES, HOLIDAYS_FILE, RUNBOOKS)  # what ``load`` can read: the data files and the runbooks


def load(root: Path, as_of: dt.date, tree: Tree | None = None, parts: Collection[str] = PARTS) -> Dataset:
    """The data under ``root``, read from ``tree`` when given (a git commit) instead of the folder.

    ``parts`` names what to read (see PARTS): a command that needs two files reads two, and a
    broken file it does not read cannot stop it.
    """
    tree = tree or FileTree(root)
    if not tree.is_dir(DATA_DIR):
        raise ConfigError(
            f"no {DATA_DIR}/ folder under {tree.name}: pass --root to the repository that holds it, "
            "or run `opscheck init` to start one"
        )
    ds = Dataset(root=root, as_of=as_of, tree=tree)
    for name in ITEM_FILES:
        if name in parts:
            load_items(ds, name)
    if HOLIDAYS_FILE in parts:
        _load_holidays(ds)
    if RUNBOOKS in parts:
        _load_runbooks(ds)
    return ds


def _load_holidays(ds: Dataset) -> None:
    doc = _read(ds, data_file(HOLIDAYS_FILE))
    if doc.ok and doc.data is not None:
        ds.holidays, problems = validate(doc, HolidaysConfig, doc.data)
        ds.problems += problems
    elif doc.ok:
        ds.problems.append(doc.problem("OPS002", (), "file is empty: it needs at least 'calendar'"))


# Problems of a file's entries worked out, placed and worded: each takes some 20 us, and 50,000
# entries with 26 unknown keys each took `validate` 24 s and 1.2 GB. Past these, an entry is only
# built or found wanting, and the rest are counted in one problem.
MAX_FILE_PROBLEMS = 25_000


# Days the overrides of a file cover in all: every command works each day out (who covers it),
# and three overrides from 1900 to 9000 took `validate` 10 s. 50 rotations' five years of
# holiday cover and swaps come to a few thousand.
MAX_OVERRIDE_DAYS = 200_000


def load_items(ds: Dataset, name: str) -> None:
    """Read one item file (``engineers.yaml``, ...) into its index of ``ds``."""
    key, model = ITEM_FILES[name]
    doc = _read(ds, data_file(name))
    index: dict[str, Any] = getattr(ds, key)
    days = 0
    for item in _items(ds, doc, key, model):
        for n, ov in enumerate(getattr(item, "overrides", ())):
            days += (ov.last - ov.first).days + 1
            if days > MAX_OVERRIDE_DAYS:  # the file is not read, as past any other limit
                doc.problems.append(doc.problem(
                    "OPS001", (*item.loc.path, "overrides", n), f"the overrides cover more than "
                    f"{MAX_OVERRIDE_DAYS:,} days in all, more than opscheck reads in a file; an override is a day "
                    "or a few weeks (a longer change is the shifts' own)"))
                ds.problems.append(doc.problems[-1])
                index.clear()
                ds.unchecked[key] = None
                return
        _index(ds, doc, index, item)


def _read(ds: Dataset, file: str) -> Document:
    if not ds.tree.exists(file):
        doc = Document(file=file)
        doc.problems.append(
            Problem("OPS001", file, 1, 1, "file is missing; create it (`opscheck init` writes an example)")
        )
    else:
        doc = load_yaml(ds.tree, file)
    ds.documents[file] = doc
    ds.problems += doc.problems
    return doc


def _items(ds: Dataset, doc: Document, key: str, model: type[ItemT]) -> Iterator[ItemT]:
    # A file that defines nothing readable makes references to it unknown, not wrong: it gets
    # one finding, and ``unchecked`` None keeps OPS005 from repeating it for every reference.
    ds.unchecked[key] = set()
    if not doc.ok:
        ds.unchecked[key] = None
        return
    data = doc.data
    if not isinstance(data, dict):
        what = "is empty" if data is None else "is not a mapping"
        ds.problems.append(doc.problem("OPS002", (), f"file {what}: it must hold '{key}:' with a list"))
        ds.unchecked[key] = None
        return
    extras = sorted(set(data) - {key})
    # listed as an entry's problems are, at most MAX_EXPLAINED: a file of 900,000 unknown keys
    # would otherwise place and word each
    listed = extras[:MAX_EXPLAINED]
    misspelt = key not in data and any(did_you_mean(extra, [key]) for extra in listed)
    if key not in data:
        ds.unchecked[key] = None
        if not misspelt:  # a misspelt key is one finding below, not two at the top of the file
            ds.problems.append(doc.problem("OPS002", (), f"file has no top-level key: it must hold '{key}:' "
                                           "with a list"))
    for extra in listed:
        hint = did_you_mean(extra, [key])
        ds.problems.append(doc.problem("OPS002", (extra,), f"unknown key '{extra}'{hint}" +
                                       (f"; the file must hold '{key}:' with a list" if misspelt and hint else ""),
                                       key=True))
    if len(extras) > len(listed):
        ds.problems.append(doc.problem("OPS002", (), f"{len(extras) - len(listed):,} more unknown keys in this file "
                                       f"are not listed (only its first {len(listed):,} are); it holds only '{key}:'"))
    entries = data.get(key)
    if entries is None:
        if key in data:
            ds.problems.append(doc.problem("OPS002", (key,), f"'{key}' has nothing under it: list the {key} "
                                           "there, indented below it", key=True))
            ds.unchecked[key] = None
        return
    if not isinstance(entries, list):
        ds.problems.append(doc.problem("OPS002", (key,), f"'{key}' must be a list of entries"))
        ds.unchecked[key] = None
        return
    explained = 0
    unlisted: list[int] = []  # the entries with problems past MAX_FILE_PROBLEMS
    for i, raw in enumerate(entries):
        if explained < MAX_FILE_PROBLEMS:
            item, problems = validate(doc, model, raw, (key, i))
            ds.problems += problems
            explained += len(problems)
        else:
            item = built(model, raw)
            if item is None:
                unlisted.append(i)
        if item is not None:
            item._loc = Loc(doc.file, (key, i))
            yield item
        elif isinstance(raw, dict) and isinstance(raw.get("id"), str):
            # the entry exists; references to it (or to its id in lower case, the usual fix) are not dangling
            ds.unchecked[key].update(_spellings(raw["id"]))  # type: ignore[union-attr]
    if unlisted:
        ds.problems.append(doc.problem(
            "OPS002", (key, unlisted[0]), f"{len(unlisted):,} more {key} from here on have problems that are not "
            f"listed (a file's entries are explained until they have {MAX_FILE_PROBLEMS:,}); fix those listed "
            "and run again")._replace(always=True))


def _spellings(ident: str) -> set[str]:
    """An invalid id as written and the valid ids it was most likely meant to be (Eng 1: eng-1, eng1)."""
    lower = ident.lower()
    return {ident, lower, re.sub(r"[^a-z0-9]+", "-", lower).strip("-"), re.sub(r"[^a-z0-9-]", "", lower)}


def _index(ds: Dataset, doc: Document, index: dict[str, Any], item: Item) -> None:
    ident: str = item.id  # type: ignore[attr-defined]
    first = index.get(ident)
    if first is None:
        index[ident] = item
        return
    line, _ = doc.mark((*first.loc.path, "id"))
    kind = type(item).__name__.lower()
    ds.problems.append(
        doc.problem("OPS004", (*item.loc.path, "id"), f"{kind} id '{ident}' is already used on line {line}; "
                    "rename or remove one of them")
    )


def _load_runbooks(ds: Dataset) -> None:
    # A runbook symlinked out of ops-data/ is never opened: RUN004 names the pipeline pointing to it.
    wanted = {file.removeprefix(DATA_DIR + "/") for file in ds.tree.glob(data_file(RUNBOOK_GLOB))
              if ds.tree.inside(file, DATA_DIR)}
    for pid, pipe in ds.pipelines.items():
        if pipe.runbook is None:
            continue
        status = _runbook_status(ds.tree, pipe.runbook)
        if status == "ok" and data_file(PurePosixPath(pipe.runbook).as_posix()) in ds.documents:
            status = "data"  # read as a runbook, it would replace the parsed data file
        ds.runbook_refs[pid] = RunbookRef(pipe.runbook, status, None)
        if status == "ok":
            wanted.add(PurePosixPath(pipe.runbook).as_posix())
    outline = Outliner()
    for rel in sorted(wanted):
        ds.runbooks[rel] = _read_runbook(ds, data_file(rel), outline)
    for pid, ref in ds.runbook_refs.items():
        if ref.status == "ok":
            ds.runbook_refs[pid] = ref._replace(runbook=ds.runbooks[PurePosixPath(ref.path).as_posix()])


def _runbook_status(tree: Tree, path: str) -> str:
    pure = PurePosixPath(path)
    if "\0" in path:
        return "missing"  # no file can have this name
    if pure.is_absolute() or ".." in pure.parts or "\\" in path:
        return "outside"
    file = data_file(pure.as_posix())
    if not tree.inside(file, DATA_DIR):
        return "outside"
    return "ok" if tree.is_file(file) else "folder" if tree.is_dir(file) else "missing"


def _read_runbook(ds: Dataset, file: str, outline: Outliner) -> Runbook:
    text, problem = read_text(ds.tree, file)
    if text is None:
        doc = Document(file=file)
        doc.problems.append(problem)  # type: ignore[arg-type]
        body, body_line = "", 0
    else:
        doc, body, body_line = split_front_matter(file, text)
    ds.documents[file] = doc
    ds.problems += doc.problems
    meta = None
    if doc.ok:
        if doc.data is None:
            ds.problems.append(doc.problem("OPS002", (), "front matter is empty: it needs at least 'pipeline'"))
        else:
            meta, problems = validate(doc, RunbookMeta, doc.data)
            ds.problems += problems
    try:
        headings, links = outline(body, body_line)
    except Unread as unread:  # past a limit: one finding, and no headings or links to judge
        headings, links = [], []
        doc.problems.append(Problem("OPS001", file, unread.line, 1, unread.message))
        ds.problems.append(doc.problems[-1])
    return Runbook(file=file, doc=doc, meta=meta, headings=headings, links=links, body=body, body_line=body_line)


