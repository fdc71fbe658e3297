"""A plan as text: the new weeks and overrides, and the fairness figures before and after."""

from __future__ import annotations

from opscheck.calendar import DAY
from opscheck.dataset import Dataset
from opscheck.planning.fairness import figures, text_table
from opscheck.planning.planner import Plan


def render(ds: Dataset, result: Plan) -> str:
    rot, name = result.extended, result.rotation.id
    if not result.shifts:
        last = ds.schedules[name].last_day
        done = f"already scheduled through {last}" if last else "nothing scheduled"
        return f"{name}: {done}; nothing to plan through {result.until}\n"
    first, last = result.shifts[0].week, result.shifts[-1].week
    quality = "" if result.optimal else "; the fairest plan found within --time-limit (not proven the fairest)"
    out = [f"Plan for {name}: {len(result.shifts)} weeks, {first} to {last + 6 * DAY} "
           f"(handoff {rot.handoff.weekday.capitalize()} {rot.handoff.time} {rot.handoff.timezone}){quality}",
           "", "New shifts:"]
    out += [f"  {s.week}  {s.engineer}" for s in result.shifts]
    out += ["", "New overrides:" if result.overrides else "New overrides: none"]
    out += [f"  {o.date}  {o.engineer}  {o.reason}" for o in result.overrides]
    out += ["", "Fairness before the plan (shifts / holidays per year):", *text_table(figures(ds, result.rotation))]
    out += ["", "Fairness with the plan:", *text_table(figures(ds, rot))]
    return "\n".join(out) + "\n"
