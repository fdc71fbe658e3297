"""Mutations of the inputs beyond ops-data/ and policies/ that a pull request controls:
`.github/CODEOWNERS` (and the pipelines' ``code:`` globs that fill its block) and the dbt
manifest the policy names. The checks and the runs are ``fuzzing``'s.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from fuzzing import CODEOWNERS, MANIFEST, edit_node


def dbt_org(repo: Path, target: Path) -> Path:
    """The team's data claiming the test dbt project's resources, with its stored manifest, and
    CODEOWNERS and the pipelines' code: pointing at the project's files as copied here.

    The manifest loses its macros and docs, which opscheck never reads: a mutation then lands
    on what it does read far more often.
    """
    shutil.copytree(repo / "tests/cases/rules/dbt001-ok-team", target)
    shutil.copytree(repo / "tests/dbt/analytics", target / "analytics")
    manifest = json.loads((repo / "tests/dbt/manifests/dbt-1.9/manifest.json").read_text(encoding="utf-8"))
    manifest.update(macros={}, docs={})
    (target / MANIFEST).parent.mkdir(parents=True)
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    for file in (CODEOWNERS, "ops-data/pipelines.yaml"):
        text = (repo / file).read_text(encoding="utf-8") if file == CODEOWNERS else (target / file).read_text(
            encoding="utf-8")
        (target / file).parent.mkdir(parents=True, exist_ok=True)
        (target / file).write_text(text.replace("tests/dbt/analytics/", "analytics/"), encoding="utf-8")
    return target


# -- .github/CODEOWNERS and the pipelines' code: globs ---------------------------------------------

# Pieces of a pattern: wildcards, what GitHub refuses or reads differently, escapes, odd bytes.
PATTERN_PARTS = (
    "*", "**", "?", "/", "**/", "/**", "[", "]", "[a-z]", "\\", "\\ ", "!", " ", "#", ".", "..", "a", "b",
    "ops-data", "analytics", "models/", "profit", "é", "\x00", "\r", "\t", "\x0c", "\u2028", "\x85", "x" * 300,
)
OWNER_NAMES = ("@eng1", "@eng2", "@org/team", "@unknown/nobody", "@", "eng1@example.com", "#", "#x", "@" + "a" * 100,
               "\\", "@eng1\x00", "@é")
LINE_SPECIALS = ("# BEGIN opscheck", "# END opscheck", " # BEGIN opscheck ", "", "\\", "\\\\", "#", " ",
                 "* @eng1", "** @eng1", "/ @eng1", "a/" * 20_000 + " @eng1", "* " + " ".join(["@eng1"] * 5_000),
                 "*a" * 40 + "b @eng1", "/" + "**/" * 60 + "x @eng1", "a" * 200 + " @eng1")


def pattern(parts: list[int]) -> str:
    return "".join(PATTERN_PARTS[i % len(PATTERN_PARTS)] for i in parts)


def codeowners_line(parts: list[int], owners: list[int], special: int | None) -> str:
    """A CODEOWNERS line: one of LINE_SPECIALS, or a pattern built from PATTERN_PARTS and owners."""
    if special is not None:
        return LINE_SPECIALS[special % len(LINE_SPECIALS)]
    return " ".join([pattern(parts), *(OWNER_NAMES[i % len(OWNER_NAMES)] for i in owners)])


def insert_lines(root: Path, file: str, where: int, lines: list[str], crlf: bool) -> None:
    """Put ``lines`` before the ``where``-th line of ``file`` (before, inside or after the block)."""
    path = root / file
    old = path.read_bytes().decode("utf-8", "surrogateescape").split("\n") if path.is_file() else []
    at = where % (len(old) + 1)
    text = "\n".join([*old[:at], *lines, *old[at:]])
    if crlf:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode("utf-8", "surrogateescape"))


def set_code(root: Path, pick: int, patterns: list[str]) -> None:
    """Give the ``pick``-th pipeline these ``code:`` patterns."""
    path = root / "ops-data/pipelines.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    pipes = data.get("pipelines") if isinstance(data, dict) else None
    if not isinstance(pipes, list) or not pipes or not isinstance(pipes[pick % len(pipes)], dict):
        return
    pipes[pick % len(pipes)]["code"] = patterns
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1 << 20), encoding="utf-8")


# -- the dbt manifest ------------------------------------------------------------------------------


class RawJSON(str):
    """JSON text put in place as it is (deep nesting no encoder writes, numbers out of every range)."""


JSON_VALUES: tuple[Any, ...] = (
    None, True, False, 0, -1, 2**63, 2**64, -(2**63) - 1, 1.5e308, "", " ", "x" * 1_000_000, "\ud800", "\x00",
    "é" * 1000, "../../etc/passwd", "/etc/hostname", "analytics/models/exposures.yml", "model.fct_profit_daily",
    "source.raw.orders", "exposure.investor_profit", "https://schemas.getdbt.com/dbt/manifest/v12.json",
    "https://schemas.getdbt.com/dbt/manifest/v99.json", "eng2@example.com", [], {}, ["eng2@example.com", 1], [None],
    {"nodes": []}, {"email": ["a@b", None]}, [[[[]]]], {"a": {"b": {"c": {}}}},
    RawJSON("[" * 100_000 + "]" * 100_000), RawJSON('{"a":' * 5_000 + "1" + "}" * 5_000), RawJSON("1e999"),
    RawJSON("-0"), RawJSON("123456789012345678901234567890"), RawJSON("NaN"), RawJSON('"\\udc00"'),
)


def mutate_json(root: Path, file: str, pick: int, value: Any, action: str) -> None:
    """``mutate_value`` for a JSON file; a RawJSON value is written into the text unchanged."""
    path = root / file
    data = edit_node(json.loads(path.read_text(encoding="utf-8")), pick, value, action)
    raws: list[str] = []

    def placeholder(obj: Any) -> Any:
        if isinstance(obj, RawJSON):
            raws.append(str(obj))
            return f"\x00raw{len(raws) - 1}\x00"
        raise TypeError(type(obj))

    marked = _mark_raw(data, placeholder)
    text = json.dumps(marked, indent=1)
    for i, raw in enumerate(raws):
        text = text.replace(json.dumps(f"\x00raw{i}\x00"), raw)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")


def _mark_raw(data: Any, mark: Callable[[Any], Any]) -> Any:
    if isinstance(data, RawJSON):
        return mark(data)
    if isinstance(data, dict):
        return {k: _mark_raw(v, mark) for k, v in data.items()}
    if isinstance(data, list):
        return [_mark_raw(v, mark) for v in data]
    return data


# what the policy's sources.dbt may say: paths outside, into folders, through other files, odd names
MANIFEST_PATHS = (MANIFEST, "analytics/target", "analytics/target/", "nowhere/manifest.json", "/etc/hostname",
                  "../manifest.json", "analytics/../../manifest.json", CODEOWNERS, "ops-data/pipelines.yaml",
                  "a\x00b.json", "x" * 2000, f"{MANIFEST}/x", "é.json", "~/manifest.json", ".", "", 7, None,
                  "analytics\\target\\manifest.json", "/dev/zero", "analytics//target/./manifest.json")
PROJECT_DIRS = (None, ".", "analytics", "..", "/", "analytics/models", "nowhere", "/etc", "a\x00b", "x" * 2000, "")


def write_dbt_source(root: Path, manifest: Any, project: Any) -> None:
    """Point the policy's ``sources.dbt`` at ``manifest`` (and ``project``), the rest of the policy kept."""
    path = root / "policies/opscheck.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    source = {"manifest": manifest} if project is None else {"manifest": manifest, "project": project}
    data["sources"] = {"dbt": source}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
