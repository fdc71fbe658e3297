"""Reporters turn one Report into one output format; this registry feeds click and the CLI."""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

from opscheck.findings import Report
from opscheck.rules.base import Rule

# Where a reporter writes its output, a piece at a time: a long output is never held whole.
Write = Callable[[str], None]
Reporter = Callable[[Report, Sequence[Rule], Write], None]

# format -> the module under opscheck.reporters whose ``write`` writes it, imported only when used
REPORTERS: dict[str, str] = {
    "text": "text",
    "json": "json",
    "github": "github",
    "sarif": "sarif",
    "junit": "junit",
}


def reporter(fmt: str) -> Reporter:
    write: Reporter = importlib.import_module(f"opscheck.reporters.{REPORTERS[fmt]}").write
    return write


# Formats read by CI services that resolve paths against the repository root, not --root.
REPO_RELATIVE = frozenset({"github", "sarif", "junit"})


def repo_prefix(root: Path) -> str:
    """``root`` relative to its repository (the Actions workspace, else the nearest .git), or ""."""
    here = root.resolve()
    tops = [Path(os.environ["GITHUB_WORKSPACE"]).resolve()] if os.environ.get("GITHUB_WORKSPACE") else []
    tops += [d for d in (here, *here.parents) if (d / ".git").exists()][:1]
    for top in tops:
        if here == top or top in here.parents:
            rel = here.relative_to(top).as_posix()
            return "" if rel == "." else rel
    return ""


def relocate(report: Report, prefix: str) -> Report:
    """The report with every file path put under ``prefix`` (``ops-data/x`` -> ``team/ops-data/x``)."""
    if not prefix:
        return report
    moved = tuple(f._replace(file=str(PurePosixPath(prefix, f.file))) for f in report.findings)
    return dataclasses.replace(report, findings=moved, prefix=prefix)
