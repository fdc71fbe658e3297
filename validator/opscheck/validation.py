"""Validate plain data against a model, turning pydantic's errors into OPS002 problems with marks
(worded by ``schema_errors``), a part of a large entry at a time."""

from __future__ import annotations

import difflib
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import cache, lru_cache
from types import UnionType
from typing import Any, NamedTuple, TypeVar, Union, get_args, get_origin

from annotated_types import MaxLen
from pydantic import BaseModel, TypeAdapter, ValidationError

from opscheck.schema_errors import explain
from opscheck.source import DocPath, Document, Problem
from opscheck.suggest import CUTOFF, MAX_WORD

M = TypeVar("M", bound=BaseModel)
# Problems listed for one entry: a rotation of 270,000 shifts, each misspelt, would otherwise
# make as many findings, and explaining them all takes more time and memory than any input may.
MAX_EXPLAINED = 1_000
# Items of a long list (or mapping) validated at a time: the schema library lists every problem
# in what it validates before any can be dropped, so no more than these items' problems exist at once.
CHUNK = 1_000
# Distinct unknown keys compared with the missing keys beside them once the listed problems are
# known: each such search takes difflib some 20 us, and a file can misspell differently in each
# of 230,000 entries. Past this many, an unknown key is taken to misspell them, and the count of
# problems not listed becomes a lower bound.
SEARCHES = 10_000

Loc = tuple[Any, ...]
Part = tuple[int, "type[BaseModel] | None"]  # a field's place among its model's, and its model if it is one


def validate(doc: Document, model: type[M], data: Any, path: DocPath = ()) -> tuple[M | None, list[Problem]]:
    """The model built from ``data`` (found at ``path`` in ``doc``), or the problems that stop it."""
    tally = _Tally()
    built = _check(model, data, (), tally)
    if built is not None:
        return built, []
    problems = [explain(doc, model, path, err) for err in tally.listed()]
    if tally.count > MAX_EXPLAINED:
        least = "at least " if tally.least else ""
        problems.append(doc.problem(
            "OPS002", path, f"{least}{tally.count - MAX_EXPLAINED:,} more problems in this entry are not listed "
            f"(only its first {MAX_EXPLAINED:,} are); fix those and run again"))
    return None, problems


def built(model: type[M], data: Any) -> M | None:
    """What ``validate`` builds from ``data``, without working out or wording its problems."""
    return _check(model, data, (), _Tally())


class _Tally:
    """An entry's schema errors, given in the schema library's order a batch at a time: the first
    MAX_EXPLAINED in the order they are listed (unknown keys first), and how many there are."""

    def __init__(self) -> None:
        self.unknown: list[Any] = []
        self.other: list[Any] = []
        self.count = 0
        self.searched: set[tuple[str, tuple[str, ...]]] = set()  # searches made only to count
        self.least = False  # whether ``count`` may fall short (see SEARCHES)

    @property
    def full(self) -> bool:
        """Whether no later error can be among the listed ones: they are only counted."""
        return len(self.unknown) >= MAX_EXPLAINED

    def errors(self, exc: ValidationError, at: Loc, offset: int | None = None) -> list[Any]:
        """The errors of ``exc`` found at ``at`` (in a list's items from ``offset`` on), as listed."""
        if self.full:  # only counted: without their values and contexts, which take longest to list
            errors = exc.errors(include_url=False, include_input=False, include_context=False)
        else:
            errors = exc.errors(include_url=False)
        if at or offset is not None:
            for err in errors:
                loc: Loc = err["loc"]
                err["loc"] = at + ((loc[0] + offset, *loc[1:]) if offset is not None else loc)
        return _without_misspelt(errors, self.close)

    def close(self, word: str, missing: tuple[str, ...]) -> list[str]:
        """The ``missing`` keys that ``word`` may misspell; once only counting, searched for at
        most SEARCHES words, then all of them (fewer problems are counted than there may be)."""
        if self.full and (word, missing) not in self.searched:
            if len(self.searched) >= SEARCHES:
                self.least = True
                return list(missing)
            self.searched.add((word, missing))
        return _close(word, missing)

    def take(self, errors: list[Any]) -> None:
        self.count += len(errors)
        for err in () if self.full else errors:
            kept = self.unknown if err["type"] == "extra_forbidden" else self.other
            if len(kept) < MAX_EXPLAINED:
                kept.append(err)

    def listed(self) -> list[Any]:
        return (self.unknown + self.other)[:MAX_EXPLAINED]


