"""The loader: marks (line and column) of every value and key, merge keys, repeated keys,
front matter offsets, and Markdown headings and links read with a real parser."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from opscheck import dataset
from opscheck.models import Engineer
from opscheck.source import parse_yaml, split_front_matter
from opscheck.validation import validate

CASES = Path(__file__).parent / "cases" / "rules"

ONCALL = """\
# a comment line
rotations:
  - id: data
    members: [eng1, eng2]
    handoff:
      weekday: monday
      time: "09:00"
    shifts:
      - {week: 2027-01-04, engineer: eng1}
      - week: 2027-01-11
        engineer: eng2
"""


@pytest.mark.parametrize(
    ("path", "key", "mark"),
    [
        (("rotations",), False, (3, 3)),
        (("rotations",), True, (2, 1)),
        (("rotations", 0, "id"), False, (3, 9)),
        (("rotations", 0, "members", 1), False, (4, 21)),
        (("rotations", 0, "handoff", "time"), False, (7, 13)),
        (("rotations", 0, "handoff", "time"), True, (7, 7)),
        (("rotations", 0, "shifts", 0, "engineer"), False, (9, 38)),
        (("rotations", 0, "shifts", 1, "engineer"), False, (11, 19)),
        (("rotations", 0, "shifts", 1, "engineer"), True, (11, 9)),
        # a path that does not exist stops at its deepest existing node
        (("rotations", 0, "handoff", "timezone"), False, (6, 7)),
        (("rotations", 0, "shifts", 7), False, (9, 7)),
    ],
)
def test_marks_of_nested_values_and_keys(path: tuple[str | int, ...], key: bool, mark: tuple[int, int]) -> None:
    doc = parse_yaml("ops-data/oncall.yaml", ONCALL)
    assert doc.problems == []
    assert doc.mark(path, key) == mark


def test_dates_stay_text_and_scalars_keep_yaml_types() -> None:
    doc = parse_yaml("f.yaml", "a: 2027-01-04\nb: yes\nc: 10:30\nd: ~\ne: '7'\n")
    assert doc.data == {"a": "2027-01-04", "b": True, "c": 630, "d": None, "e": "7"}


def test_unknown_key_points_at_the_key_and_suggests() -> None:
    text = "engineers:\n  - id: eng1\n    name: Eng1\n    emial: eng1@example.com\n"
    doc = parse_yaml("ops-data/engineers.yaml", text)
    item, problems = validate(doc, Engineer, doc.data["engineers"][0], ("engineers", 0))
    assert item is None
    [problem] = problems
    assert (problem.rule, problem.line, problem.column) == ("OPS002", 4, 5)
    assert "did you mean 'email'" in problem.message


def test_wrong_value_points_at_the_value() -> None:
    text = "engineers:\n  - id: eng1\n    name: Eng1\n    active: sometimes\n"
    doc = parse_yaml("ops-data/engineers.yaml", text)
    _, [problem] = validate(doc, Engineer, doc.data["engineers"][0], ("engineers", 0))
    assert (problem.line, problem.column) == (4, 13)
    assert "'active'" in problem.message


def test_merge_keys() -> None:
    text = """\
base: &base {area: Sales, audience: [internal], name: Base}
extra: &extra {rotation: data, name: Extra}
one:
  <<: *base
  name: One
two:
  <<: [*extra, *base]
"""
    doc = parse_yaml("f.yaml", text)
    assert doc.problems == []
    assert doc.data["one"] == {"area": "Sales", "audience": ["internal"], "name": "One"}
    # with a list of sources the first one wins, and the mapping's own keys win over all
    assert doc.data["two"] == {"area": "Sales", "audience": ["internal"], "rotation": "data", "name": "Extra"}


@pytest.mark.parametrize(
    ("text", "line", "column", "first"),
    [
        ("a: 1\nb: 2\na: 3\n", 3, 1, 1),
        ("pipelines:\n  - id: p\n    owners:\n      primary: eng1\n      primary: eng2\n", 5, 7, 4),
        ("x:\n  - {id: a, id: b}\n", 2, 13, 2),
    ],
)
def test_repeated_keys_in_nested_mappings(text: str, line: int, column: int, first: int) -> None:
    doc = parse_yaml("f.yaml", text)
    [problem] = doc.problems
    assert (problem.rule, problem.line, problem.column) == ("OPS003", line, column)
    assert f"line {first}" in problem.message
    assert doc.ok  # the rest of the file is still checked


RUNBOOK = """\
---
pipeline: profit
failure_modes:
  - id: upstream-stale
    category: upstream
---
# Profit

Text with [a link](other.md) and
a second line with [another](../pipelines.yaml).

```bash
# not a heading
[not a link](nowhere.md)
```

    # indented code, not a heading

## Escalation
- see [the wiki](https://wiki.example.com)
"""


def test_front_matter_line_offsets() -> None:
    doc, body, first = split_front_matter("ops-data/runbooks/profit.md", RUNBOOK)
    assert doc.problems == []
    assert doc.data["pipeline"] == "profit"
    assert doc.mark(("pipeline",)) == (2, 11)
    assert doc.mark(("failure_modes", 0, "category")) == (5, 15)
    assert first == 6 and body.startswith("# Profit")


def test_front_matter_problems_carry_file_lines() -> None:
    doc, _, _ = split_front_matter("r.md", "---\npipeline: p\npipeline: q\n---\n# T\n")
    [problem] = doc.problems
    assert (problem.rule, problem.line) == ("OPS003", 3)
    doc, _, _ = split_front_matter("r.md", "---\npipeline: [p\n---\n")
    assert [p.rule for p in doc.problems] == ["OPS001"]
    assert doc.problems[0].line in (2, 3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# no front matter\n", "no front matter"),
        ("---\npipeline: p\n# never closed\n", "never closed"),
        ("", "no front matter"),
    ],
)
def test_broken_front_matter(text: str, message: str) -> None:
    doc, _, _ = split_front_matter("r.md", text)
    [problem] = doc.problems
    assert (problem.rule, problem.line) == ("OPS001", 1)
    assert message in problem.message


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    shutil.copytree(CASES / "valid-minimal" / "ops-data", tmp_path / "ops-data")
    (tmp_path / "ops-data" / "runbooks" / "profit.md").write_text(RUNBOOK, encoding="utf-8")
    return tmp_path


def test_headings_in_code_are_not_headings(repo: Path) -> None:
    ds = dataset.load(repo, dt.date(2027, 1, 4))
    runbook = ds.runbooks["runbooks/profit.md"]
    assert [(h.level, h.text, h.line) for h in runbook.headings] == [(1, "Profit", 7), (2, "Escalation", 19)]


def test_link_lines(repo: Path) -> None:
    ds = dataset.load(repo, dt.date(2027, 1, 4))
    runbook = ds.runbooks["runbooks/profit.md"]
    assert [(link.target, link.line) for link in runbook.links] == [
        ("other.md", 9), ("../pipelines.yaml", 10), ("https://wiki.example.com", 20),
    ]
