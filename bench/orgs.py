"""The organisations the benchmarks run on, built from the shared make_org.py generator.

make_org.py lives beside this repository (``../shared/bench/make_org.py``, looked for beside each
folder above it too); set $OPSCHECK_MAKE_ORG to use another copy. Every builder writes into a folder it is given.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
START = dt.date(2025, 1, 6)  # make_org's default first week; validate runs as of it
TEAM_SIZE = 6
GIT_ENV = {"GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}


def make_org_script() -> Path:
    """The generator, or exit with a message saying where it was looked for."""
    if os.environ.get("OPSCHECK_MAKE_ORG"):
        script = Path(os.environ["OPSCHECK_MAKE_ORG"])
        if not script.is_file():
            raise SystemExit(f"bench: OPSCHECK_MAKE_ORG names {script}, which is not a file")
        return script
    # beside the repository, or beside a folder holding it (a worktree kept in a subfolder)
    for folder in REPO.parents:
        script = folder / "shared" / "bench" / "make_org.py"
        if script.is_file():
            return script
    raise SystemExit(f"bench: make_org.py not found in {REPO.parent / 'shared' / 'bench'} (nor beside any folder "
                     "above it); put the shared benchmark files beside this repository or set OPSCHECK_MAKE_ORG "
                     "to the script")


def make_org(out: Path, *args: str) -> Path:
    """A make_org organisation in ``out`` (50 teams of 6, 2,000 pipelines, 1,000 runbooks by default)."""
    subprocess.run([sys.executable, str(make_org_script()), str(out), *args], check=True)
    return out


def with_time_off(org: Path, ranges: int = 40) -> Path:
    """Give every engineer ``ranges`` one-week time-off ranges, on weeks none of their pipelines'
    owners is on call (so the data stays clean and only the amount of work grows)."""
    path = org / "ops-data" / "engineers.yaml"
    out: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
        out.append(line)
        found = re.match(r"  github: t\d+-e(\d+)$", line)
        if found:
            member = int(found[1])
            out.append("  time_off:\n")
            for k in range(ranges):
                week = START + dt.timedelta(weeks=k * TEAM_SIZE + (member + 3) % TEAM_SIZE)
                out.append(f"  - {{start: '{week}', end: '{week + dt.timedelta(days=6)}', reason: leave}}\n")
    path.write_text("".join(out), encoding="utf-8")
    return org


def with_renamed_engineers(org: Path) -> Path:
    """Rename every engineer in engineers.yaml, leaving every reference to the old ids dangling
    (21,250 unknown-reference findings on the default organisation)."""
    path = org / "ops-data" / "engineers.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^- id: (t\d+)-e(\d+)$", r"- id: \1-eng\2", text, flags=re.M), encoding="utf-8")
    return org


def with_weeks(org: Path, weeks: int = 30_000, rotation: str = "team-000") -> Path:
    """Give ``rotation`` ``weeks`` weekly shifts from START on, its members in turn (30,000 weeks
    reach the year 2600: the bound `schedule ics` is held to on a large file)."""
    path = org / "ops-data" / "oncall.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f"- id: {rotation}\n")
    first = lines.index("  shifts:\n", start) + 1
    end = next((i for i in range(first, len(lines)) if not lines[i].startswith("  - week:")
                and not lines[i].startswith("    engineer:")), len(lines))
    team = rotation.removeprefix("team-")
    shifts = [f"  - week: '{START + dt.timedelta(weeks=k)}'\n    engineer: t{team}-e{k % TEAM_SIZE:02d}\n"
              for k in range(weeks)]
    path.write_text("".join(lines[:first] + shifts + lines[end:]), encoding="utf-8")
    return org


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV})
    return done.stdout


def with_history(org: Path, versions: int = 446, rotation: str = "team-000") -> Path:
    """Commit ``versions`` versions of oncall.yaml, each handing one week of ``rotation`` to the
    next member (what `schedule ics` reads to count reassignments)."""
    git(org, "init", "-q", "-b", "main")
    git(org, "add", "-A")
    git(org, "commit", "-q", "-m", "Seed the organisation", "--date", "2025-01-01T10:00:00Z")
    path = org / "ops-data" / "oncall.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = lines.index(f"- id: {rotation}\n")
    shifts = [i for i in range(start, len(lines)) if lines[i].startswith("    engineer: ")][:200]
    for n in range(1, versions):
        i = shifts[n % len(shifts)]
        team, member = re.match(r"    engineer: (t\d+)-e(\d+)", lines[i]).groups()  # type: ignore[union-attr]
        lines[i] = f"    engineer: {team}-e{(int(member) + 1) % TEAM_SIZE:02d}\n"
        path.write_text("".join(lines), encoding="utf-8")
        git(org, "commit", "-q", "-a", "-m", f"Swap a {rotation} shift", "--date", f"{1_735_725_600 + n * 3600} +0000")
    return org
