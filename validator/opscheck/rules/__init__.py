"""The registry: every built-in rule, in the order `opscheck rules` lists them."""

from __future__ import annotations

from opscheck.rules import codeowners, concurrent, data, dbt, history, holidays, oncall, ownership, policy, runbooks
from opscheck.rules.base import Rule

RULES: tuple[Rule, ...] = (
    data.unreadable,
    data.schema,
    data.duplicate_key,
    data.duplicate_id,
    data.unknown_reference,
    ownership.primary_owner,
    ownership.secondary_owners,
    ownership.owner_repeated,
    ownership.owner_inactive,
    ownership.primary_load,
    ownership.owners_all_away,
    codeowners.codeowners_stale,
    codeowners.codeowners_unreachable,
    oncall.back_to_back,
    oncall.continuity,
    oncall.published_ahead,
    oncall.cover_available,
    oncall.shift_balance,
    concurrent.double_booked,
    holidays.holiday_balance,
    holidays.holiday_repeat,
    runbooks.runbook_present,
    runbooks.failure_modes,
    runbooks.runbook_sections,
    runbooks.runbook_mismatch,
    runbooks.runbook_stale,
    runbooks.runbook_links,
    dbt.dbt_unknown,
    dbt.exposure_unclaimed,
    dbt.owner_mismatch,
    dbt.upstream_missing,
    history.history_rewritten,
    history.freeze_window,
    policy.waiver_expired,
    policy.waiver_unused,
    policy.policy_weakened,
)

BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
