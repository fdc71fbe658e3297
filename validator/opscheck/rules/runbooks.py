"""RUN rules: every investor-facing pipeline has a complete, current runbook."""

from __future__ import annotations

import datetime as dt
import posixpath
from collections.abc import Iterator
from typing import Annotated, Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, StringConstraints

from opscheck.budget import Budget
from opscheck.dataset import Dataset, Runbook
from opscheck.models import Category
from opscheck.outline import Heading
from opscheck.rules.base import HIGHER_IS_WEAKER, LOWER_IS_WEAKER, Hit, Options, rule
from opscheck.suggest import BUDGET, Suggestions


@rule("RUN001", "runbook-present")
def runbook_present(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """An investor-facing pipeline has no runbook, or its runbook file is missing.

    Investors see these numbers; whoever is paged at 3 a.m. needs the runbook.

    Failing:
        pipelines:
          - {id: profit-aggregate, name: Profit, area: Profit, audience: [investors],
             owners: {primary: eng1, secondary: [eng2]}}

    Passing:
        pipelines:
          - {id: profit-aggregate, name: Profit, area: Profit, audience: [investors],
             owners: {primary: eng1, secondary: [eng2]}, runbook: runbooks/profit-aggregate.md}
    """
    for pipe in ds.pipelines.values():
        ref = ds.runbook_refs.get(pipe.id)
        if pipe.investor_facing and pipe.runbook is None:
            yield Hit(pipe.loc.at("id"), f"investor-facing pipeline '{pipe.id}' has no runbook; write "
                      f"runbooks/{pipe.id}.md and set runbook: to it", pipe.id)
        elif ref is not None and ref.status == "missing":
            yield Hit(pipe.loc.at("runbook"), f"runbook file ops-data/{ref.path} does not exist; create it or "
                      "fix the path", pipe.id)
        elif ref is not None and ref.status == "folder":
            yield Hit(pipe.loc.at("runbook"), f"runbook ops-data/{ref.path} is a folder, not a file; name the "
                      f"runbook's Markdown file, e.g. {ref.path.rstrip('/')}/{pipe.id}.md", pipe.id)


MAX_SECTION = 200  # characters of a required section's name
Section = Annotated[str, StringConstraints(min_length=1, max_length=MAX_SECTION)]


class ContentOptions(Options):
    min_failure_modes: Annotated[int, Field(ge=0, le=100), LOWER_IS_WEAKER] = 1
    # as long as each value once at most: every list parameter has a length bound
    required_categories: Annotated[list[Category], Field(max_length=3)] = ["upstream", "downstream"]
    required_fields: Annotated[list[Literal["detection", "impact"]], Field(max_length=2)] = ["detection", "impact"]


@rule("RUN002", "failure-modes", options=ContentOptions)
def failure_modes(ds: Dataset, opts: ContentOptions) -> Iterator[Hit]:
    """A runbook lists too few failure modes, misses a required category, or a mode lacks a required field.

    What can go wrong upstream (stale or broken inputs) and downstream (wrong dashboards,
    duplicates) must be written down with how it is detected and what it does to investors.

    Failing:
        failure_modes:
          - {id: upstream-stale, category: upstream, title: Orders not updated}

    Passing:
        failure_modes:
          - {id: upstream-stale, category: upstream, title: Orders not updated,
             detection: freshness check fails after 26 h, impact: profit a day stale}
          - {id: dashboard-wrong, category: downstream, title: Wrong dashboard values,
             detection: reconciliation job alerts, impact: investors see wrong profit}
    """
    for rb in ds.runbooks.values():
        if rb.meta is None:
            continue
        modes = rb.meta.failure_modes
        subject = rb.meta.pipeline
        where = rb.loc.at("failure_modes") if modes else rb.loc.at("pipeline")
        if len(modes) < opts.min_failure_modes:
            yield Hit(where, f"runbook lists {len(modes)} failure modes, needs at least "
                      f"{opts.min_failure_modes}; add them under failure_modes", subject, ident="failure_modes")
        have = {m.category for m in modes}
        for category in opts.required_categories:
            if category not in have:
                yield Hit(where, f"runbook has no {category} failure mode; add what can go wrong {category}",
                          subject, ident=f"failure_modes.category={category}")
        for i, mode in enumerate(modes):
            for name in opts.required_fields:
                if not (getattr(mode, name, None) or "").strip():
                    yield Hit(rb.loc.at("failure_modes", i), f"failure mode '{mode.id}' has no {name}; "
                              f"describe its {name}", subject)


class SectionOptions(Options):
    required_sections: Annotated[list[Section], Field(max_length=50)] = [
        "Overview", "Dependencies", "Failure modes", "Escalation"]


@rule("RUN003", "runbook-sections", options=SectionOptions)
def runbook_sections(ds: Dataset, opts: SectionOptions) -> Iterator[Hit]:
    """A runbook lacks a heading of `required_sections`.

    Headings are read with a Markdown parser (a `#` line inside a code fence is not a
    heading) and compared case-insensitively at any level.

    Failing:
        # Profit runbook
        ## Overview
        ## Failure modes

    Passing:
        # Profit runbook
        ## Overview
        ## Dependencies
        ## Failure modes
        ## Escalation
    """
    hint_work = Budget(BUDGET)  # the did-you-mean hints of all runbooks share one
    for rb in ds.runbooks.values():
        if not rb.doc.ok:
            continue
        have = {h.text.casefold() for h in rb.headings}
        missing = [s for s in opts.required_sections if s.casefold() not in have]
        if missing:
            misspelt = _misspelt_headings(rb.headings, missing, opts.required_sections, hint_work)
            line = misspelt[0][1].line if misspelt else rb.headings[-1].line if rb.headings else 1
            hints = "".join(f"; heading '{h.text}' on line {h.line}: did you mean '{want}'?" for want, h in misspelt)
            add = "" if len(misspelt) == len(missing) else "; add a heading for each"
            yield Hit(rb.loc, f"runbook lacks section{'s' * (len(missing) > 1)} "
                      f"{', '.join(repr(m) for m in missing)}{add}{hints}",
                      rb.meta.pipeline if rb.meta else None, line=line, ident="sections")


def _misspelt_headings(headings: list[Heading], missing: list[str], required: list[str],
                       budget: Budget) -> list[tuple[str, Heading]]:
    """Headings that look like a missing section (``Escalaton`` for ``Escalation``), each used once;
    the search spends from ``budget`` and finds none once it is spent."""
    wanted = {s.casefold() for s in required}
    spare = {h.text.casefold(): h for h in reversed(headings) if h.text.casefold() not in wanted}
    hints = Suggestions(spare, cutoff=0.8, n=1, longest=MAX_SECTION, budget=budget)
    found: list[tuple[str, Heading]] = []
    for section in missing:
        close = hints.closest(section.casefold())
        if close:
            found.append((section, spare.pop(close[0])))
            hints.discard(close[0])
    return found


@rule("RUN004", "runbook-mismatch")
def runbook_mismatch(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """A runbook names another pipeline than the one pointing to it, or its path leaves ops-data/.

    Runbook paths are relative to ops-data/ and may not use `..`, an absolute path or a
    symlink that points outside: the repository's data must be self-contained.

    Failing:
        # pipelines.yaml: profit-aggregate has runbook: runbooks/growth-aggregate.md
        # runbooks/growth-aggregate.md front matter: pipeline: growth-aggregate

    Passing:
        # pipelines.yaml: profit-aggregate has runbook: runbooks/profit-aggregate.md
        # runbooks/profit-aggregate.md front matter: pipeline: profit-aggregate
    """
    for pid, ref in ds.runbook_refs.items():
        pipe = ds.pipelines[pid]
        if ref.status == "outside":
            yield Hit(pipe.loc.at("runbook"), f"runbook path '{ref.path}' leaves ops-data/; keep runbooks "
                      "inside it (no '..', absolute paths or outward symlinks)", pid)
        elif ref.status == "data":
            yield Hit(pipe.loc.at("runbook"), f"runbook path '{ref.path}' names a data file of ops-data/, not a "
                      "runbook; point it at the pipeline's Markdown runbook", pid)
        elif ref.runbook is not None and ref.runbook.meta is not None and ref.runbook.meta.pipeline != pid:
            yield Hit(ref.runbook.loc.at("pipeline"), f"runbook names pipeline '{ref.runbook.meta.pipeline}' "
                      f"but is the runbook of '{pid}'; fix the front matter or the pipeline's runbook path", pid)


class AgeOptions(Options):
    max_age_days: Annotated[int, Field(ge=1, le=3660), HIGHER_IS_WEAKER] = 180


@rule("RUN005", "runbook-stale", severity="warning", options=AgeOptions)
def runbook_stale(ds: Dataset, opts: AgeOptions) -> Iterator[Hit]:
    """A runbook's `last_reviewed` is older than `max_age_days` (or, without it, its last commit is).

    Pipelines change; a runbook nobody has read in half a year misleads whoever follows it.

    Failing:
        # as-of 2026-11-26
        last_reviewed: 2026-01-15

    Passing:
        last_reviewed: 2026-10-01
    """
    for rb in ds.runbooks.values():
        if rb.meta is None:
            continue
        reviewed: dt.date | None = rb.meta.last_reviewed
        source = "last reviewed"
        if reviewed is None and ds.last_commit is not None:
            reviewed, source = ds.last_commit(rb.file), "last changed"
        if reviewed is None:
            continue
        age = (ds.as_of - reviewed).days
        if age > opts.max_age_days:
            loc = rb.loc.at("last_reviewed") if rb.meta.last_reviewed else rb.loc.at("pipeline")
            todo = "update last_reviewed" if rb.meta.last_reviewed else "add last_reviewed: with today's date"
            yield Hit(loc, f"runbook was {source} {reviewed}, {age} days ago (limit {opts.max_age_days}); "
                      f"review it and {todo}", rb.meta.pipeline, ident="last_reviewed")


@rule("RUN006", "runbook-links", severity="warning")
def runbook_links(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """A relative link in a runbook points to a missing file.

    Links to dashboards and other runbooks rot when files move; web links are not followed.

    Failing:
        See [the growth runbook](growth.md) for shared inputs.   <!-- no such file -->

    Passing:
        See [the growth runbook](growth-aggregate.md) for shared inputs.
    """
    for rb in ds.runbooks.values():
        missing: dict[str, str | None] = {}  # a link's target -> the missing file it points to
        for link in rb.links:
            if link.target not in missing:
                target = _local_target(rb, link.target)
                missing[link.target] = target if target is not None and not ds.tree.exists(target) else None
            target = missing[link.target]
            if target is not None:
                yield Hit(rb.loc, f"link '{link.target}' points to {target}, which does not exist; fix or "
                          "remove the link", rb.meta.pipeline if rb.meta else None, line=link.line,
                          ident=f"link={link.target}")


def _local_target(rb: Runbook, href: str) -> str | None:
    """The repository path a relative link points to, or None for web links and anchors."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):
        return posixpath.normpath(path.lstrip("/"))
    return posixpath.normpath(posixpath.join(posixpath.dirname(rb.file), path))
