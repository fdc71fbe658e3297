"""The planner: extend rotations so that every rule holds, as fairly as possible (`schedule plan`).

problem.py reads what a plan must respect from the data; model.py states it for the CP-SAT
solver (imported only when planning); solve.py runs it and explain.py names a conflict;
planner.py checks every plan with the real rules; fairness.py, render.py and write.py show it
and write it into oncall.yaml.
"""

from __future__ import annotations

from opscheck.dataset import Dataset, lookup
from opscheck.models import Rotation

ONCALL_FILE = "ops-data/oncall.yaml"


def find_rotation(ds: Dataset, rotation_id: str) -> Rotation:
    rot: Rotation = lookup(ds, "rotations", rotation_id)
    return rot
