"""What every command's ``--help`` ends with: examples to copy, then its exit codes.

Kept apart from the commands so that ``cli.py`` stays a thin path through the code;
``document`` attaches them to every command of the group, and a test makes sure no
command is left without examples.
"""

from __future__ import annotations

import click

USAGE_ERROR = "usage or configuration error: bad flag, missing ops-data/, invalid policy or data it cannot use"

# command path -> (examples, what exit code 1 means for it, or None when it never exits 1)
HELP: dict[str, tuple[tuple[str, ...], str | None]] = {
    "validate": (
        ("opscheck validate",
         "opscheck validate --as-of 2026-11-26 --select ONC,HOL001",
         "opscheck validate --base origin/main --format github --format sarif --output opscheck.sarif",
         "opscheck validate --rev HEAD~1"),
        "error findings (with --strict, warnings too)",
    ),
    "audit": (
        ("opscheck audit --since 2026-11-01",
         "opscheck audit --path ops-data/oncall.yaml --format json"),
        None,
    ),
    "rules": (("opscheck rules", "opscheck rules --format json"), None),
    "explain": (("opscheck explain ONC001", "opscheck explain X-INVESTOR-TWO-BACKUPS"), None),
    "schema": (("opscheck schema --out schemas",), None),
    "init": (
        ("opscheck init newteam",
         "opscheck init --source https://github.com/acme/opscheck --rev v1.0.0",
         "opscheck init --source ../opscheck --rev main"),
        None,
    ),
    "schedule": (("opscheck schedule plan --rotation data-pipelines --write",
                  "opscheck schedule ics --rotation data-pipelines --out on-call.ics"), None),
    "schedule plan": (
        ("opscheck schedule plan --rotation data-pipelines",
         "opscheck schedule plan --rotation data-pipelines --until 2027-12-31 --write",
         "opscheck schedule plan --all --time-limit 20 --write"),
        "no plan keeps the rules (the rules and the weeks that conflict are named), or --time-limit ended "
        "before any plan was found",
    ),
    "schedule ics": (("opscheck schedule ics --rotation data-pipelines --engineer eng1 --out eng1.ics",), None),
    "report": (("opscheck report --out ONCALL.md", "opscheck report --check ONCALL.md"),
               "--check found the file out of date (a diff is printed)"),
    "codeowners": (("opscheck codeowners", "opscheck codeowners --write", "opscheck codeowners --check"),
                   "--check found the opscheck block of .github/CODEOWNERS missing or stale (a diff is printed)"),
    "who": (
        ("opscheck who",
         "opscheck who --at 2026-11-30T08:59-05:00 --pipeline profit-aggregate",
         "opscheck who --rotation data-pipelines"),
        "a rotation asked about has nobody on call at that moment",
    ),
}


def epilog(path: str) -> str:
    examples, fails = HELP[path]
    codes = ["  0  success", *([f"  1  {fails}"] if fails else []), f"  2  {USAGE_ERROR}"]
    # "\b" keeps click from re-wrapping the paragraph that follows it
    return "\n".join(["\b", "Examples:", *(f"  {e}" for e in examples), "", "\b", "Exit codes:", *codes])


def document(group: click.Group, prefix: str = "") -> None:
    """Give every command under ``group`` its examples and exit codes."""
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        if path in HELP:
            command.epilog = epilog(path)
        if isinstance(command, click.Group):
            document(command, f"{path} ")