def _check(model: type[M], data: Any, at: Loc, tally: _Tally) -> M | None:
    """``model`` built from ``data`` (found at ``at``), or None once its errors are in ``tally``.

    A list or mapping longer than CHUNK is validated CHUNK items at a time, then what holds it
    with its items built (not checked again) or, when some failed, without it; more than CHUNK
    unknown keys are left out and listed after. The errors are the same, in the same order, as
    those of validating the whole at once."""
    parts = _parts(model, data)
    unknown = _unknown(model, data)
    if not parts and not unknown:
        return _whole(model, data, at, tally)
    left_out = {**parts, **dict.fromkeys(unknown)}
    rest = _rest(model, {k: v for k, v in data.items() if k not in left_out}, parts, unknown, at, tally)
    built: dict[str, Any] = {}
    failed = bool(rest or unknown)
    for key, (position, sub) in parts.items():
        # the errors of the fields before this one come first
        tally.take([err for err in rest if _position(model, err, at) < position])
        rest = [err for err in rest if _position(model, err, at) >= position]
        built[key] = _check(sub, data[key], (*at, key), tally) if sub else _chunks(model, key, data[key], at, tally)
        failed = failed or built[key] is None
    tally.take(rest)
    for start in range(0, len(unknown), CHUNK):  # unknown keys come last, in their order
        tally.take([{"type": "extra_forbidden", "loc": (*at, key), "msg": "Extra inputs are not permitted",
                     "input": data[key]} for key in unknown[start : start + CHUNK]])
    # with every part built, what is left to fail is the whole's own check (a model validator)
    return None if failed else _whole(model, {**data, **built}, at, tally)


def _whole(model: type[M], data: Any, at: Loc, tally: _Tally) -> M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        tally.take(tally.errors(exc, at))
        return None


def _rest(model: type[BaseModel], rest: dict[Any, Any], parts: dict[str, Part], unknown: list[str], at: Loc,
          tally: _Tally) -> list[Any]:
    """The errors of ``rest``, ``model``'s data without its long ``parts`` and ``unknown`` keys:
    not that a part is missing, nor what a model validator says of the rest alone (it runs only
    on the whole), nor that a key is missing that one of the unknown keys misspells."""
    try:
        model.model_validate(rest)
    except ValidationError as exc:
        errors = [err for err in tally.errors(exc, at)
                  if len(err["loc"]) > len(at) and err["loc"][len(at)] not in parts]
    else:
        return []
    here = [err for err in errors if err["type"] == "missing" and len(err["loc"]) == len(at) + 1]
    if not here or not unknown:
        return errors
    missing = tuple(str(err["loc"][-1]) for err in here)
    suggested = {close for key in unknown if len(key) <= MAX_WORD for close in tally.close(key, missing)}
    return [err for err in errors if not (err["type"] == "missing" and len(err["loc"]) == len(at) + 1
                                          and err["loc"][-1] in suggested)]


def _position(model: type[BaseModel], err: Any, at: Loc) -> int:
    """Where the schema library lists ``err``: in the order of the fields, unknown keys last."""
    keys = _keys(model)
    return keys.get(err["loc"][len(at)], len(keys))


def _chunks(model: type[BaseModel], key: str, value: list[Any] | dict[Any, Any], at: Loc,
            tally: _Tally) -> list[Any] | dict[Any, Any] | None:
    """The list or mapping ``value`` of ``model``'s field ``key``, validated CHUNK items at a
    time, and an item that is itself too large (see ``_large``) on its own."""
    adapter = _adapter(model, key)
    item = next(f.item for f in _collections(model) if f.key == key)
    built: list[Any] = []
    failed = False
    for start, piece, alone in _pieces(value, item):
        if alone and item is not None:
            one = _check(item, piece, (*at, key, start), tally)
            done: Any = None if one is None else [one]
        else:
            try:
                done = adapter.validate_python(piece)
            except ValidationError as exc:
                tally.take(tally.errors(exc, (*at, key), start))
                done = None
        failed = failed or done is None
        if not failed:
            built.append(done)
    if failed:
        return None
    return {k: v for done in built for k, v in done.items()} if isinstance(value, dict) else [*itertools.chain(*built)]


def _pieces(value: list[Any] | dict[Any, Any], item: type[BaseModel] | None) -> Iterator[tuple[Any, Any, bool]]:
    """``value`` in pieces of at most CHUNK items, each with where it starts in a list (None in a
    mapping); an item too large to be validated with others comes alone (True)."""
    if isinstance(value, dict):
        pairs = iter(value.items())
        for _ in range(0, len(value), CHUNK):
            yield None, dict(itertools.islice(pairs, CHUNK)), False
        return
    start = 0
    for i, one in enumerate(value):
        large = item is not None and _large(item, one)
        if (large or i - start == CHUNK) and i > start:
            yield start, value[start:i], False
            start = i
        if large:
            yield i, one, True
            start = i + 1
    if start < len(value):
        yield start, value[start:], False


