"""JSON Schema for custom rules, made safe for schemas a pull request writes.

A custom rule's schema may refer only inside itself: every ``$ref`` is checked when the rule is
loaded and the validator's registry refuses to retrieve anything, so no file or network access can
happen. ``$ref`` chains that loop without descending into the item (``$ref: '#'``) are refused,
as are chains deep enough to exhaust the stack. Patterns are matched by RE2, in time linear in the
text, so no name chosen in a data file can stall a run.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any, NamedTuple

from opscheck.budget import Budget, OutOfWork
from opscheck.source import DocPath
from opscheck.tree import compile_re2

ROOT_URI = "urn:opscheck:custom-rule"
REF_KEYS = ("$ref", "$dynamicRef")
# A chain of in-place references deeper than this would approach Python's stack limit.
MAX_CHAIN = 40
# Every item is checked against every subschema: 270,000 patterns in a 10 MiB rule took a minute and 4 GB.
MAX_SUBSCHEMAS = 10_000
# Keyword checks one rule may make in a run, each weighed by the values it goes through (an enum's,
# a required list's): what a schema costs grows with its references expanded and with the items,
# which no count of its subschemas bounds (1.7 KB of $refs reused 10 times on each of 6 levels
# took over a minute on this repository's 157 shifts).
MAX_WORK = 1_000_000


class SchemaProblem(NamedTuple):
    path: DocPath  # where in the schema
    message: str


def problems(schema: Any, size: Budget | None = None) -> Iterator[SchemaProblem]:
    """What makes ``schema`` unsafe or unusable: outward references, loops, non-linear patterns,
    size (spent from ``size``, which the custom rules of a policy share)."""
    size = size or Budget(MAX_SUBSCHEMAS)
    for path, node in _subschemas(schema, ()):
        try:
            # an enum's values and a required list's names are checked (and missed) one by one too
            size.spend(1 + sum(len(node[key]) for key in ("enum", "required") if isinstance(node.get(key), list)))
        except OutOfWork:
            yield SchemaProblem(path, f"the custom rules hold more than {MAX_SUBSCHEMAS:,} subschemas, enum values "
                                "and required names in all, more than can be checked against every item in time; "
                                "simplify or remove rules")
            return
        if "$id" in node:
            yield SchemaProblem((*path, "$id"), "'$id' is not allowed: a custom rule's schema stands alone")
        for key in REF_KEYS:
            ref = node.get(key)
            if ref is not None and (not isinstance(ref, str) or not ref.startswith("#")):
                yield SchemaProblem((*path, key), f"{key} {ref!r} points outside the schema; a custom rule may "
                                    "refer only inside its own schema ('#/$defs/name')")
        yield from _pattern_problems(path, node)
    yield from _ref_problems(schema)


def _subschemas(node: Any, path: DocPath) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """Every mapping in the schema with its path (values of const and enum are data, not schemas)."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key not in ("const", "enum", "examples", "default"):
                yield from _subschemas(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _subschemas(value, (*path, i))


def _pattern_problems(path: DocPath, node: dict[str, Any]) -> Iterator[SchemaProblem]:
    found: list[tuple[DocPath, Any]] = []
    if isinstance(node.get("pattern"), str):
        found.append(((*path, "pattern"), node["pattern"]))
    if isinstance(node.get("patternProperties"), dict):
        found += [((*path, "patternProperties", key), key) for key in node["patternProperties"]]
    for where, pattern in found:
        error = _compile_error(pattern)
        if error:
            yield SchemaProblem(where, f"pattern {pattern[:60]!r} cannot be matched in linear time ({error}); "
                                "write it without backreferences and lookarounds")


def _compile_error(pattern: str) -> str:
    import re2

    try:
        _compiled(pattern)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        return reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
    return ""


@cache
def _compiled(pattern: str) -> Any:
    return compile_re2(pattern)


def _target(ref: str, anchors: dict[str, DocPath]) -> DocPath | None:
    """The schema path a local reference names ('#', '#/a/b' or '#anchor'), or None if it names nothing."""
    if ref == "#":
        return ()
    if not ref.startswith("#/"):
        return anchors.get(ref[1:])
    from urllib.parse import unquote

    parts = [unquote(p).replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/")]
    return tuple(int(p) if p.isdigit() else p for p in parts)


def _anchors(schema: Any) -> dict[str, DocPath]:
    return {str(node[key]): path for path, node in _subschemas(schema, ())
            for key in ("$anchor", "$dynamicAnchor") if isinstance(node.get(key), str)}


def _resolve(schema: Any, path: DocPath) -> Any:
    node = schema
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, dict) and str(part) in node:
            node = node[str(part)]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def _in_place(path: DocPath, node: Any, anchors: dict[str, DocPath]) -> Iterator[DocPath]:
    """The schema paths reached from ``node`` (at ``path``) without descending into the instance."""
    if not isinstance(node, dict):
        return
    for key in REF_KEYS:
        target = _target(node[key], anchors) if isinstance(node.get(key), str) else None
        if target is not None:
            yield target
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(node.get(key), list):
            yield from ((*path, key, i) for i in range(len(node[key])))
    for key in ("not", "if", "then", "else"):
        if isinstance(node.get(key), dict):
            yield (*path, key)
    if isinstance(node.get("dependentSchemas"), dict):
        yield from ((*path, "dependentSchemas", name) for name in node["dependentSchemas"])


def _ref_problems(schema: Any) -> Iterator[SchemaProblem]:
    """Unresolvable references, and reference loops or chains that never descend into the item."""
    anchors = _anchors(schema)
    for path, node in _subschemas(schema, ()):
        for key in REF_KEYS:
            ref = node.get(key)
            if isinstance(ref, str) and ref.startswith("#"):
                target = _target(ref, anchors)
                if target is None or _resolve(schema, target) is None:
                    yield SchemaProblem((*path, key), f"{key} {ref!r} names nothing in this schema")
                    return
    depth: dict[DocPath, int] = {}
    for path, _ in _subschemas(schema, ()):
        problem = _chain(schema, anchors, path, depth, [])
        if problem is not None:
            yield problem
            return


def _chain(
    schema: Any, anchors: dict[str, DocPath], path: DocPath, depth: dict[DocPath, int], stack: list[DocPath]
) -> SchemaProblem | None:
    """Follow in-place edges from ``path`` depth first; ``depth`` keeps the longest chain below each."""
    if path in depth:
        return None
    if path in stack:
        return SchemaProblem(stack[-1], "this $ref leads back to where it started without descending into the "
                             "item, so checking would never end; refer to the schema only under properties "
                             "or items")
    if len(stack) > MAX_CHAIN:
        return SchemaProblem(path, f"references chain more than {MAX_CHAIN} schemas deep; flatten the schema")
    stack.append(path)
    longest = 0
    for step in _in_place(path, _resolve(schema, path), anchors):
        problem = _chain(schema, anchors, step, depth, stack)
        if problem is not None:
            return problem
        longest = max(longest, depth[step] + 1)
    stack.pop()
    depth[path] = longest
    return None


def validator_for(schema: dict[str, Any], work: Budget | None = None) -> Any:
    """A Draft 2020-12 validator whose registry retrieves nothing and whose patterns run on RE2;
    with ``work``, each keyword check spends from it (1, and 1 for each value of a list or mapping),
    and running out raises OutOfWork."""
    from jsonschema import Draft202012Validator, ValidationError, validators
    from referencing import Registry
    from referencing.exceptions import NoSuchResource

    def refuse(uri: str) -> Any:
        raise NoSuchResource(ref=uri)  # type: ignore[call-arg]

    def pattern(validator: Any, patrn: str, instance: Any, schema: Any) -> Iterator[Any]:
        if validator.is_type(instance, "string") and not _search(patrn, instance):
            yield ValidationError(f"{instance!r} does not match {patrn!r}")

    def pattern_properties(validator: Any, patterns: dict[str, Any], instance: Any, schema: Any) -> Iterator[Any]:
        if not validator.is_type(instance, "object"):
            return
        for patrn, subschema in patterns.items():
            for key, value in instance.items():
                if _search(patrn, key):
                    yield from validator.descend(value, subschema, path=key, schema_path=patrn)

    checks = {**Draft202012Validator.VALIDATORS, "pattern": pattern, "patternProperties": pattern_properties}
    if work is not None:
        checks = {keyword: _spending(keyword, check, work) for keyword, check in checks.items()}
    cls = validators.extend(Draft202012Validator, checks)  # type: ignore[no-untyped-call]
    return cls(schema, registry=Registry(retrieve=refuse))  # type: ignore[call-arg]


def _spending(keyword: str, check: Any, work: Budget) -> Any:
    def spending(validator: Any, value: Any, instance: Any, schema: Any) -> Iterator[Any]:
        cost = 1 + len(value) if isinstance(value, (list, dict)) else 1
        if keyword == "uniqueItems" and value is True and isinstance(instance, list):
            cost += len(instance) ** 2 // 4  # items that do not sort (mappings) are compared pair by pair
        work.spend(cost)
        yield from check(validator, value, instance, schema) or ()

    return spending


def _search(pattern: str, text: str) -> bool:
    return _compiled(pattern).search(text) is not None
