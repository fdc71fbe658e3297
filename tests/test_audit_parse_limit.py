"""`opscheck audit` and `schedule ics` parse at most versions.MAX_PARSED characters of file
versions a run: past that, audit says where it stopped and ics refuses."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Result
from gitrepo import daily

COMMITS = 5


def _rotation(k: int) -> str:
    """oncall.yaml whose every line has the comment ``# v{k}``: a new version, and no change."""
    weeks = [dt.date(2026, 1, 5) + dt.timedelta(weeks=i) for i in range(20)]
    return "".join([
        f"rotations:  # v{k}\n  - id: data-pipelines\n    members: [eng1, eng2, eng3, eng4, eng5]  # v{k}\n",
        f'    handoff: {{weekday: monday, time: "09:00", timezone: America/New_York}}  # v{k}\n    shifts:\n',
        *(f"      - {{week: {w}, engineer: eng{i % 5 + 1}}}  # v{k}\n" for i, w in enumerate(weeks)),
    ])


@pytest.fixture
def comments(team: Path) -> Path:
    """The team's data, then COMMITS - 1 commits a day apart that each comment every line anew."""
    return daily(team, "ops-data/oncall.yaml", [_rotation(k) for k in range(COMMITS)], "Comment")


def _spent(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """What the walk has parsed after each commit (0 before the first), by the reader's count."""
    from opscheck import audit, versions

    spent = [0]
    step = audit._Walk.step

    def counted(self: Any, files: Any) -> Any:
        changes = step(self, files)
        spent.append(versions.MAX_PARSED - self.reader.work.left)
        return changes

    with monkeypatch.context() as patch:
        patch.setattr(audit._Walk, "step", counted)
        list(audit.audit(root, None, None, None))
    return spent


@pytest.mark.parametrize(("cut", "short"), [(0, False), (1, False), (1, True), (3, True), (COMMITS, False)])
def test_audit_stops_where_the_parse_budget_is_spent(
    run: Callable[..., Result], comments: Path, monkeypatch: pytest.MonkeyPatch, cut: int, short: bool
) -> None:
    """With the budget of what the first ``cut`` commits parse (or one character short of what the
    next one adds), those are listed whole, then the next commit says the list stopped."""
    from opscheck import versions

    spent = _spent(comments, monkeypatch)
    assert len(set(spent)) == COMMITS + 1  # each commit parses a new version
    full = {fmt: run("audit", "--root", comments, "--format", fmt).out for fmt in ("json", "text")}
    monkeypatch.setattr(versions, "MAX_PARSED", spent[cut + 1] - 1 if short else spent[cut])
    shown = run("audit", "--root", comments, "--format", "json").json()
    text = run("audit", "--root", comments).out
    if cut == COMMITS:
        assert (run("audit", "--root", comments, "--format", "json").out, text) == (full["json"], full["text"])
        return
    whole = json.loads(full["json"])
    assert shown[:cut] == whole[:cut]
    assert len(shown) == cut + 1 and shown[cut]["sha"] == whole[cut]["sha"]
    later = COMMITS - 1 - cut
    stop = (f"list stopped: audit parses at most {versions.MAX_PARSED:,} characters of file versions a run; "
            f"this commit's changes and {later} later commit{'s' * (later != 1)} are not listed; "
            f"see them in a narrower window: --since 2026-01-{5 + cut:02d} (or --until, --path)")
    assert shown[cut]["changes"] == [{"kind": "list-stopped", "subject": "", "field": None, "old": None, "new": stop}]
    lines = text.splitlines()
    assert lines[:-2] == full["text"].splitlines()[: len(lines) - 2]
    assert lines[-2].startswith(f"# 2026-01-{5 + cut:02d} ") and lines[-1].endswith(": " + stop)


def test_the_rest_is_listed_from_the_day_the_walk_stopped(
    run: Callable[..., Result], comments: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opscheck import versions

    spent = _spent(comments, monkeypatch)
    with monkeypatch.context() as patch:
        patch.setattr(versions, "MAX_PARSED", spent[2])
        stop = run("audit", "--root", comments, "--format", "json").json()[-1]["changes"][0]["new"]
    since = stop.split("--since ")[1].split()[0]
    rest = run("audit", "--root", comments, "--format", "json", "--since", since).json()
    assert [e["subject"] for e in rest] == ["Comment 2", "Comment 3", "Comment 4"]
    assert [c["kind"] for e in rest for c in e["changes"]] == ["none"] * 3


def test_schedule_ics_refuses_a_history_past_the_parse_budget(
    run: Callable[..., Result], comments: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opscheck import versions

    ics = ("schedule", "ics", "--root", comments, "--rotation", "data-pipelines")
    assert run(*ics).code == 0
    monkeypatch.setattr(versions, "MAX_PARSED", 0)
    result = run(*ics)
    assert (result.code, result.out) == (2, "")
    assert "Traceback" not in result.err
    assert ("schedule ics: counting reassignments (SEQUENCE) in the history of ops-data/oncall.yaml would parse more "
            "than 0 characters of its committed versions (reached at version 1); no calendar is written") in result.err
