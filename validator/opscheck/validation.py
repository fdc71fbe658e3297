"""Validate plain data against a model, turning pydantic's errors into OPS002 problems with marks."""

from __future__ import annotations

import difflib
from collections import defaultdict
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from opscheck.models import fields_at
from opscheck.source import DocPath, Document, Problem
from opscheck.suggest import CUTOFF, MAX_WORD, did_you_mean

M = TypeVar("M", bound=BaseModel)


def validate(doc: Document, model: type[M], data: Any, path: DocPath = ()) -> tuple[M | None, list[Problem]]:
    """The model built from ``data`` (found at ``path`` in ``doc``), or the problems that stop it."""
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        errors = _without_misspelt(exc.errors(include_url=False))
        return None, [explain(doc, model, path, err) for err in errors]


def _without_misspelt(errors: list[Any]) -> list[Any]:
    """Unknown keys first, and no 'missing' for a required key that an unknown key misspells:
    the unknown-key message already suggests it."""
    # compared only with the missing keys beside them: a mapping of many unknown keys stays linear
    missing: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    for err in errors:
        if err["type"] == "missing":
            missing[tuple(err["loc"][:-1])].append(str(err["loc"][-1]))
    suggested = {
        (*err["loc"][:-1], close)
        for err in errors
        if err["type"] == "extra_forbidden" and tuple(err["loc"][:-1]) in missing
        and len(str(err["loc"][-1])) <= MAX_WORD
        for close in difflib.get_close_matches(str(err["loc"][-1]), missing[tuple(err["loc"][:-1])], n=3,
                                               cutoff=CUTOFF)
    }
    kept = [err for err in errors if not (err["type"] == "missing" and tuple(err["loc"]) in suggested)]
    return sorted(kept, key=lambda err: err["type"] != "extra_forbidden")


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
        node = _node_at(doc, where)
        if isinstance(node, yaml.ScalarNode) and ":" in node.value:
            return doc.problem(
                "OPS002", where,
                f"'{name}': unquoted {node.value} is read by YAML 1.1 as the base-60 number "
                f"{err['input']}; quote it: \"{node.value}\"",
            )
    if kind == "bool_type" and isinstance(err.get("input"), str):
        return doc.problem("OPS002", where, f"'{name}': expected true or false, not the text {err['input']!r}; "
                           "write it without quotes")
    message = _PLAIN.get(kind) or err["msg"].removeprefix("Value error, ")
    got = err.get("input")
    shown = "" if isinstance(got, dict | list) or got is None or str(got) in message else f" (got {got!r})"
    prefix = f"'{name}': " if name else ""
    return doc.problem("OPS002", where, f"{prefix}{message}{shown}")


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
}


def _internal(part: str) -> bool:
    # pydantic names union members and validator functions in locs; they are not keys
    return "[" in part or part in {"function-after", "function-before", "function-wrap"}


def _node_at(doc: Document, path: DocPath) -> yaml.Node | None:
    node = doc.node
    for part in path:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return None
    return node
