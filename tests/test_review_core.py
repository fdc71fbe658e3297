"""Odd but legal input through `opscheck validate`: line ends, waivers out of scope, custom messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import Result

ENGINEERS = """engineers:
  - {id: eng1, name: Eng1}
  - {id: eng2, name: Eng2}
  - {id: eng3, name: Eng3}
"""
PIPELINES = """pipelines:
  - id: orders
    name: Orders
    area: Sales
    audience: [internal]
    owners: {primary: eng1, secondary: [eng2]}
    runbook: runbooks/orders.md
"""
HOLIDAYS = "calendar: US\nobserve: [Christmas Day]\n"
RUNBOOK = """---
pipeline: orders
last_reviewed: 2027-01-01
failure_modes:
  - {id: stale, category: upstream, title: Stale, detection: freshness check, impact: late orders}
  - {id: wrong, category: downstream, title: Wrong, detection: reconciliation, impact: wrong orders}
---
# Orders runbook
## Overview
## Dependencies
## Failure modes
## Escalation
"""


def _oncall(first: str = "2027-01-04", weeks: int = 16) -> str:
    start = dt.date.fromisoformat(first)
    shifts = "".join(
        f"      - {{week: {start + dt.timedelta(weeks=i)}, engineer: eng{i % 3 + 1}}}\n" for i in range(weeks)
    )
    return ("rotations:\n  - id: data\n    members: [eng1, eng2, eng3]\n"
            '    handoff: {weekday: monday, time: "09:00", timezone: UTC}\n    shifts:\n' + shifts)


def _repo(root: Path, changes: dict[str, str | bytes] | None = None) -> Path:
    """A clean repository (no finding as of 2027-01-04), with ``changes`` (path: text) applied."""
    files: dict[str, str | bytes] = {
        "ops-data/engineers.yaml": ENGINEERS,
        "ops-data/pipelines.yaml": PIPELINES,
        "ops-data/oncall.yaml": _oncall(),
        "ops-data/holidays.yaml": HOLIDAYS,
        "ops-data/runbooks/orders.md": RUNBOOK,
    }
    files.update(changes or {})
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return root


def _findings(run: Callable[..., Result], root: Path, *args: str, as_of: str = "2027-01-04") -> list[Any]:
    result = run("validate", "--root", root, "--as-of", as_of, "--format", "json", *args)
    assert "Traceback" not in result.out + result.err
    assert result.code in (0, 1), result.err
    found: list[Any] = result.json()["findings"]
    return found


def _brief(found: list[Any]) -> list[tuple[str, str, int]]:
    return [(f["rule"], f["file"], f["line"]) for f in found]


def test_the_clean_repository_is_clean(run: Callable[..., Result], tmp_path: Path) -> None:
    assert _findings(run, _repo(tmp_path)) == []


def _encode(text: str, newline: str) -> bytes:
    return text.replace("\n", newline).encode("utf-8")


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_crlf_line_ends_read_like_lf(run: Callable[..., Result], tmp_path: Path, newline: str) -> None:
    broken = RUNBOOK.replace("## Escalation\n", "").replace("last_reviewed: 2027-01-01\n",
                                                             "last_reviewed: 2027-01-01\nowner: eng1\n")
    root = _repo(tmp_path, {
        "ops-data/engineers.yaml": _encode(ENGINEERS, newline),
        "ops-data/pipelines.yaml": _encode(PIPELINES, newline),
        "ops-data/runbooks/orders.md": _encode(broken, newline),
    })
    assert _brief(_findings(run, root)) == [
        ("OPS002", "ops-data/runbooks/orders.md", 4),
        ("RUN003", "ops-data/runbooks/orders.md", 12),
    ]


WAIVERS = """waivers:
  - {rule: ONC003, subject: data, reason: planning in DATA-9, expires: 2027-06-30}
  - {rule: OWN005, subject: nobody, reason: legacy, expires: 2027-06-30}
