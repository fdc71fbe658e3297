"""`opscheck audit` lists at most MAX_CHANGES changes in all, then says how many more there are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Result
from gitrepo import daily

SHIFTS, COMMITS, SEED = 4, 5, 7  # the seed commit adds four data files and three runbooks
TOTAL = SEED + (COMMITS - 1) * SHIFTS


def _rotation(k: int) -> str:
    """oncall.yaml with every one of SHIFTS weeks given to the next engineer each time ``k`` grows."""
    weeks = [dt.date(2026, 1, 5) + dt.timedelta(weeks=i) for i in range(SHIFTS)]
    return "".join([
        "rotations:\n  - id: data-pipelines\n    members: [eng1, eng2, eng3, eng4, eng5]\n",
        '    handoff: {weekday: monday, time: "09:00", timezone: America/New_York}\n    shifts:\n',
        *(f"      - {{week: {w}, engineer: eng{(i + k) % 5 + 1}}}\n" for i, w in enumerate(weeks)),
    ])


@pytest.fixture
def churn(team: Path) -> Path:
    """The team's data, then COMMITS - 1 commits a day apart that each reassign every shift."""
    return daily(team, "ops-data/oncall.yaml", [_rotation(k) for k in range(COMMITS)], "Rotate")


def _changes(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for e in entries for c in e["changes"]]


@pytest.mark.parametrize(("limit", "cut", "listed"), [
    (SEED, 1, 0),  # full after the seed: the next commit shows only that the list stopped
    (SEED + SHIFTS + 2, 2, 2),  # cut inside a commit
    (TOTAL - 1, COMMITS - 1, SHIFTS - 1),  # one change short
])
def test_audit_stops_at_the_limit_and_counts_the_rest(
    run: Callable[..., Result], churn: Path, monkeypatch: pytest.MonkeyPatch, limit: int, cut: int, listed: int
) -> None:
    from opscheck import audit

    full = run("audit", "--root", churn, "--format", "json").json()
    assert len(_changes(full)) == TOTAL
    monkeypatch.setattr(audit, "MAX_CHANGES", limit)
    shown = run("audit", "--root", churn, "--format", "json").json()
    assert [e["sha"] for e in shown] == [e["sha"] for e in full[: cut + 1]]
    *changes, stop = _changes(shown)
    assert changes == _changes(full)[:limit]
    later = COMMITS - 1 - cut
    assert stop == {"kind": "list-stopped", "subject": "", "field": None, "old": None, "new": (
        f"list stopped: audit lists at most {limit:,} changes; {SHIFTS - listed:,} more of this commit's and "
        f"{later} later commit{'s' * (later != 1)} are not listed; see them in a narrower window: "
        f"--since 2026-01-{5 + cut:02d} (or --until, --path)")}

    text = run("audit", "--root", churn).out.splitlines()
    monkeypatch.setattr(audit, "MAX_CHANGES", TOTAL)
    whole = run("audit", "--root", churn).out.splitlines()
    assert text[:-1] == whole[: len(text) - 1]  # the same lines, up to the one that says the list stopped
    assert len([line for line in text[:-1] if not line.startswith("#")]) == limit
    assert text[-1].endswith(": " + stop["new"])


def test_the_rest_is_listed_from_the_day_the_list_stopped(
    run: Callable[..., Result], churn: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opscheck import audit

    monkeypatch.setattr(audit, "MAX_CHANGES", SEED + SHIFTS + 1)
    stop = _changes(run("audit", "--root", churn, "--format", "json").json())[-1]["new"]
    since = stop.split("--since ")[1].split()[0]
    rest = run("audit", "--root", churn, "--format", "json", "--since", since).json()
    assert [e["subject"] for e in rest] == ["Rotate 2", "Rotate 3", "Rotate 4"]
    assert [c["kind"] for c in _changes(rest)] == ["shift-reassigned"] * 3 * SHIFTS


def test_under_the_limit_the_list_is_whole(run: Callable[..., Result], churn: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from opscheck import audit

    expected = {fmt: run("audit", "--root", churn, "--format", fmt).out for fmt in ("text", "json")}
    monkeypatch.setattr(audit, "MAX_CHANGES", TOTAL)
    assert {fmt: run("audit", "--root", churn, "--format", fmt).out for fmt in ("text", "json")} == expected
    assert "list stopped" not in expected["text"]


def test_the_walk_stops_with_the_list(churn: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No commit past the one where the list stopped is read or compared."""
    from opscheck import audit

    steps: list[int] = []
    step = audit._Walk.step

    def counted(self: Any, files: Any) -> Any:
        steps.append(len(files))
        return step(self, files)

    monkeypatch.setattr(audit._Walk, "step", counted)
    monkeypatch.setattr(audit, "MAX_CHANGES", SEED + 1)
    entries = audit.audit(churn, None, None, None)
    assert steps == []  # nothing is read before it is asked for
    assert [e.subject for e in entries] == ["Rotate 0", "Rotate 1"]
    assert len(steps) == 2