def _parts(model: type[BaseModel], data: Any) -> dict[str, Part]:
    """The fields to validate in parts: those ``data`` gives a list or mapping longer than CHUNK
    or holding a large item, or a model's data that is large (see ``_large``)."""
    if not isinstance(data, dict):
        return {}
    found: dict[str, Part] = {}
    for field in _collections(model):
        value = data.get(field.key)
        if _large(field.sub, value) if field.sub is not None else isinstance(value, field.kind) \
                and isinstance(value, list | dict) and (len(value) > CHUNK or (field.item is not None
                                                       and any(_large(field.item, one) for one in value))):
            found[field.key] = (field.position, field.sub)
    return found


def _large(model: type[BaseModel], data: Any) -> bool:
    """Whether ``data`` for ``model`` has a part to validate on its own, or many unknown keys."""
    return isinstance(data, dict) and ((len(data) > CHUNK and bool(_unknown(model, data)))
                                       or (bool(_collections(model)) and bool(_parts(model, data))))


def _unknown(model: type[BaseModel], data: Any) -> list[str]:
    """The keys of ``data`` that are not ``model``'s, when there are more than CHUNK (the loader
    makes every key text, so each is an unknown key to the schema library too)."""
    keys = _keys(model)
    if not isinstance(data, dict) or len(data) <= len(keys) + CHUNK:
        return []
    unknown = [key for key in data if key not in keys]
    return unknown if len(unknown) > CHUNK else []


@cache
def _keys(model: type[BaseModel]) -> dict[str, int]:
    """The keys of ``model``'s fields, in their order."""
    return {info.alias or name: i for i, (name, info) in enumerate(model.model_fields.items())}


class _Field(NamedTuple):
    """A field that may be validated in parts: a list or mapping (``kind``) and the model of its
    items if they are models, or a model (``sub``)."""

    key: str
    position: int
    kind: type
    sub: type[BaseModel] | None
    item: type[BaseModel] | None


@cache
def _collections(model: type[BaseModel]) -> tuple[_Field, ...]:
    """The fields that may be validated in parts: lists and mappings (but those with a maximum
    length, refused whole at once) and models."""
    found: list[_Field] = []
    for position, (name, info) in enumerate(model.model_fields.items()):
        origin = get_origin(info.annotation)
        sub = _optional_model(info.annotation)
        if origin in (list, dict) and not any(isinstance(m, MaxLen) for m in info.metadata):
            item = _optional_model(get_args(info.annotation)[0]) if origin is list else None
            found.append(_Field(info.alias or name, position, origin, None, item))
        elif sub is not None:
            found.append(_Field(info.alias or name, position, dict, sub, None))
    return tuple(found)


def _optional_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a field typed as one (or as one or None)."""
    union = get_origin(annotation) in (Union, UnionType)
    members = [a for a in get_args(annotation) if a is not type(None)] if union else [annotation]
    model = members[0] if len(members) == 1 else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


@cache
def _adapter(model: type[BaseModel], key: str) -> TypeAdapter[Any]:
    annotation = next(i.annotation for n, i in model.model_fields.items() if (i.alias or n) == key)
    return TypeAdapter(annotation if annotation is not None else Any)


def _without_misspelt(errors: list[Any], close: Callable[[str, tuple[str, ...]], list[str]]) -> list[Any]:
    """No 'missing' for a required key that an unknown key beside it misspells: the unknown-key
    message already suggests it."""
    # compared only with the missing keys beside them: a mapping of many unknown keys stays linear
    missing: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    for err in errors:
        if err["type"] == "missing":
            missing[tuple(err["loc"][:-1])].append(str(err["loc"][-1]))
    if not missing:
        return errors
    suggested = {
        (*err["loc"][:-1], found)
        for err in errors
        if err["type"] == "extra_forbidden" and tuple(err["loc"][:-1]) in missing
        and len(str(err["loc"][-1])) <= MAX_WORD
        for found in close(str(err["loc"][-1]), tuple(missing[tuple(err["loc"][:-1])]))
    }
    return [err for err in errors if not (err["type"] == "missing" and tuple(err["loc"]) in suggested)]


@lru_cache(maxsize=4096)
def _close(word: str, missing: tuple[str, ...]) -> list[str]:
    # the same key is often misspelt the same way in every entry of a long list: one search
    return difflib.get_close_matches(word, missing, n=3, cutoff=CUTOFF)
