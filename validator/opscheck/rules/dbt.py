"""DBT rules: ops-data's pipelines agree with the team's dbt project (the manifest the policy names).

Each rule reads ``ds.dbt`` (integrations/dbt.py fills it in) and says nothing when the
policy configures no manifest, except DBT001 for pipelines that name dbt resources anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints

from opscheck.dataset import Dataset
from opscheck.integrations.lineage import MAX_BITS, LineageTooLarge
from opscheck.models import Pipeline
from opscheck.rules.base import NARROWS, Hit, Options, rule
from opscheck.source import Loc

if TYPE_CHECKING:  # the manifest's reader (and msgspec) is loaded only with a manifest to read
    from opscheck.integrations.dbt import DbtProject, Exposure, Resource, Source

Label = Annotated[str, StringConstraints(min_length=1, max_length=200)]


def _resolved(ds: Dataset, pipe: Pipeline) -> list[tuple[int, str, Resource]]:
    return ds.dbt.claimed(pipe.dbt) if ds.dbt is not None else []


@rule("DBT001", "dbt-resource-unknown")
def dbt_unknown(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """A pipeline names a dbt resource that the manifest lacks.

    `dbt:` entries are `resource_type.name` (`source.<source>.<table>` for a source) or a full
    unique id, checked against the manifest in `sources.dbt.manifest` of policies/opscheck.yaml.
    A name that is wrong, or that dbt no longer has, means the pipeline's ownership and runbook
    describe code that does not exist.

    Failing:
        # policies/opscheck.yaml: sources: {dbt: {manifest: analytics/target/manifest.json}}
        pipelines:
          - id: profit-aggregate
            name: Aggregate profit reported to investors
            area: Profit
            audience: [investors]
            dbt: [exposure.investor_proft]

    Passing:
        pipelines:
          - id: profit-aggregate
            name: Aggregate profit reported to investors
            area: Profit
            audience: [investors]
            dbt: [exposure.investor_profit, model.agg_profit_monthly]
    """
    for pipe in ds.pipelines.values():
        if pipe.dbt and ds.dbt is None:
            yield Hit(pipe.loc.at("dbt"), f"pipeline '{pipe.id}' names dbt resources, but policies/opscheck.yaml "
                      "names no dbt manifest; set sources: {dbt: {manifest: <project>/target/manifest.json}}",
                      pipe.id, key=True)
        elif ds.dbt is not None:
            for i, ref in enumerate(pipe.dbt):
                yield from _unknown(ds.dbt, pipe, i, ref)


def _unknown(project: DbtProject, pipe: Pipeline, i: int, ref: str) -> Iterator[Hit]:
    found = project.resolve(ref)
    if not found:
        yield Hit(pipe.loc.at("dbt", i), f"pipeline '{pipe.id}' names dbt resource '{ref}', which "
                  f"{project.manifest} does not have{project.hints(ref)}; fix the name, or run `dbt parse` "
                  "if it is new", pipe.id)
    elif len(found) > 1:
        yield Hit(pipe.loc.at("dbt", i), f"'{ref}' of pipeline '{pipe.id}' names {len(found)} dbt resources "
                  f"({', '.join(sorted(found))}); write the full unique id of the one it means", pipe.id)


class ExposureScope(Options):
    """Which exposures must be claimed: each list given narrows it (empty: any)."""

    types: Annotated[list[Literal["dashboard", "notebook", "analysis", "ml", "application"]], NARROWS] = \
        Field(default_factory=list, max_length=5)
    maturities: Annotated[list[Literal["low", "medium", "high"]], NARROWS] = \
        Field(default_factory=list, max_length=3)
    tags: Annotated[list[Label], NARROWS] = Field(default_factory=list, max_length=100)  # any of them
    meta_keys: Annotated[list[Label], NARROWS] = Field(default_factory=list, max_length=100)  # any of them

    def covers(self, exp: Exposure) -> bool:
        return ((not self.types or exp.type in self.types)
                and (not self.maturities or exp.maturity in self.maturities)
                and (not self.tags or any(t in exp.tags for t in self.tags))
                and (not self.meta_keys or any(k in exp.meta for k in self.meta_keys)))


@rule("DBT002", "dbt-exposure-unclaimed", options=ExposureScope, requires="dbt")
def exposure_unclaimed(ds: Dataset, opts: ExposureScope) -> Iterator[Hit]:
    """A dbt exposure that no pipeline claims.

    An exposure is what someone outside the team looks at, such as the investor dashboard.
    If no pipeline lists it under `dbt:`, nobody is on the hook when it breaks. By default every
    exposure counts; `types`, `maturities`, `tags` and `meta_keys` narrow it. The finding points
    at the exposure in the dbt .yml file that declares it.

    Failing:
        # analytics/models/exposures.yml
        exposures:
          - name: investor_engagement
            type: dashboard
            maturity: high
            owner: {email: eng5@example.com}
            depends_on: ["ref('agg_engagement_daily')"]
        # and no pipeline in ops-data/pipelines.yaml lists exposure.investor_engagement

    Passing:
        # with DBT002: {maturities: [high]} a low-maturity notebook may stay unclaimed
        pipelines:
          - id: engagement-aggregate
            name: Aggregate engagement reported to investors
            area: Engagement
            audience: [investors]
            dbt: [exposure.investor_engagement]
    """
    if ds.dbt is None:
        return
    from opscheck.integrations.dbt import describe, short

    claimed = {res.unique_id for pipe in ds.pipelines.values() for _, _, res in _resolved(ds, pipe)}
    for exp in ds.dbt.exposures():
        if exp.unique_id in claimed or not opts.covers(exp):
            continue
        yield Hit(Loc(ds.dbt.file_of(exp)), f"dbt exposure {describe(exp)} is claimed by no pipeline; "
                  f"add {short(exp)} to the dbt: list of the pipeline that feeds it, or narrow DBT002 in "
                  "policies/opscheck.yaml", short(exp), line=ds.dbt.lines.get(exp.unique_id, 1))


@rule("DBT003", "dbt-owner-mismatch", severity="warning", requires="dbt")
def owner_mismatch(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """The owner dbt records for a pipeline's resource is not among the pipeline's owners.

    dbt records an owner for each exposure (`owner.email`) and for each group of models. When
    that person is neither the primary nor a secondary owner in ops-data, the two sources of
    truth disagree about whom to call. Emails are compared without regard to case.

    Failing:
        # exposures.yml: investor_profit has owner {email: eng9@example.com}
        pipelines:
          - id: profit-aggregate
            owners: {primary: eng2, secondary: [eng4, eng5]}
            dbt: [exposure.investor_profit]

    Passing:
        # exposures.yml: investor_profit has owner {email: eng2@example.com}, eng2's email
        pipelines:
          - id: profit-aggregate
            owners: {primary: eng2, secondary: [eng4, eng5]}
            dbt: [exposure.investor_profit]
    """
    if ds.dbt is None:
        return
    from opscheck.integrations.dbt import Exposure

    for pipe in ds.pipelines.values():
        people = [ds.engineers[e] for e in (pipe.owners.all() if pipe.owners else []) if e in ds.engineers]
        emails = {p.email.lower() for p in people if p.email}
        for i, ref, res in _resolved(ds, pipe):
            strangers = [e for e in ds.dbt.owner_emails(res) if e not in emails]
            if strangers:
                whose = "group owner" if not isinstance(res, Exposure) else "owner"
                known = ", ".join(sorted(emails)) or "none of them has an email"
                yield Hit(pipe.loc.at("dbt", i), f"dbt records {', '.join(strangers)} as {whose} of '{ref}', who "
                          f"is not an owner of '{pipe.id}' ({known}); make ops-data and dbt agree", pipe.id)


DEPENDENCIES = "Dependencies"


@rule("DBT004", "dbt-upstream-missing", severity="warning", requires="dbt")
def upstream_missing(ds: Dataset, opts: Options) -> Iterator[Hit]:
    """An investor-facing pipeline's runbook misses a dbt source that its resources depend on.

    Applies to runbooks that list `upstream` failure modes and have a Dependencies heading.
    The sources come from dbt's lineage (`depends_on`, followed through models to sources);
    each must be named in that section or an upstream failure mode, as `source.table` or by
    its table name.

    Failing:
        # fct_profit_daily reads source raw.refunds; the runbook's Dependencies say:
        ## Dependencies
        - Upstream: `raw.orders`, `raw.costs`

    Passing:
        ## Dependencies
        - Upstream: `raw.orders`, `raw.refunds`, `raw.costs`
    """
    if ds.dbt is None:
        return
    for pipe in ds.pipelines.values():
        ref = ds.runbook_refs.get(pipe.id)
        book = ref.runbook if ref else None
        meta = book.meta if book else None
        heading = book.heading(DEPENDENCIES) if book else None
        if not pipe.investor_facing or book is None or meta is None or heading is None:
            continue
        upstream = [m for m in meta.failure_modes if m.category == "upstream"]
        if not upstream:
            continue
        words = _words("\n".join([book.section(heading), *(f"{m.title} {m.detection} {m.impact}" for m in upstream)]))
        ids = [res.unique_id for _, _, res in _resolved(ds, pipe)]
        try:
            sources = ds.dbt.upstream_sources(ids)
        except LineageTooLarge:
            yield Hit(book.loc, f"the dbt lineage is too large to follow ({MAX_BITS:,} bits of masks), so the "
                      f"runbooks' dbt sources are not checked from '{pipe.id}' on; split the manifest's lineage",
                      pipe.id, line=heading.line, always=True)
            return
        for src in sources:
            if not _mentions(words, src):
                yield Hit(book.loc, f"the runbook of '{pipe.id}' does not mention dbt source {src.label}, which "
                          f"its dbt resources read; add it under {heading.text} with what to do when it is late "
                          "or wrong", pipe.id, line=heading.line)


def _words(text: str) -> set[str]:
    """The words and dotted names of ``text``, lower case: `raw.orders`, orders."""
    return {word.strip(".") for word in re.findall(r"[\w.]+", text.lower())}


def _mentions(words: set[str], src: Source) -> bool:
    names = (src.label, src.name, src.identifier or src.name)
    return any(name.lower() in words for name in names)
