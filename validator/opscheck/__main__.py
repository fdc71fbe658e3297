from __future__ import annotations

from opscheck.cli import run

run()
