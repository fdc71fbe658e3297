"""`opscheck schedule plan`: fair extensions that keep every rule, written without touching the rest."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import AS_OF, REPO, Result
from opscheck import dataset, engine
from opscheck.cli import main
from opscheck.planning import planner, write
from opscheck.planning.explain import Infeasible
from opscheck.planning.fairness import balance_score
from opscheck.planning.write import round_trip
from opscheck.settings import load_policy

ONCALL = "ops-data/oncall.yaml"
GIT = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]


def git(root: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_DATE": "2026-11-20T10:00:00+00:00", "GIT_COMMITTER_DATE": "2026-11-20T10:00:00+00:00",
           "PATH": "/usr/bin:/bin", "HOME": str(root)}
    done = subprocess.run([*GIT, *args], cwd=root, env=env, check=True, capture_output=True, text=True)
    return done.stdout


def committed(team: Path) -> Path:
    git(team, "init", "-q", "-b", "main")
    git(team, "add", ".")
    git(team, "commit", "-q", "-m", "team data")
    return team


def test_team_file_round_trips_byte_for_byte() -> None:
    import io

    text = (REPO / ONCALL).read_text(encoding="utf-8")
    yaml_rt = round_trip(text)
    out = io.StringIO()
    yaml_rt.dump(yaml_rt.load(text), out)
    assert out.getvalue() == text


def test_plan_write_adds_lines_only_and_still_validates(run: Callable[..., Result], team: Path) -> None:
    root = committed(team)
    before = (root / ONCALL).read_text(encoding="utf-8")
    result = run("schedule", "plan", "--rotation", "data-pipelines", "--until", "2028-12-25", "--write",
                 "--as-of", AS_OF, "--root", root)
    assert result.code == 0, result.err
    assert "wrote 52 shifts" in result.out
    after = (root / ONCALL).read_text(encoding="utf-8")
    assert [ln for ln in before.splitlines() if ln.lstrip().startswith("#")] == \
        [ln for ln in after.splitlines() if ln.lstrip().startswith("#")]
    diff = git(root, "diff", "-U0", "--", ONCALL).splitlines()
    changed = [ln for ln in diff if ln[:1] in "+-" and not ln.startswith(("+++", "---"))]
    assert changed and all(ln.startswith("+") for ln in changed)
    assert "      - {week: 2028-01-03, engineer: eng3}" in after
    thanksgiving = ('      - {date: 2028-11-23, engineer: eng1, reason: "Thanksgiving Day 2028 per the holiday '
                    'rotation"}')
    assert thanksgiving in after
    check = run("validate", "--root", root, "--as-of", AS_OF, "--format", "json", "--strict")
    assert check.code == 0, check.out
    again = run("schedule", "plan", "--rotation", "data-pipelines", "--until", "2028-12-25", "--as-of", AS_OF,
                "--root", root)
    assert again.code == 0 and "already scheduled through 2028-12-31" in again.out


def test_plan_prints_weeks_overrides_and_fairness(run: Callable[..., Result]) -> None:
    result = run("schedule", "plan", "--rotation", "data-pipelines", "--until", "2028-12-25", "--as-of", AS_OF,
                 "--root", REPO)
    assert result.code == 0
    assert "Plan for data-pipelines: 52 weeks, 2028-01-03 to 2028-12-31" in result.out
    assert "  2028-11-23  eng1  Thanksgiving Day 2028 per the holiday rotation" in result.out
    after = result.out.split("Fairness with the plan:")[1]
    eng3 = ("  eng3                 0 / 0       11 / 1       10 / 1       10 / 1       11 / 1       42 / 4"
            "           5 wk")
    assert eng3 in after
    assert "  Balance score  0.60 / 1.00  0.95 / 1.00  0.95 / 1.00  0.95 / 1.00  0.95 / 1.00  0.99 / 1.00" in after
    assert result.out == run("schedule", "plan", "--rotation", "data-pipelines", "--until", "2028-12-25",
                             "--as-of", AS_OF, "--root", REPO).out


@pytest.mark.parametrize(("as_of", "expect"), [
    (AS_OF, "already scheduled through 2028-01-02; nothing to plan through 2027-05-27"),
    ("2027-10-01", "Plan for data-pipelines: 13 weeks, 2028-01-03 to 2028-04-02"),
])
def test_default_horizon(run: Callable[..., Result], as_of: str, expect: str) -> None:
    result = run("schedule", "plan", "--rotation", "data-pipelines", "--as-of", as_of, "--root", REPO)
    assert result.code == 0 and expect in result.out


def _edit(root: Path, file: str, change: Callable[[Any], None]) -> None:
    path = root / "ops-data" / file
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def _all_off(start: str, end: str) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        for eng in data["engineers"]:
            eng.setdefault("time_off", []).append({"start": start, "end": end, "reason": "offsite"})
    return change


def _members(*ids: str) -> Callable[[Any], None]:
    def change(data: Any) -> None:
        data["rotations"][0]["members"] = list(ids)
    return change


@pytest.mark.parametrize(("file", "change", "message"), [
    ("engineers.yaml", _all_off("2028-03-07", "2028-03-08"),
     "no plan: ONC004 blocks the week of 2028-03-06: nobody can take it: eng1, eng2, eng3, eng4, eng5 on time off"),
    ("oncall.yaml", _members("eng1", "eng2"),
     "no plan: ONC001 blocks the week of 2028-01-03: no schedule of 'data-pipelines' keeps these together: "
     "ONC001 min_gap_weeks 2 (after the published weeks 2027-12-20 eng1, 2027-12-27 eng2)"),
])
def test_infeasible_names_week_and_rule_and_writes_nothing(
    run: Callable[..., Result], team: Path, file: str, change: Callable[[Any], None], message: str
) -> None:
    _edit(team, file, change)
    policy = team / "policies" / "opscheck.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace("min_gap_weeks: 1", "min_gap_weeks: 2"),
                      encoding="utf-8")
    before = (team / ONCALL).read_text(encoding="utf-8")
    result = run("schedule", "plan", "--rotation", "data-pipelines", "--until", "2028-06-26", "--write",
                 "--as-of", AS_OF, "--root", team)
    assert result.code == 1
    assert message in result.err
    assert (team / ONCALL).read_text(encoding="utf-8") == before


def test_inactive_member_is_left_out_from_the_next_week(run: Callable[..., Result], team: Path) -> None:
    def leave(data: Any) -> None:
        data["engineers"][4]["active"] = False
    _edit(team, "engineers.yaml", leave)
    result = run("schedule", "plan", "--rotation", "data-pipelines", "--until", "2028-12-25", "--as-of", AS_OF,
                 "--root", team)
    assert result.code == 0, result.err
    new = result.out.split("New shifts:")[1].split("New overrides")[0]
    assert "eng5" not in new and new.count("eng1") == 13


def test_unknown_rotation_is_a_usage_error(run: Callable[..., Result]) -> None:
    result = run("schedule", "plan", "--rotation", "data-pipeline", "--as-of", AS_OF, "--root", REPO)
    assert result.code == 2
    assert "no rotation 'data-pipeline'" in result.err and "did you mean 'data-pipelines'" in result.err


@pytest.mark.parametrize(("loads", "score"), [({"a": 2, "b": 2}, 1.0), ({"a": 1, "b": 2, "c": 2}, 2 / 3),
                                              ({"a": 0, "b": 0}, 1.0), ({"a": 0, "b": 4}, 0.0)])
def test_balance_score(loads: dict[str, int], score: float) -> None:
    assert balance_score(list(loads.values())) == pytest.approx(score)


@given(st.lists(st.integers(0, 60), max_size=40))
def test_balance_score_is_the_mean_over_every_pair(counts: list[int]) -> None:
    from itertools import combinations

    pairs = [1.0 if max(a, b) == 0 else min(a, b) / max(a, b) for a, b in combinations(counts, 2)]
    assert balance_score(counts) == pytest.approx(sum(pairs) / len(pairs) if pairs else 1.0)


# -- property: a plan whenever one exists, and every plan validates -------------------------------

START = dt.date(2025, 12, 29)  # a Monday: the published prefix covers New Year 2026, so 2026 can be whole
NODES = 50_000  # the brute force gives up (and the example is skipped) beyond this many states


@st.composite
def rosters(draw: st.DrawFn) -> dict[str, Any]:
    size = draw(st.integers(2, 6))
    prefix = draw(st.integers(0, 4))
    as_of = START + dt.timedelta(weeks=prefix)
    horizon = draw(st.integers(8, 56))
    offs = []
    for _ in range(size):
        ranges = []
        for _ in range(draw(st.integers(0, 3))):
            first = as_of + dt.timedelta(days=draw(st.integers(0, horizon * 7)))
            ranges.append((first, first + dt.timedelta(days=draw(st.integers(0, 30)))))
        offs.append(ranges)
    return {"size": size, "prefix": prefix, "as_of": as_of, "until": as_of + dt.timedelta(weeks=horizon),
            "offs": offs}


def write_roster(root: Path, r: dict[str, Any]) -> None:
    shutil.copytree(REPO / "policies", root / "policies")
    data = root / "ops-data"
    data.mkdir()
    members = [f"e{i:02d}" for i in range(r["size"])]
    engineers = [{"id": m, "name": m.upper(), "time_off": [{"start": a, "end": b} for a, b in offs]}
                 for m, offs in zip(members, r["offs"], strict=True)]
    shifts = [{"week": START + dt.timedelta(weeks=w), "engineer": members[w % len(members)]}
              for w in range(r["prefix"])]
    rotation = {"id": "team", "members": members,
                "handoff": {"weekday": "monday", "time": "09:00", "timezone": "America/New_York"}, "shifts": shifts}
    for name, body in (("engineers.yaml", {"engineers": engineers}), ("oncall.yaml", {"rotations": [rotation]}),
                       ("pipelines.yaml", {"pipelines": []}), ("holidays.yaml", {"calendar": "US", "observe": []})):
        (data / name).write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")


def free_members(ds: dataset.Dataset, week: dt.date) -> list[str]:
    return [m for m in ds.rotations["team"].members
            if not any(ds.engineer_off(m, week + dt.timedelta(days=d)) for d in range(7))]


def witness(ds: dataset.Dataset, until: dt.date) -> bool | None:
    """Brute force: weeks one by one, no two in a row, nobody off, 2026's counts within 1 when it is whole.

    True or False when the search is complete, None when it gave up.
    """
    rot = ds.rotations["team"]
    previous = max(rot.shifts, key=lambda s: s.week) if rot.shifts else None
    first = previous.week + dt.timedelta(weeks=1) if previous else ds.as_of
    weeks = [first + dt.timedelta(weeks=i) for i in range((until - first).days // 7 + 1)]
    free = [free_members(ds, w) for w in weeks]
    members = list(rot.members)
    whole = weeks[-1] + dt.timedelta(days=6) >= dt.date(2026, 12, 31)
    in_year = [w.year == 2026 for w in weeks]
    left = [sum(in_year[i:]) for i in range(len(weeks) + 1)]
    dead: set[tuple[int, str | None, tuple[int, ...]]] = set()
    nodes = [0]

    def fill(i: int, before: str | None, counts: tuple[int, ...]) -> bool | None:
        if whole and max(counts) - min(counts) > 1 + left[i]:
            return False
        if i == len(weeks):
            return not whole or max(counts) - min(counts) <= 1
        if (i, before, counts) in dead:
            return False
        nodes[0] += 1
        if nodes[0] > NODES:
            return None
        for m in sorted(set(free[i]) - {before}, key=lambda m: counts[members.index(m)]):
            k = members.index(m)
            found = fill(i + 1, m, (*counts[:k], counts[k] + in_year[i], *counts[k + 1:]))
            if found is not False:
                return found
        dead.add((i, before, counts))
        return False

    return fill(0, previous.engineer if previous else None, tuple(0 for _ in members))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rosters())
def test_a_plan_whenever_one_exists_and_every_plan_validates(r: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_roster(root, r)
        ds = dataset.load(root, r["as_of"])
        exists = witness(ds, r["until"])
        try:
            plans = planner.plan(ds, load_policy(root, engine.BUILTIN), ["team"], r["until"], time_limit=2)
        except Infeasible as exc:
            assert exists is not True, f"a plan exists, but: {exc}"
            return
        assert exists is not False
        write.write(root, plans)
        code = main(["validate", "--root", str(root), "--as-of", str(r["as_of"]),
                     "--select", "ONC001,ONC002,ONC004,ONC005,ONC006,HOL", "--format", "json"])
        assert code == 0


def test_write_refuses_an_oncall_file_that_leaves_the_repository(
        team: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    from opscheck.errors import ConfigError

    outside = tmp_path_factory.mktemp("elsewhere") / "oncall.yaml"
    before = (team / "ops-data/oncall.yaml").read_bytes()
    outside.write_bytes(before)
    (team / "ops-data/oncall.yaml").unlink()
    (team / "ops-data/oncall.yaml").symlink_to(outside)
    with pytest.raises(ConfigError):
        write.write(team, [])
    assert outside.read_bytes() == before
