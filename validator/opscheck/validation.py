"""Validate plain data against a model, turning pydantic's errors into OPS002 problems with marks."""

from __future__ import annotations

import difflib
import itertools
import re
from collections import defaultdict
from collections.abc import Callable
from functools import cache, lru_cache
from types import UnionType
from typing import Any, TypeVar, Union, get_args, get_origin

from annotated_types import MaxLen
from pydantic import BaseModel, TypeAdapter, ValidationError

from opscheck.models import CUSTOM_RULE_ID_PATTERN, EMAIL_PATTERN, ID_PATTERN, TIME_PATTERN, fields_at
from opscheck.source import DocPath, Document, Problem
from opscheck.suggest import CUTOFF, MAX_WORD, did_you_mean

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
    """The long list or mapping ``value`` of ``model``'s field ``key``, validated CHUNK items at a time."""
    adapter = _adapter(model, key)
    pairs = iter(value.items()) if isinstance(value, dict) else None
    built: list[Any] = []
    failed = False
    for start in range(0, len(value), CHUNK):
        part = dict(itertools.islice(pairs, CHUNK)) if pairs is not None else value[start : start + CHUNK]
        try:
            done = adapter.validate_python(part)
        except ValidationError as exc:
            failed = True
            tally.take(tally.errors(exc, (*at, key), None if pairs is not None else start))
            continue
        if not failed:
            built.append(done)
    if failed:
        return None
    return {k: v for done in built for k, v in done.items()} if pairs is not None else [*itertools.chain(*built)]


def _parts(model: type[BaseModel], data: Any) -> dict[str, Part]:
    """The fields that ``data`` gives a list or mapping longer than CHUNK, or a model's data that
    holds one or more than CHUNK unknown keys."""
    if not isinstance(data, dict):
        return {}
    found: dict[str, Part] = {}
    for key, position, kind, sub in _collections(model):
        value = data.get(key)
        if (_parts(sub, value) or _unknown(sub, value)) if sub is not None else isinstance(value, kind) \
                and isinstance(value, list | dict) and len(value) > CHUNK:
            found[key] = (position, sub)
    return found


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


@cache
def _collections(model: type[BaseModel]) -> tuple[tuple[str, int, type, type[BaseModel] | None], ...]:
    """The fields that may be validated in parts: lists and mappings (but those with a maximum
    length, refused whole at once) and models, with their kind and model."""
    found: list[tuple[str, int, type, type[BaseModel] | None]] = []
    for position, (name, info) in enumerate(model.model_fields.items()):
        origin = get_origin(info.annotation)
        sub = _optional_model(info.annotation)
        if origin in (list, dict) and not any(isinstance(m, MaxLen) for m in info.metadata):
            found.append((info.alias or name, position, origin, None))
        elif sub is not None:
            found.append((info.alias or name, position, dict, sub))
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
