"""Custom rules: a JSON Schema (2020-12) from `policies/rules/*.yaml` applied to each target item."""

from __future__ import annotations

import string
from collections.abc import Iterator
from typing import Any

from opscheck.budget import Budget, OutOfWork
from opscheck.dataset import Dataset
from opscheck.errors import ConfigError
from opscheck.rules.base import Hit, Options, Rule
from opscheck.settings import CustomRule
from opscheck.source import Loc


class _Blank(dict[str, Any]):
    """An item's fields for a message: absent ones stay as written, values read as in YAML."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"

    def __getitem__(self, key: str) -> Any:
        return _plain(super().__getitem__(key))


def _plain(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_plain(v)}" for k, v in value.items()) + "}"
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _targets(ds: Dataset, target: str) -> Iterator[tuple[Loc, str | None]]:
    """Each target item's place and subject."""
    if target in ("engineers", "pipelines", "rotations"):
        for ident, item in getattr(ds, target).items():
            yield item.loc, ident
    elif target in ("shifts", "overrides"):
        for rot in ds.rotations.values():
            for i, entry in enumerate(getattr(rot, target)):
                day = entry.week if target == "shifts" else entry.first
                yield rot.loc.at(target, i), f"{rot.id}@{day}"
    else:
        for rb in ds.runbooks.values():
            if rb.meta is not None:
                yield rb.loc, rb.meta.pipeline


def make_rules(customs: list[CustomRule]) -> list[Rule]:
    """The policy's custom rules, which spend from one budget of keyword checks a run."""
    from opscheck.safeschema import MAX_WORK

    work = Budget(MAX_WORK)
    return [_make_rule(custom, work) for custom in customs]


def _make_rule(custom: CustomRule, work: Budget) -> Rule:
    from opscheck.safeschema import validator_for

    spec = custom.spec
    validator = validator_for(spec.json_schema, work)
    fields = {name for _, name, _, _ in string.Formatter().parse(spec.message) if name}

    def failures(item: Any) -> list[Any]:
        from referencing.exceptions import Unresolvable

        try:
            return sorted(validator.iter_errors(item), key=lambda e: list(map(str, e.absolute_path)))
        except (RecursionError, Unresolvable):  # refused at load time; kept as a last guard
            raise ConfigError(f"custom rule {spec.id} cannot be applied: its schema refers too deep or outside "
                              "itself", custom.file) from None

    def check(ds: Dataset, opts: Options) -> Iterator[Hit]:
        work.start(ds)
        for n, (loc, subject) in enumerate(_targets(ds, spec.target)):
            item = ds.raw(loc)
            try:
                errors = failures(item)
            except OutOfWork:
                yield Hit(loc, f"{spec.id} stopped here, having checked {n:,} {spec.target}: the custom rules took "
                          f"more than the {work.allowed:,} checks they may make in a run, together; simplify them "
                          "(fewer references to the same schemas, shorter enum and required lists)",
                          subject, ident="out-of-work", always=True)
                return
            if errors:
                values = _Blank(item if isinstance(item, dict) else {})
                message = spec.message.format_map(values) if fields else spec.message
                # one finding per item, whichever of its values fails first
                yield Hit(loc.at(*errors[0].absolute_path), message, subject, ident=spec.target)

    doc = spec.summary + "\n\n" + (spec.description or f"Custom rule from {custom.file}.")
    return Rule(spec.id, spec.id.lower(), spec.severity, Options, doc, check=check)
