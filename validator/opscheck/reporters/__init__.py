"""Reporters turn one Report into one output format; this registry feeds click and the CLI."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from opscheck.findings import Report
from opscheck.reporters import json as json_reporter
from opscheck.reporters import text
from opscheck.rules.base import Rule

Reporter = Callable[[Report, Sequence[Rule]], str]

REPORTERS: dict[str, Reporter] = {
    "text": text.render,
    "json": json_reporter.render,
}
