"""OWN rules: every pipeline has a reachable primary and enough secondary owners."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import partial
from typing import Annotated, Any

from pydantic import Field

from opscheck.dataset import Dataset, Spans
from opscheck.models import Engineer, Pipeline
from opscheck.rules.base import HIGHER_IS_WEAKER, LOWER_IS_WEAKER, Hit, Hits, Options, rule
from opscheck.source import DocPath


def owner_roles(pipe: Pipeline) -> list[tuple[DocPath, str, str]]:
    """(path in the pipeline, engineer, primary or secondary) for each owner of ``pipe``."""
    if pipe.owners is None:
        return []
    roles: list[tuple[DocPath, str, str]] = (
        [(("owners", "primary"), pipe.owners.primary, "primary")] if pipe.owners.primary else []
    )
    roles += [(("owners", "secondary", i), e, "secondary") for i, e in enumerate(pipe.owners.secondary)]
    return roles


@rule("OWN001", "primary-owner")
def primary_owner(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """A pipeline has no primary owner.

    Someone must be accountable for every pipeline: the primary owner answers for it
    and decides on changes.

    Failing:
        pipelines:
          - id: growth-daily
            name: Daily growth
            area: Growth
            audience: [experiments]
            owners: {secondary: [eng2]}

    Passing:
        pipelines:
          - id: growth-daily
            name: Daily growth
            area: Growth
            audience: [experiments]
            owners: {primary: eng1, secondary: [eng2]}
    """
    for pipe in ds.pipelines.values():
        if pipe.owners is None or not pipe.owners.primary:
            loc = pipe.loc.at("owners") if pipe.owners else pipe.loc
            yield Hit(loc, f"pipeline '{pipe.id}' has no primary owner; add owners.primary", pipe.id)


class SecondaryOptions(Options):
    min_secondary: Annotated[int, Field(ge=0, le=20), LOWER_IS_WEAKER] = 1


@rule("OWN002", "secondary-owners", options=SecondaryOptions)
def secondary_owners(ds: Dataset, opts: SecondaryOptions) -> Iterator[Hit]:
    """A pipeline has fewer than `min_secondary` secondary owners.

    The secondary owners step in when the primary is away; without them a vacation
    leaves the pipeline unowned.

    Failing:
        pipelines:
          - id: growth-daily
            name: Daily growth
            area: Growth
            audience: [experiments]
            owners: {primary: eng1}

    Passing:
        pipelines:
          - id: growth-daily
            name: Daily growth
            area: Growth
            audience: [experiments]
            owners: {primary: eng1, secondary: [eng2]}
    """
    for pipe in ds.pipelines.values():
        have = len(set(pipe.owners.secondary)) if pipe.owners else 0
        if have < opts.min_secondary:
            loc = pipe.loc.at("owners", "secondary") if pipe.owners and pipe.owners.secondary else (
                pipe.loc.at("owners") if pipe.owners else pipe.loc
            )
            yield Hit(
                loc,
                f"pipeline '{pipe.id}' has {have} secondary owner{'s' * (have != 1)}, needs at least "
                f"{opts.min_secondary}; add engineers to owners.secondary",
                pipe.id,
            )


@rule("OWN003", "owner-repeated")
def owner_repeated(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """The primary owner is also a secondary, or a secondary is listed twice.

    A repeated name looks like cover but is not: the same person is away from both roles at once.

    Failing:
        owners: {primary: eng1, secondary: [eng1, eng2]}

    Passing:
        owners: {primary: eng1, secondary: [eng3, eng2]}
    """
    for pipe in ds.pipelines.values():
        if pipe.owners is None:
            continue
        seen: set[str] = set()
        for i, eng in enumerate(pipe.owners.secondary):
            if eng == pipe.owners.primary:
                yield Hit(
                    pipe.loc.at("owners", "secondary", i),
                    f"'{eng}' is both primary and secondary owner of '{pipe.id}'; pick another secondary",
                    pipe.id,
                )
            elif eng in seen:
                yield Hit(
                    pipe.loc.at("owners", "secondary", i),
                    f"'{eng}' is listed twice as secondary owner of '{pipe.id}'; remove one",
                    pipe.id,
                )
            seen.add(eng)


@rule("OWN004", "owner-inactive")
def owner_inactive(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """An owner has left the team (`active: false`).

    Ownership must move when someone leaves, or the pipeline is owned by nobody.

    Failing:
        engineers:
          - {id: eng1, name: Eng1, active: false}
        pipelines:
          - {id: p, name: P, area: A, audience: [internal], owners: {primary: eng1, secondary: [eng2]}}

    Passing:
        engineers:
          - {id: eng1, name: Eng1}
    """
    for pipe in ds.pipelines.values():
        if pipe.owners is None:
            continue
        for path, eng, role in owner_roles(pipe):
            person = ds.engineers.get(eng)
            if person is not None and not person.active:
                yield Hit(
                    pipe.loc.at(*path),
                    f"{role} owner '{eng}' of '{pipe.id}' is inactive; hand the pipeline to an active engineer",
                    pipe.id,
                )


class PrimaryLoadOptions(Options):
    max_primary: Annotated[int, Field(ge=1, le=1000), HIGHER_IS_WEAKER] = 3


@rule("OWN005", "primary-load", severity="warning", options=PrimaryLoadOptions)
def primary_load(ds: Dataset, opts: PrimaryLoadOptions) -> Iterator[Hit]:
    """An engineer is primary owner of more than `max_primary` pipelines.

    Concentrated ownership makes one person a bottleneck and a single point of failure.
    The finding points at the first pipeline over the limit.

    Failing:
        # with max_primary: 1
        pipelines:
          - {id: a, name: A, area: X, audience: [internal], owners: {primary: eng1, secondary: [eng2]}}
          - {id: b, name: B, area: X, audience: [internal], owners: {primary: eng1, secondary: [eng2]}}

    Passing:
        pipelines:
          - {id: a, name: A, area: X, audience: [internal], owners: {primary: eng1, secondary: [eng2]}}
          - {id: b, name: B, area: X, audience: [internal], owners: {primary: eng2, secondary: [eng1]}}
    """
    by_owner: dict[str, list[str]] = defaultdict(list)
    for pipe in ds.pipelines.values():
        if pipe.owners and pipe.owners.primary:
            by_owner[pipe.owners.primary].append(pipe.id)
    for eng, pipes in by_owner.items():
        if len(pipes) > opts.max_primary:
            over = ds.pipelines[pipes[opts.max_primary]]
            yield Hit(
                over.loc.at("owners", "primary"),
                f"'{eng}' is primary owner of {len(pipes)} pipelines ({', '.join(pipes)}), more than "
                f"{opts.max_primary}; move some to other engineers",
                eng,
                ident="primary-count",
            )


@rule("OWN006", "owners-all-away", severity="warning")
def owners_all_away(ds: Dataset, opts: Options) -> Iterator[Hit | Hits]:
    """On a future scheduled day every owner of a pipeline is on time off.

    Checks days from as-of through the end of the published schedule of the pipeline's
    rotation (of any rotation when it names none). Stagger time
    off or add a secondary owner so someone who knows the pipeline is around.

    Failing:
        engineers:
          - {id: eng1, name: Eng1, time_off: [{start: 2027-07-05, end: 2027-07-09}]}
          - {id: eng2, name: Eng2, time_off: [{start: 2027-07-07, end: 2027-07-16}]}
        # pipeline owned by eng1 (primary) and eng2 (secondary)

    Passing:
        engineers:
          - {id: eng1, name: Eng1, time_off: [{start: 2027-07-05, end: 2027-07-09}]}
          - {id: eng2, name: Eng2, time_off: [{start: 2027-07-12, end: 2027-07-16}]}
    """
    away: dict[tuple[Any, ...], Spans] = {}
    for pipe in ds.pipelines.values():
        # the pipeline's own rotation says how far the schedule reaches; without one, any rotation
        sched = ds.schedules.get(pipe.rotation) if pipe.rotation else None
        end = sched.last_day if sched else ds.horizon
        ids = dict.fromkeys(pipe.owners.all() if pipe.owners else [])
        owners = [ds.engineers[e] for e in ids if e in ds.engineers]
        if end is None or not owners:
            continue
        key = (end, *(p.id for p in owners))  # a team's pipelines share a few sets of owners
        spans = away.get(key)
        if spans is None:
            spans = away[key] = _all_away(ds, Spans([ds.as_of], [end]), owners)
        if spans.starts:
            # made only when listed: 30,000 pipelines of two owners away every other day are six
            # million findings, of which a run lists 25,000
            yield Hits(pipe.id, len(spans.starts), partial(_away_hits, pipe, owners, spans))


def _away_hits(pipe: Pipeline, owners: list[Engineer], spans: Spans) -> Iterator[Hit]:
    for first, last in spans.pairs():
        span = str(first) if first == last else f"{first} to {last}"
        yield Hit(
            pipe.loc.at("owners") if pipe.owners else pipe.loc,
            f"every owner of '{pipe.id}' ({', '.join(p.id for p in owners)}) is off {span}; "
            "stagger their time off or add a secondary owner",
            pipe.id,
        )


def _all_away(ds: Dataset, within: Spans, owners: list[Engineer]) -> Spans:
    """The days within ``within`` on which every one of ``owners`` is on time off."""
    for person in owners:
        within = within.intersect(ds.time_off[person.id])
        if not within.starts:
            break
    return within
