"""Custom rules are written by whoever opens a pull request: their schemas refer only inside
themselves, never loop, never reach a file or the network, and match patterns in linear time."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import AS_OF, Result
from opscheck.models import MAX_NAME_CHARS

RULE = "id: X-SAFE\nsummary: s\ntarget: engineers\nmessage: '{id} breaks it'\nschema:\n"


def write_rule(team: Path, schema: str) -> Path:
    (team / "policies/rules").mkdir(exist_ok=True)
    path = team / "policies/rules/safe.yaml"
    path.write_text(RULE + "".join(f"  {line}\n" for line in schema.splitlines()), encoding="utf-8")
    return path


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record (and refuse) every attempt to open a connection or look up a name."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.mark.parametrize(
    ("schema", "line", "message"),
    [
        ("$ref: 'http://127.0.0.1:9/s.json'", 6, "points outside the schema"),
        ("$ref: 'file:///etc/hostname'", 6, "points outside the schema"),
        ("properties: {name: {$ref: 'names.json#/x'}}", 6, "points outside the schema"),
        ("$dynamicRef: 'https://example.com/s'", 6, "points outside the schema"),
        ("$id: 'https://example.com/s'", 6, "'$id' is not allowed"),
        ("$ref: '#/$defs/nothing'", 6, "names nothing in this schema"),
        ("$ref: '#'", 6, "leads back to where it started"),
        ("$defs:\n  a: {allOf: [{$ref: '#/$defs/b'}]}\n  b: {not: {$ref: '#/$defs/a'}}\n$ref: '#/$defs/a'", 8,
         "leads back to where it started"),
        ("$defs: {a: {$anchor: here, $ref: '#here'}}", 6, "leads back to where it started"),
        ("$defs:\n" + "".join(f"  d{i}: {{$ref: '#/$defs/d{i + 1}'}}\n" for i in range(60)) + "  d60: {}", 48,
         "references chain more than 40 schemas deep"),
        ("properties: {name: {pattern: '(a)\\1'}}", 6, "cannot be matched in linear time"),
        ("patternProperties: {'^(?=x)': {}}", 6, "cannot be matched in linear time"),
        ("properties: {name: {pattern: 'a{5000}'}}", 6, "cannot be matched in linear time"),
        ("type: 12", 6, "not valid JSON Schema 2020-12"),
    ],
)
def test_unsafe_schemas_are_refused_at_load(
    team: Path, schema: str, line: int, message: str, run: Callable[..., Result], no_network: list[Any]
) -> None:
    write_rule(team, schema)
    result = run("validate", "--root", team, "--as-of", AS_OF)
    assert result.code == 2, result.out + result.err
    assert f"policies/rules/safe.yaml:{line}: " in result.err and message in result.err, result.err
    assert "Traceback" not in result.err
    assert no_network == []


@pytest.mark.parametrize(
    "schema",
    [
        "properties: {time_off: {items: {$ref: '#/$defs/range'}}}\n$defs: {range: {required: [start]}}",
        "$defs: {node: {properties: {reason: {$ref: '#/$defs/node'}}}}\n$ref: '#/$defs/node'",
        "properties: {name: {$ref: '#/$defs/named'}}\n$defs: {named: {$anchor: named, type: string}}",
        "properties: {name: {pattern: '^(a+)+$'}}",
    ],
)
def test_safe_schemas_still_work(team: Path, schema: str, run: Callable[..., Result]) -> None:
    write_rule(team, schema)
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json")
    assert result.code in (0, 1), result.err
    assert "Traceback" not in result.err


def test_a_catastrophic_pattern_runs_in_linear_time(team: Path, run: Callable[..., Result]) -> None:
    write_rule(team, "properties: {name: {pattern: '^(a+)+$'}}")
    names = team / "ops-data/engineers.yaml"
    # the longest name there may be; a backtracking engine would take 2**199 steps on it
    long_name = "a" * (MAX_NAME_CHARS - 1) + "b"
    names.write_text(names.read_text(encoding="utf-8").replace("name: Eng1", "name: " + long_name, 1),
                     encoding="utf-8")
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json")
    custom = [f for f in result.json()["findings"] if f["rule"] == "X-SAFE"]
    assert [f["subject"] for f in custom] == ["eng1", "eng2", "eng3", "eng4", "eng5"]


def test_pattern_properties_match_with_re2(team: Path, run: Callable[..., Result]) -> None:
    write_rule(team, "patternProperties: {'^git': {pattern: '^[a-z0-9-]+$'}}")
    names = team / "ops-data/engineers.yaml"
    names.write_text(names.read_text(encoding="utf-8").replace("github: eng1", "github: Eng-1", 1),
                     encoding="utf-8")
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json")
    assert [f["subject"] for f in result.json()["findings"] if f["rule"] == "X-SAFE"] == ["eng1"]


@pytest.mark.parametrize(("depth", "code"), [(30, 0), (70, 2)])
def test_deeply_nested_schemas_never_exhaust_the_stack(
    team: Path, depth: int, code: int, run: Callable[..., Result]
) -> None:
    write_rule(team, "not: " + "{not: " * depth + "{}" + "}" * depth)
    result = run("validate", "--root", team, "--as-of", AS_OF, "--select", "X-SAFE")
    assert "Traceback" not in result.err
    assert result.code == code or (code == 0 and result.code == 1), result.err