"""


@pytest.mark.parametrize(("args", "unused"), [
    ((), [3]),
    (("--select", "POL002"), []),
    (("--select", "POL,OWN"), [3]),
    (("--ignore", "ONC003"), [3]),
    (("--ignore", "OWN"), []),
])
def test_pol002_judges_only_waivers_of_rules_that_ran(
    run: Callable[..., Result], tmp_path: Path, args: tuple[str, ...], unused: list[int]
) -> None:
    """A waiver of a rule left out by --select or --ignore is not unused: that rule did not look."""
    root = _repo(tmp_path, {"policies/opscheck.yaml": WAIVERS, "ops-data/oncall.yaml": _oncall(weeks=4)})
    found = _findings(run, root, *args)
    assert [f["line"] for f in found if f["rule"] == "POL002"] == unused


def _custom(message: str, target: str = "pipelines") -> str:
    return (f"id: X-CHECK\nsummary: a custom check\ntarget: {target}\n"
            f"message: '{message}'\nschema: {{required: [nothing]}}\n")


@pytest.mark.parametrize("message", ["{0} fails", "{} fails", "{owners.primary} fails", "{owners[primary]} fails",
                                     "{id:d} fails", "{id!r} fails", "{id fails", "id} fails"])
def test_a_custom_message_that_cannot_be_filled_is_a_configuration_error(
    run: Callable[..., Result], tmp_path: Path, message: str
) -> None:
    root = _repo(tmp_path, {"policies/rules/check.yaml": _custom(message)})
    result = run("validate", "--root", root, "--as-of", "2027-01-04")
    assert "Traceback" not in result.out + result.err
    assert result.code == 2, result.out + result.err
    assert "policies/rules/check.yaml:4" in result.err
    assert "{field}" in result.err


@pytest.mark.parametrize(("target", "message", "error"), [
    ("pipelines", "{id} ({area}) lacks {nothing}",
     "message placeholder {nothing} is not a key of pipelines items; keys: id, name, area, audience"),
    ("pipelines", "{idd} has no backup",
     "message placeholder {idd} is not a key of pipelines items (did you mean 'id'?)"),
    ("shifts", "{engineer} on {week} ({rotation})",
     "message placeholder {rotation} is not a key of shifts items; keys: week, engineer"),
])
def test_a_placeholder_no_item_can_have_is_a_configuration_error(
    run: Callable[..., Result], tmp_path: Path, target: str, message: str, error: str
) -> None:
    root = _repo(tmp_path, {"policies/rules/check.yaml": _custom(message, target)})
    result = run("validate", "--root", root, "--as-of", "2027-01-04")
    assert result.code == 2 and result.out == ""
    assert f"opscheck: error: policies/rules/check.yaml:4: {error}" in result.err


@pytest.mark.parametrize(("target", "message", "shown"), [
    ("pipelines", "{id} ({area})", "orders (Sales)"),
    ("shifts", "{engineer} on {week}", "eng1 on 2027-01-04"),
    ("runbooks", "{pipeline} {{literal}}", "orders {literal}"),
])
def test_custom_message_fills_the_fields_the_item_has(
    run: Callable[..., Result], tmp_path: Path, target: str, message: str, shown: str
) -> None:
    root = _repo(tmp_path, {"policies/rules/check.yaml": _custom(message, target)})
    found = [f for f in _findings(run, root) if f["rule"] == "X-CHECK"]
    assert found[0]["message"] == shown


@pytest.mark.parametrize(("as_of", "messages"), [
    ("2027-01-04", ["'eng1' is on time off 2027-01-04 to 2027-01-05 but covers data@2027-01-04"]),
    ("2027-01-05", ["'eng1' is on time off 2027-01-05 but covers data@2027-01-04"]),
    ("2027-01-06", []),
])
def test_onc004_judges_time_off_only_from_as_of_on(
    run: Callable[..., Result], tmp_path: Path, as_of: str, messages: list[str]
) -> None:
    """Days of a running shift before as-of are history: time off on them is no longer a finding."""
    engineers = ENGINEERS.replace("{id: eng1, name: Eng1}",
                                  "{id: eng1, name: Eng1, time_off: [{start: 2027-01-04, end: 2027-01-05}]}")
    root = _repo(tmp_path, {"ops-data/engineers.yaml": engineers})
    found = [f["message"] for f in _findings(run, root, "--select", "ONC004", as_of=as_of)]
    assert [m.split(";")[0] for m in found] == messages


def test_run006_follows_reference_style_links(run: Callable[..., Result], tmp_path: Path) -> None:
    body = ("\nSee the [guide][g], the [orders] page and [the wiki][w].\n\n"
            "[g]: missing-guide.md\n[orders]: <orders.md>\n[w]: https://wiki.example.com/orders\n")
    root = _repo(tmp_path, {"ops-data/runbooks/orders.md": RUNBOOK + body})
    found = [(f["line"], f["message"].split(",")[0]) for f in _findings(run, root) if f["rule"] == "RUN006"]
    assert found == [(14, "link 'missing-guide.md' points to ops-data/runbooks/missing-guide.md")]


@pytest.mark.parametrize("engineers", [
    "engineers: {}\n",
    "engineers: eng1\n",
    "enginers:\n  - {id: eng1, name: Eng1}\n",
    "- {id: eng1, name: Eng1}\n",
])
def test_a_misshapen_item_file_does_not_make_every_reference_dangle(
    run: Callable[..., Result], tmp_path: Path, engineers: str
) -> None:
    """Which engineers exist is unknown until the file has its shape: no OPS005 for each reference to them."""
    root = _repo(tmp_path, {"ops-data/engineers.yaml": engineers})
    found = _brief(_findings(run, root))
    assert found and all(f == ("OPS002", "ops-data/engineers.yaml", 1) for f in found), found


def test_onc001_names_the_weeks_in_date_order(run: Callable[..., Result], tmp_path: Path) -> None:
    oncall = _oncall().replace("{week: 2027-01-11, engineer: eng2}", "{week: 2027-01-11, engineer: eng1}")
    found = _findings(run, _repo(tmp_path, {"ops-data/oncall.yaml": oncall}), "--select", "ONC001")
    assert [f["message"].split(";")[0] for f in found] == [
        "'eng1' is on call the week of 2027-01-04 and again the week of 2027-01-11"
    ]


@pytest.mark.parametrize(("rule_id", "message"), [
    ("x-check", "'id': custom rule ids start with X- and use A-Z, 0-9 and - (got 'x-check'); write X-CHECK"),
    ("X-CHECK_1", "'id': custom rule ids start with X- and use A-Z, 0-9 and - (got 'X-CHECK_1')"),
])
def test_a_custom_rule_id_is_explained_in_words(run: Callable[..., Result], tmp_path: Path, rule_id: str,
                                                message: str) -> None:
    root = _repo(tmp_path, {"policies/rules/check.yaml": _custom("{id}").replace("X-CHECK", rule_id, 1)})
    result = run("validate", "--root", root, "--as-of", "2027-01-04")
    assert result.code == 2
    assert f"policies/rules/check.yaml:1: {message}\n" in result.err
