"""The planner's last check runs the real rules on the rotations a plan can affect, and still
refuses a plan that adds an error there (a plan is checked, not trusted)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from opscheck import dataset, engine
from opscheck.models import Shift
from opscheck.planning.explain import Infeasible
from opscheck.planning.planner import Plan, verify
from opscheck.settings import load_policy
from test_planner_cases import LONDON, NEW_YORK, roster

D = dt.date.fromisoformat


def _rotation(rid: str, members: list[str], handoff: dict[str, str], week: str, engineer: str) -> dict[str, object]:
    return {"id": rid, "members": members, "handoff": handoff, "shifts": [{"week": week, "engineer": engineer}]}


@pytest.mark.parametrize(("engineer", "broken"), [("eng3", "ONC006"), ("eng1", "ONC001"), ("eng2", None)])
def test_a_plan_is_checked_against_the_rotations_that_share_its_people(
    tmp_path: Path, engineer: str, broken: str | None
) -> None:
    # a and b share eng3 and eng4; c shares nobody with a, so its findings cannot change
    rotations = [_rotation("a", ["eng1", "eng2", "eng3", "eng4"], NEW_YORK, "2026-01-05", "eng1"),
                 _rotation("b", ["eng3", "eng4", "eng5", "eng6"], LONDON, "2026-01-09", "eng3"),
                 _rotation("c", ["eng7", "eng8"], NEW_YORK, "2026-01-05", "eng7")]
    root = roster(tmp_path, 8, [], rotations=rotations)
    ds = dataset.load(root, D("2026-01-05"))
    policy = load_policy(root, engine.BUILTIN)
    rot = ds.rotations["a"]
    added = (Shift(week=D("2026-01-12"), engineer=engineer),)  # b's eng3 is on call from Friday 9 to 16
    extended = rot.model_copy(update={"shifts": [*rot.shifts, *added]})
    plan = Plan(rot, extended, added, (), D("2026-01-18"))
    if broken is None:
        verify(ds, policy, [plan])
        return
    with pytest.raises(Infeasible) as caught:
        verify(ds, policy, [plan])
    assert caught.value.rule == broken
    assert f"'{engineer}'" in caught.value.message

