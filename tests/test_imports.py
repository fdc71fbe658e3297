"""A command imports what it uses: one country of the holidays library, one reporter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
