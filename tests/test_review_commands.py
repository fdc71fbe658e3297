"""Edge cases of the commands beyond validate: who, schedule plan and --write, --base."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result
from gitrepo import commit, git, init

ONCALL = "ops-data/oncall.yaml"
HEAD = """rotations:
  - id: data-pipelines
    members: [alex, blair, casey]
"""


@pytest.fixture
def starter(run: Callable[..., Result], tmp_path: Path) -> Path:
    """The `opscheck init` starter, its schedule beginning the week of 2026-02-23."""
    assert run("init", tmp_path, "--as-of", "2026-03-01").code == 0
    return tmp_path


def _oncall(root: Path, text: str) -> None:
    (root / ONCALL).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("at", ["0001-01-01T00:00Z", "0001-01-01T00:00+01:00", "9999-12-31T23:30-05:00"])
def test_who_at_the_ends_of_the_calendar_is_a_usage_error(
    run: Callable[..., Result], starter: Path, at: str
) -> None:
    result = run("who", "--root", starter, "--at", at)
    assert result.code == 2
    assert "--at" in result.err and "Traceback" not in result.err


# A Sunday handoff on the nights the clocks change: 01:30 happens twice on 2026-11-01 (the
# shift changes hands at the first), and 02:30 never happens on 2026-03-08 (RFC 5545 reads the
# calendar's DTSTART 02:30 as 03:30 EDT, and `who` agrees).
FALL = ("01:30", "2026-10-25", "2026-11-01")
SPRING = ("02:30", "2026-03-01", "2026-03-08")


@pytest.mark.parametrize(("night", "at", "engineer"), [
    (FALL, "2026-11-01T05:29Z", "Alex"),  # 01:29 EDT, before the handoff
    (FALL, "2026-11-01T05:30Z", "Blair"),  # 01:30 EDT, the handoff
    (FALL, "2026-11-01T06:10Z", "Blair"),  # 01:10 EST, the clock went back: still after the handoff
    (FALL, "2026-11-01T06:40Z", "Blair"),
    (SPRING, "2026-03-08T07:29Z", "Alex"),  # 03:29 EDT
    (SPRING, "2026-03-08T07:30Z", "Blair"),  # 03:30 EDT
])
def test_who_across_a_clock_change(
    run: Callable[..., Result], starter: Path, night: tuple[str, str, str], at: str, engineer: str
) -> None:
    time, first, second = night
    _oncall(starter, HEAD + f"""    handoff: {{weekday: sunday, time: "{time}", timezone: America/New_York}}
    shifts:
      - {{week: {first}, engineer: alex}}
      - {{week: {second}, engineer: blair}}
""")
    result = run("who", "--root", starter, "--at", at)
    assert result.code == 0, result.err
    assert f"  data-pipelines: {engineer} (" in result.out


def test_plan_with_nothing_scheduled_and_nothing_to_plan(run: Callable[..., Result], starter: Path) -> None:
    _oncall(starter, HEAD + '    handoff: {weekday: monday, time: "09:00", timezone: America/New_York}\n')
    result = run("schedule", "plan", "--rotation", "data-pipelines", "--root", starter,
                 "--as-of", "2026-03-01", "--until", "2026-02-01")
    assert result.code == 0
    assert "None" not in result.out
    assert result.out == "data-pipelines: nothing scheduled; nothing to plan through 2026-02-01\n"


def _plan_write(run: Callable[..., Result], root: Path) -> Result:
    return run("schedule", "plan", "--rotation", "data-pipelines", "--root", root,
               "--as-of", "2026-03-01", "--until", "2026-03-20", "--write")


SHORT = HEAD + """    handoff: {weekday: monday, time: "09:00", timezone: America/New_York}
    shifts:
      - {week: 2026-02-23, engineer: alex}
      - {week: 2026-03-02, engineer: blair}
"""
ADDED = """      - {week: 2026-03-09, engineer: casey}
      - {week: 2026-03-16, engineer: alex}
"""


def test_write_keeps_windows_line_ends(run: Callable[..., Result], starter: Path) -> None:
    (starter / ONCALL).write_bytes(SHORT.replace("\n", "\r\n").encode())
    assert _plan_write(run, starter).code == 0
    assert (starter / ONCALL).read_bytes() == (SHORT + ADDED).replace("\n", "\r\n").encode()


def test_write_keeps_a_byte_order_mark(run: Callable[..., Result], starter: Path) -> None:
    (starter / ONCALL).write_bytes(b"\xef\xbb\xbf" + SHORT.encode())
    result = _plan_write(run, starter)
    assert result.code == 0, result.err
    assert (starter / ONCALL).read_bytes() == b"\xef\xbb\xbf" + (SHORT + ADDED).encode()


def test_write_into_a_file_written_all_in_flow_style(run: Callable[..., Result], starter: Path) -> None:
    _oncall(starter, 'rotations: [{id: data-pipelines, members: [alex, blair, casey], handoff: {weekday: monday, '
                     'time: "09:00", timezone: America/New_York}, shifts: [{week: 2026-02-23, engineer: alex}]}]\n')
    result = _plan_write(run, starter)
    assert result.code == 0, result.err
    assert (starter / ONCALL).read_text(encoding="utf-8").endswith(
        "shifts: [{week: 2026-02-23, engineer: alex}, {week: 2026-03-02, engineer: blair}, "
        "{week: 2026-03-09, engineer: casey}, {week: 2026-03-16, engineer: alex}]}]\n")
    assert run("validate", "--root", starter, "--as-of", "2026-03-01", "--ignore", "ONC003").code == 0


def test_base_does_not_call_a_rotation_invalid_here_removed(run: Callable[..., Result], starter: Path) -> None:
    init(starter)
    commit(starter, "Seed", "2026-02-20T10:00:00+00:00")
    git(starter, "checkout", "-q", "-b", "pr")
    text = (starter / ONCALL).read_text(encoding="utf-8")
    _oncall(starter, text.replace("weekday: monday", "weekday: mondy"))
    result = run("validate", "--root", starter, "--as-of", "2026-03-05", "--base", "main", "--format", "json")
    assert [f["rule"] for f in result.json()["findings"]] == ["OPS002"]
