"""Hostile inputs: each file a pull request controls, grown to the 10 MiB file limit.

    python bench/hostile.py OUT [NAME ...]

Each input is a repository of its own in ``OUT/NAME``: this repository's organisation (the
small seed under ops-data/ and policies/), committed, then one file replaced by a 10 MiB
version and committed again (so `audit` reads a last commit that adds it). Every file comes
clean and ``-bad``: the same size with a mistake in every entry, so every entry is a finding.
Two inputs are at a limit of their own, with ``-bad`` the same grown to 10 MiB and refused
with one finding: ``runbook-markdown``, a runbook body of the Markdown its parser reads slowest
(a nested list every 8 bytes) at the parser's 256 KiB limit, and ``list-entries``, a
``pipelines.yaml`` of empty entries (four schema problems each, the costliest entry found) at
the limit on list entries in a file. Two inputs are two files each, at the planner's limit of
choices a run (``-bad``: 99,000 entries, refused): ``plan-members``, a rotation with weeks to plan
of as many engineers as fit, and ``plan-holidays``, the team's five with company days, 13 a day.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from orgs import REPO, git

from opscheck.compose import MAX_LIST_ENTRIES
from opscheck.outline import MAX_PARSED_BYTES
from opscheck.planning.problem import MAX_CHOICES

LIMIT = 10 * 1024 * 1024
ROTATION = "data-pipelines"  # the seed's rotation, the one the commands are pointed at
MEMBERS = ("eng1", "eng2", "eng3", "eng4", "eng5")
HANDOFF = '  handoff: {weekday: monday, time: "09:00", timezone: America/New_York}\n'
FIRST_MONDAY = dt.date(1901, 1, 7)
AS_OF = "2026-11-26"
AS_OF_WEEK = dt.date(2026, 11, 23)  # its handoff Monday: the plan inputs are published through it
SECONDS, MIB = 10.0, 500  # the bound on every command for any input up to the file limit (SPEC)


def filled(head: str, entries: Iterator[str], limit: int = LIMIT - 4096) -> str:
    """``head`` then entries until the next would pass ``limit`` bytes (all ASCII)."""
    out, size = [head], len(head)
    for entry in entries:
        if size + len(entry) > limit:
            break
        out.append(entry)
        size += len(entry)
    return "".join(out)


def counted(start: int = 0) -> Iterator[int]:
    n = start
    while True:
        yield n
        n += 1


def engineers(bad: bool) -> str:
    key = "githb" if bad else "github"
    seed = "".join(f"- id: {e}\n  name: Eng {e[3:]}\n" for e in MEMBERS)
    return filled("engineers:\n" + seed, (
        f"- id: x{n}\n  name: Engineer {n}\n  {key}: x{n}\n  time_off:\n"
        f"  - {{start: 2031-0{1 + n % 9}-0{1 + n % 7}, end: 2031-0{1 + n % 9}-1{n % 7}, reason: leave}}\n"
        for n in counted()))


def week(n: int) -> dt.date:
    return FIRST_MONDAY + dt.timedelta(weeks=n)


def oncall_head(extra: str = "") -> str:
    return (f"rotations:\n- id: {ROTATION}\n  members: [{', '.join(MEMBERS)}]\n{HANDOFF}{extra}")


def weeks(bad: bool) -> str:
    key = "enginer" if bad else "engineer"
    return filled(oncall_head("  shifts:\n"), (f"  - {{week: {week(n)}, {key}: {MEMBERS[n % 5]}}}\n"
                                               for n in range(380_000)))


def rotations(bad: bool) -> str:
    key = "membrs" if bad else "members"
    return filled(oncall_head("  shifts:\n  - {week: 2026-11-23, engineer: eng1}\n"), (
        f"- id: r{n}\n  {key}: [{', '.join(MEMBERS)}]\n{HANDOFF}  shifts:\n"
        + "".join(f"  - {{week: {week(n % 5000 + 6500 + k)}, engineer: {MEMBERS[(n + k) % 5]}}}\n" for k in range(3))
        for n in counted()))


def overrides(bad: bool) -> str:
    key = "enginer" if bad else "engineer"
    day = dt.date(1901, 1, 1)
    head = oncall_head(f"  shifts:\n  - {{week: {FIRST_MONDAY}, engineer: eng1}}\n  overrides:\n")
    return filled(head, (f"  - {{date: {day + dt.timedelta(days=n)}, {key}: {MEMBERS[n % 5]}, reason: swap}}\n"
                         for n in range(2_000_000)))


def pipelines(bad: bool) -> str:
    key = "ownrs" if bad else "owners"
    return filled("pipelines:\n", (
        f"- id: p{n}\n  name: Pipeline {n}\n  area: Area {n % 50}\n  audience: [internal]\n"
        f"  rotation: {ROTATION}\n  {key}:\n    primary: {MEMBERS[n % 5]}\n    secondary: [{MEMBERS[(n + 1) % 5]}]\n"
        f"  code: [\"models/p{n}/**\"]\n"
        for n in counted()))


def holidays(bad: bool) -> str:
    key = "dat" if bad else "date"
    day = dt.date(1901, 1, 1)
    return filled("calendar: US\ndates: actual\nobserve: [New Year's Day, Christmas Day]\nextra:\n", (
        f"- {{name: Company day {n}, {key}: {day + dt.timedelta(days=n)}}}\n" for n in range(2_000_000)))


def policy(bad: bool) -> str:
    expires = "2020-01-31" if bad else "2099-01-31"
    return filled("rules:\n  OWN005: {max_primary: 3}\nwaivers:\n", (
        f"- {{rule: RUN005, subject: pipeline-{n}, reason: rewrite tracked in DATA-{n}, expires: {expires}}}\n"
        for n in counted()))


def custom_rule(bad: bool) -> str:
    """One custom rule whose schema is 10 MiB of alternatives, each an RE2 pattern."""
    pattern = "^z{n}[a-" if bad else "^z{n}[a-z]*$"
    return filled("id: X-BIG\nsummary: a large rule\nseverity: error\ntarget: pipelines\nmessage: \"{id} matched\"\n"
                  "schema:\n  properties:\n    id:\n      not:\n        anyOf:\n",
                  (f"        - {{pattern: '{pattern.format(n=n)}'}}\n" for n in counted()))


def runbook_front(bad: bool) -> str:
    key = "detecton" if bad else "detection"
    return filled("---\npipeline: profit-aggregate\nlast_reviewed: 2026-10-05\nfailure_modes:\n", (
        f"  - id: mode-{n}\n    category: {('upstream', 'downstream')[n % 2]}\n    title: Failure {n}\n"
        f"    {key}: check {n} fails\n    impact: figure {n} is stale\n"
        for n in counted()), LIMIT - 8192) + "---\n# Runbook\n## Overview\n## Dependencies\n## Failure modes\n" \
        "## Escalation\n"


def runbook_body(bad: bool) -> str:
    seed = (REPO / "ops-data" / "runbooks" / "profit-aggregate.md").read_text(encoding="utf-8")
    target = "missing" if bad else "profit-aggregate.md"
    return filled(seed, (f"\n## Section {n}\n\nSee [step {n}](./{target}-{n}.md) and `code {n}` *here*.\n"
                         if bad else f"\n## Section {n}\n\nSee [step {n}](./{target}) and `code {n}` *here*.\n"
                         for n in counted()))


def runbook_markdown(bad: bool) -> str:
    seed = (REPO / "ops-data" / "runbooks" / "profit-aggregate.md").read_text(encoding="utf-8")
    head = seed.index("\n---\n", 4) + len("\n---\n")  # the front matter, then the body the limit counts
    return filled(seed, ("- - - a\n" for _ in counted()), LIMIT - 4096 if bad else head + MAX_PARSED_BYTES)


def entry_problems(bad: bool) -> str:
    """Engineers with 26 unknown keys each: 1.3 million schema problems in 10 MiB (-bad: the keys
    are misspellings of real ones, so each is compared with the missing keys it may misspell)."""
    keys = ", ".join(f"{'emial' if bad else 'x'}{n}: 1" for n in range(26))
    return filled("engineers:\n", (f"- {{id: e{n}, name: x, {keys}}}\n" for n in counted()))


def list_entries(bad: bool) -> str:
    entries = "- {}\n" * MAX_LIST_ENTRIES
    return filled("pipelines:\n" + entries, ("- {}\n" for _ in counted())) if bad else "pipelines:\n" + entries


def plan_members(bad: bool) -> dict[str, str]:
    """A rotation with weeks to plan whose members fill the planner's limit: 26 new weeks and two
    holidays each (-bad: 99,000 members, refused)."""
    ids = [f"e{n}" for n in range(99_000 if bad else MAX_CHOICES // 28)]
    return {"ops-data/engineers.yaml": "engineers:\n" + "".join(f"- {{id: {e}, name: {e}}}\n" for e in ids),
            "ops-data/oncall.yaml": (f"rotations:\n- id: {ROTATION}\n  members: [{', '.join(ids)}]\n{HANDOFF}"
                                     f"  shifts:\n  - {{week: {AS_OF_WEEK}, engineer: e0}}\n")}


def plan_holidays(bad: bool) -> dict[str, str]:
    """The team's five with weeks to plan and company days filling the planner's limit: 26 new
    weeks, two public holidays and 2,372 extra days, 13 a day (-bad: 99,000, 550 a day, refused)."""
    first, count = AS_OF_WEEK + dt.timedelta(weeks=1), 99_000 if bad else MAX_CHOICES // 5 - 28
    days = ((first + dt.timedelta(days=1 + n // (550 if bad else 13)), n) for n in range(count))
    head = "calendar: US\nobserve: [Thanksgiving Day, Christmas Day, New Year's Day]\nextra:\n"
    return {"ops-data/holidays.yaml": head + "".join(f"- {{name: Company day {n}, date: {d}}}\n" for d, n in days),
            "ops-data/oncall.yaml": oncall_head(f"  shifts:\n  - {{week: {AS_OF_WEEK}, engineer: eng1}}\n")}


Writer = Callable[[bool], "str | dict[str, str]"]
FILES: dict[str, tuple[str, Writer]] = {
    "engineers": ("ops-data/engineers.yaml", engineers),
    "weeks": ("ops-data/oncall.yaml", weeks),
    "rotations": ("ops-data/oncall.yaml", rotations),
    "overrides": ("ops-data/oncall.yaml", overrides),
    "pipelines": ("ops-data/pipelines.yaml", pipelines),
    "holidays": ("ops-data/holidays.yaml", holidays),
    "policy": ("policies/opscheck.yaml", policy),
    "custom": ("policies/rules/big.yaml", custom_rule),
    "runbook-front": ("ops-data/runbooks/profit-aggregate.md", runbook_front),
    "runbook-body": ("ops-data/runbooks/profit-aggregate.md", runbook_body),
    "runbook-markdown": ("ops-data/runbooks/profit-aggregate.md", runbook_markdown),
    "list-entries": ("ops-data/pipelines.yaml", list_entries),
    "entry-problems": ("ops-data/engineers.yaml", entry_problems),
    "plan-members": ("ops-data/oncall.yaml", plan_members),
    "plan-holidays": ("ops-data/holidays.yaml", plan_holidays),
}
NAMES = tuple(f"{name}{suffix}" for name in FILES for suffix in ("", "-bad"))


def build(out: Path, name: str) -> Path:
    """The repository ``out``: the seed organisation, then ``name``'s 10 MiB file (kept if built)."""
    if (out / ".git").is_dir():
        return out
    path, writer = FILES[name.removesuffix("-bad")]
    for folder in ("ops-data", "policies"):
        shutil.copytree(REPO / folder, out / folder)
    git(out, "init", "-q", "-b", "main")
    git(out, "add", "-A")
    git(out, "commit", "-q", "-m", "Seed the organisation", "--date", "2026-11-01T10:00:00Z")
    written = writer(name.endswith("-bad"))
    for file, text in (written.items() if isinstance(written, dict) else [(path, written)]):
        target = out / file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    git(out, "add", "-A")
    git(out, "commit", "-q", "-m", f"Grow {path} to a limit", "--date", "2026-11-02T10:00:00Z")
    return out


