"""What a schema error says about the file: pydantic's errors worded in the terms of YAML, with marks."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

from opscheck.models import CUSTOM_RULE_ID_PATTERN, EMAIL_PATTERN, ID_PATTERN, TIME_PATTERN, fields_at
from opscheck.source import DocPath, Document, Problem
from opscheck.suggest import did_you_mean


def explain(doc: Document, model: type[BaseModel], path: DocPath, err: Any) -> Problem:
    loc = tuple(part for part in err["loc"] if isinstance(part, int) or not _internal(part))
    where = path + loc
    kind = err["type"]
    name = next((p for p in reversed(loc) if isinstance(p, str)), None)
    if kind == "extra_forbidden":
        allowed = fields_at(model, loc[:-1])
        hint = did_you_mean(str(loc[-1]), allowed)
        return doc.problem(
            "OPS002", where, f"unknown key '{loc[-1]}'{hint}; allowed keys: {', '.join(allowed)}", key=True
        )
    if kind == "missing":
        return doc.problem("OPS002", where[:-1], f"missing required key '{loc[-1]}'; add it")
    if kind == "string_type" and isinstance(err["input"], int):
        written = doc.written(where)
        if written and ":" in written:
            padded = _two_digit_hour(written)
            quote = f"quote it with a two-digit hour: \"{padded}\"" if padded else f"quote it: \"{written}\""
            return doc.problem(
                "OPS002", where,
                f"'{name}': unquoted {written} is read by YAML 1.1 as the base-60 number {err['input']}; {quote}",
            )
    worded = _in_words(kind, err, name)
    if worded is not None:
        return doc.problem("OPS002", where, worded)
    if kind == "bool_type" and isinstance(err.get("input"), str):
        return doc.problem("OPS002", where, f"'{name}': expected true or false, not the text {err['input']!r}; "
                           "write it without quotes")
    message = _PLAIN.get(kind) or err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    shown = "" if isinstance(got, dict | list) or got is None or str(got) in message else f" (got {got!r})"
    prefix = f"'{name}': " if name else ""
    return doc.problem("OPS002", where, f"{prefix}{message}{shown}")


def _two_digit_hour(text: str) -> str | None:
    """``9:00`` as ``09:00``: the hour needs two digits."""
    match = re.fullmatch(r"(\d):([0-5]\d)", text)
    return f"0{match[1]}:{match[2]}" if match else None


def _in_words(kind: str, err: Any, name: str | None) -> str | None:
    """Pattern and choice errors said about the file, not about the library's regular expressions."""
    got = err.get("input")
    ctx = err.get("ctx", {})
    if kind in _SIZES:
        limit = ctx.get("min_length", ctx.get("max_length"))
        unit = "character" if kind.startswith("string") else "entry"
        plural = unit if limit == 1 else "characters" if unit == "character" else "entries"
        return f"'{name}': {_SIZES[kind]} {limit} {plural}"
    if not isinstance(got, str):
        return None
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        if got.lower() in options:
            return f"'{name}' is lower case: {got.lower()}"
        return f"'{name}' is one of {', '.join(options)}{did_you_mean(got, options)} (got {got!r})"
    if kind != "string_pattern_mismatch":
        return None
    pattern = err.get("ctx", {}).get("pattern")
    if pattern == ID_PATTERN:
        lower = got.lower()
        if re.fullmatch(ID_PATTERN, lower):
            return f"'{name}': ids are lower case: {lower}"
        slug = re.sub(r"[^a-z0-9]+", "-", lower).strip("-")
        hint = f", such as {slug}" if slug and re.fullmatch(ID_PATTERN, slug) else ""
        return (f"'{name}': ids use lower-case letters, digits and -, and start with a letter or digit"
                f"{hint} (got {got!r})")
    if pattern == TIME_PATTERN:
        padded = _two_digit_hour(got)
        if padded:
            return f"'{name}': write the hour with two digits: \"{padded}\""
        return f"'{name}': a time is \"HH:MM\" on the 24-hour clock, \"00:00\" to \"23:59\" (got {got!r})"
    if pattern == CUSTOM_RULE_ID_PATTERN:
        hint = f"; write {got.upper()}" if re.fullmatch(CUSTOM_RULE_ID_PATTERN, got.upper()) else ""
        return f"'{name}': custom rule ids start with X- and use A-Z, 0-9 and - (got {got!r}){hint}"
    if pattern == EMAIL_PATTERN:
        return f"'{name}': expected an email address such as name@example.com (got {got!r})"
    return None


_SIZES = {"too_short": "list at least", "too_long": "list at most",
          "string_too_short": "write at least", "string_too_long": "write at most"}

# pydantic's wording where it names Python types or classes, in the words of YAML
_PLAIN = {
    "model_type": "expected a mapping of keys to values",
    "model_attributes_type": "expected a mapping of keys to values",
    "dict_type": "expected a mapping of keys to values",
    "list_type": "expected a list",
    "string_type": "expected text",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
}


def _internal(part: str) -> bool:
    # pydantic names union members and validator functions in locs; they are not keys
    return "[" in part or part in {"function-after", "function-before", "function-wrap"}
