"""A command imports what it uses: one country of the holidays library, one reporter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

PROBE = """
import sys
from opscheck.cli import main
code = main(sys.argv[1:])
print(sorted(m for m in sys.modules if m.startswith(("holidays.countries", "opscheck.reporters."))))
"""


def test_validate_imports_one_country_module_and_one_reporter(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "validate", "--root", str(REPO), "--as-of", "2026-11-26",
         "--format", "json", "--output", str(out)],
        capture_output=True, text=True, check=True,
    )
    assert done.stdout.strip() == "['holidays.countries.united_states', 'opscheck.reporters.json']"
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["files"] > 0


SOLVER_PROBE = """
import sys
from opscheck.cli import main
code = main(sys.argv[1:])
print(code, any(m.startswith("ortools") for m in sys.modules))
"""


@pytest.mark.parametrize(("until", "solver"), [(None, False), ("2028-03-01", True)])
def test_schedule_plan_loads_the_solver_only_for_weeks_to_fill(until: str | None, solver: bool) -> None:
    # this repository's rotation is published through 2028-01-02: the default horizon needs nothing new
    done = subprocess.run(
        [sys.executable, "-c", SOLVER_PROBE, "schedule", "plan", "--root", str(REPO), "--rotation", "data-pipelines",
         "--as-of", "2026-11-26", *(["--until", until] if until else [])],
        capture_output=True, text=True, check=True,
    )
    assert done.stdout.splitlines()[-1] == f"0 {solver}"


def test_validate_leaves_out_the_markdown_parser_and_the_manifest_reader_it_does_not_need(tmp_path: Path) -> None:
    # this repository's runbooks are headings, text and lists; its policy names no dbt manifest
    probe = PROBE.replace('m.startswith(("holidays.countries", "opscheck.reporters."))',
                          'm.split(".")[0] in ("markdown_it", "msgspec") or m == "opscheck.integrations.dbt"')
    done = subprocess.run(
        [sys.executable, "-c", probe, "validate", "--root", str(REPO), "--as-of", "2026-11-26",
         "--format", "json", "--output", str(tmp_path / "out.json")],
        capture_output=True, text=True, check=True,
    )
    assert done.stdout.strip() == "[]"