def commands(opscheck: str, repo: Path) -> dict[str, list[str]]:
    """Every command a user runs on a repository, by a short name (as of the seed's dates)."""
    root = ["--root", str(repo)]
    validate = [opscheck, "validate", *root, "--as-of", AS_OF, "--output", os.devnull, "--format"]
    found = {f"validate {fmt}": [*validate, fmt] for fmt in ("text", "json", "sarif", "junit", "github")}
    found.update({
        "report": [opscheck, "report", *root],
        "who --at": [opscheck, "who", *root, "--at", f"{AS_OF}T10:00Z"],
        "ics --rotation": [opscheck, "schedule", "ics", *root, "--rotation", ROTATION],
        "ics --engineer": [opscheck, "schedule", "ics", *root, "--rotation", ROTATION, "--engineer", "eng1"],
        "plan": [opscheck, "schedule", "plan", *root, "--rotation", ROTATION, "--as-of", AS_OF],
        "codeowners": [opscheck, "codeowners", *root],
        "audit": [opscheck, "audit", *root, "--format", "json"],
    })
    return found


def main(argv: list[str]) -> int:
    if not argv:
        raise SystemExit(__doc__)
    out = Path(argv[0])
    for name in argv[1:] or NAMES:
        if name not in NAMES:
            raise SystemExit(f"hostile: unknown input {name}; known: {', '.join(NAMES)}")
        build(out / name, name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
