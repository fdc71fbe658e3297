"""Hostile input: what a pull request can put in ops-data/ and policies/ never crashes, hangs or
reads outside the repository. One minimal reproducer per class of problem once found."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import AS_OF, REPO, Result
from opscheck import dataset, engine, outline, tree
from opscheck.compose import MAX_ALIAS_CHARS, MAX_LIST_ENTRIES
from opscheck.integrations.codeowners import GROUP, MAX_GLOBS, matches
from opscheck.outline import MAX_PARSED_BYTES
from opscheck.source import parse_yaml, split_front_matter

COMMANDS = {
    "validate": ("validate", "--as-of", AS_OF),
    "report": ("report",),
    "plan": ("schedule", "plan", "--rotation", "data-pipelines", "--as-of", AS_OF),
    "ics": ("schedule", "ics", "--rotation", "data-pipelines"),
    "who": ("who", "--at", f"{AS_OF}T10:00Z"),
}


def edit(root: Path, file: str, old: str, new: str) -> None:
    path = root / file
    text = path.read_text(encoding="utf-8")
    assert old in text, (file, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def replace_with_symlink(root: Path, file: str, target: str) -> None:
    (root / file).unlink()
    os.symlink(target, root / file)


def every_command(run: Callable[..., Result], root: Path) -> dict[str, Result]:
    results = {name: run(*args, "--root", root) for name, args in COMMANDS.items()}
    for name, result in results.items():
        assert "Traceback" not in result.out + result.err, name
        assert result.code in (0, 1, 2), (name, result.err)
    return results


@pytest.mark.parametrize("value", ["0x" + "f" * 4000, "1" + ":59" * 200_000, "1" + ":59" * 40 + ".5", "9" * 101,
                                   "!!float " + "1" * 101])
def test_a_number_longer_than_opscheck_reads_is_one_finding(value: str) -> None:
    """4,000 hex digits make an int Python refuses to print (a traceback in every command), and
    PyYAML reads 200,000 base-60 digits in 8 s."""
    doc = parse_yaml("ops-data/engineers.yaml", f"engineers:\n- id: e\n  name: x\n  active: {value}\n")
    assert doc.data is None
    assert [(p.rule, p.line, p.column) for p in doc.problems] == [("OPS002", 4, 11)]
    assert "characters is longer than opscheck reads (100)" in doc.problems[0].message
    assert parse_yaml("f.yaml", "a: " + "9" * 100 + "\n").data == {"a": int("9" * 100)}
    for text in ("9" * 200 + "x", "2001-12-14t21:59:43." + "1" * 200, "1" + ":59" * 50 + " and more"):
        assert parse_yaml("f.yaml", f"a: {text}\n").data == {"a": text}  # text, as PyYAML reads it


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0b_", "YAML reads '0b_' as a whole number"),
        ("!!float x", "YAML reads 'x' as a number"),
        ("!!int ''", "YAML reads '' as a whole number"),
        ("!!bool maybe", "YAML reads 'maybe' as a true or false"),
        ("!!seq {a: 1}", "tag 'seq' does not fit a mapping"),
        ("!!str [a]", "tag 'str' does not fit a list"),
        ("!!map x", "tag 'map' does not fit a plain value"),
    ],
)
def test_standard_tags_the_value_does_not_fit(value: str, message: str) -> None:
    doc = parse_yaml("ops-data/holidays.yaml", f"calendar: {value}\n")
    assert doc.data is None
    assert [(p.rule in ("OPS001", "OPS002"), p.line, message in p.message) for p in doc.problems] == [(True, 1, True)]


def test_values_the_builder_cannot_convert_stop_no_command(team: Path, run: Callable[..., Result]) -> None:
    edit(team, "ops-data/holidays.yaml", "calendar: US", "calendar: 0b_")
    results = every_command(run, team)
    assert results["validate"].code == 1
    assert "holidays.yaml:5" in results["plan"].err and results["plan"].code == 2
    assert results["who"].code == 0  # who does not read holidays.yaml


@pytest.mark.parametrize("depth", [70, 400, 990])
def test_deep_nesting_is_one_finding(depth: int) -> None:
    doc = parse_yaml("f.yaml", "a: " + "[" * depth + "]" * depth + "\n")
    assert len(doc.problems) == 1 and doc.problems[0].rule == "OPS001"


def test_aliases_of_a_long_value_are_weighed_by_their_text(team: Path, run: Callable[..., Result]) -> None:
    """9,000 aliases of a 1 MB engineer id (a 1.33 MB file) are 9,000 nodes but acted like 9 GB
    of data: `validate` ended in a MemoryError. What aliases bring is counted in characters too:
    past MAX_ALIAS_CHARS the file is one OPS001 finding at the alias too many, and no command
    reads it."""
    anchored = "z" * 20_000
    aliases = MAX_ALIAS_CHARS // len(anchored) + 1
    header = ("rotations:\n- id: data-pipelines\n  members: [eng1, eng2, eng3, eng4, eng5]\n"
              '  handoff: {weekday: monday, time: "09:00", timezone: America/New_York}\n  shifts:\n')
    weeks = [dt.date(2020, 1, 6) + dt.timedelta(weeks=k) for k in range(aliases + 1)]
    shifts = [f"  - {{week: {weeks[0]}, engineer: &x {anchored}}}\n"]
    shifts += [f"  - {{week: {week}, engineer: *x}}\n" for week in weeks[1:]]
    path = team / "ops-data/oncall.yaml"
    path.write_text(header + "".join(shifts[:-1]), encoding="utf-8")
    assert not [f for f in run("validate", "--root", team, "--as-of", AS_OF, "--format", "json").json()["findings"]
                if f["rule"] == "OPS001"]
    path.write_text(header + "".join(shifts), encoding="utf-8")
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json")
    found = [(f["rule"], f["file"], f["line"]) for f in result.json()["findings"]]
    assert result.code == 1 and found == [("OPS001", "ops-data/oncall.yaml", 6 + aliases)]
    assert "beyond 1,000,000 characters of text (an alias bomb?)" in result.json()["findings"][0]["message"]
    results = every_command(run, team)
    assert "oncall.yaml:" in results["plan"].err and results["plan"].code == 2


def test_self_referring_alias_is_one_finding() -> None:
    doc = parse_yaml("f.yaml", "a: &x [*x]\n")
    assert [p.rule for p in doc.problems] == ["OPS001"]


@pytest.mark.parametrize("zone", ["America", "A" * 300, "../../../etc/passwd", "America/"])
def test_time_zones_are_names_from_the_database_not_paths(team: Path, zone: str, run: Callable[..., Result]) -> None:
    edit(team, "ops-data/oncall.yaml", "timezone: America/New_York", f"timezone: '{zone}'")
    results = every_command(run, team)
    finding = results["validate"].out.splitlines()[0]
    assert "ops-data/oncall.yaml:16:" in finding and "unknown time zone" in finding
    assert results["who"].code == 2


@pytest.mark.parametrize("calendar", ["utils", "countries", "financial", "holiday_base"])
def test_calendars_are_country_codes_not_library_modules(
    team: Path, calendar: str, run: Callable[..., Result]
) -> None:
    edit(team, "ops-data/holidays.yaml", "calendar: US", f"calendar: {calendar}")
    results = every_command(run, team)
    assert results["validate"].code == 1
    assert f"no calendar '{calendar}'" in results["report"].err


@pytest.mark.parametrize("target", ["/dev/zero", "/etc/passwd", "/"])
def test_a_data_file_symlinked_outside_is_not_read(team: Path, target: str, run: Callable[..., Result]) -> None:
    replace_with_symlink(team, "ops-data/engineers.yaml", target)
    results = every_command(run, team)
    assert "engineers.yaml:1:1: OPS001 error: not read: it is a symlink pointing outside" in results["validate"].out
    assert results["who"].code == 2


def test_a_fifo_is_not_opened(team: Path, run: Callable[..., Result]) -> None:
    (team / "ops-data/engineers.yaml").unlink()
    os.mkfifo(team / "ops-data/engineers.yaml")
    results = every_command(run, team)
    assert "OPS001 error: not read: it is not a regular file" in results["validate"].out


def test_a_policy_symlinked_outside_is_a_configuration_error(team: Path, run: Callable[..., Result]) -> None:
    replace_with_symlink(team, "policies/opscheck.yaml", "/etc/passwd")
    result = run("validate", "--root", team, "--as-of", AS_OF)
    assert result.code == 2 and "policies/opscheck.yaml:1: not read: it is a symlink pointing outside" in result.err


def test_a_runbook_folder_symlinked_outside_is_not_walked(
    team: Path, tmp_path_factory: pytest.TempPathFactory, run: Callable[..., Result]
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "README.md").write_text("---\npipeline: x\n---\n", encoding="utf-8")
    for rb in (team / "ops-data/runbooks").iterdir():
        rb.unlink()
    (team / "ops-data/runbooks").rmdir()
    os.symlink(outside, team / "ops-data/runbooks")
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json")
    report = result.json()
    assert report["summary"]["files"] == 5  # four data files and the policy: no runbook
    assert {f["rule"] for f in report["findings"]} == {"RUN004"}


def test_a_runbook_symlinked_outside_is_never_opened(
    team: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch,
    run: Callable[..., Result],
) -> None:
    outside = tmp_path_factory.mktemp("outside") / "profit.md"
    outside.write_text("---\npipeline: profit-aggregate\n---\n", encoding="utf-8")
    replace_with_symlink(team, "ops-data/runbooks/profit-aggregate.md", str(outside))
    opened: list[str] = []
    real_read = tree.read_resolved

    def spy(real: str | None, base: str | None, limit: int = tree.MAX_FILE_BYTES) -> bytes:
        opened.append(Path(real or "").name)
        return real_read(real, base, limit)

    monkeypatch.setattr(tree, "read_resolved", spy)
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json")
    assert [f["rule"] for f in result.json()["findings"]] == ["RUN004"]
    assert "profit-aggregate.md" not in opened and "growth-aggregate.md" in opened


@pytest.mark.parametrize(
    ("runbook", "rule", "message"),
    [
        ('"runbooks/a\\0b.md"', "RUN001", "does not exist"),
        ("engineers.yaml", "RUN004", "names a data file"),
        ("./oncall.yaml", "RUN004", "names a data file"),
    ],
)
def test_odd_runbook_paths(team: Path, runbook: str, rule: str, message: str, run: Callable[..., Result]) -> None:
    edit(team, "ops-data/pipelines.yaml", "runbook: runbooks/profit-aggregate.md", f"runbook: {runbook}")
    (team / "policies/rules").mkdir()
    (team / "policies/rules/named.yaml").write_text(
        "id: X-NAMED\nsummary: s\ntarget: engineers\nmessage: '{id}'\nschema: {required: [name]}\n", encoding="utf-8"
    )
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json")
    assert [(f["rule"], message in f["message"]) for f in result.json()["findings"]] == [(rule, True)]


def test_markdown_only_the_parser_reads_is_read_up_to_its_limit(run: Callable[..., Result], team: Path) -> None:
    """The parser takes about 11 s a MiB of nested lists; past its limit the runbook is one
    OPS001 finding at the body's first line, and its headings are not judged (no RUN003)."""
    path = team / "ops-data/runbooks/profit-aggregate.md"
    text = path.read_text(encoding="utf-8")
    body_line = text.split("\n").index("---", 1) + 2
    path.write_text(text + "- - - a\n" * (MAX_PARSED_BYTES // 8 + 1), encoding="utf-8")
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json")
    found = [(f["rule"], f["file"], f["line"]) for f in result.json()["findings"]]
    assert result.code == 1 and found == [("OPS001", "ops-data/runbooks/profit-aggregate.md", body_line)]
    assert "at most 256 KiB" in result.json()["findings"][0]["message"]
    path.write_text(text + "Plain text, [a link](profit-aggregate.md).\n" * 10_000, encoding="utf-8")
    assert run("validate", "--root", team, "--as-of", AS_OF).code == 0  # plain text is read by its lines


def test_a_runbook_of_too_many_headings_and_links_is_one_finding(run: Callable[..., Result], team: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """1.15 million links to distinct missing files took `validate` 26 s and 547 MiB (RUN006)."""
    path = team / "ops-data/runbooks/profit-aggregate.md"
    text = path.read_text(encoding="utf-8")
    _, body, body_line = split_front_matter(path.name, text)
    headings = len(outline.Outliner()(body, body_line)[0])
    monkeypatch.setattr(outline, "MAX_OUTLINE", headings + 9)
    path.write_text(text + "".join(f"[link](missing-{n}.md)\n" for n in range(10)), encoding="utf-8")
    found = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json").json()["findings"]
    assert [(f["rule"], f["line"]) for f in found] == [("OPS001", text.count("\n") + 10)]  # the tenth link
    assert f"more than {headings + 9} headings and links" in found[0]["message"]


def test_overrides_of_too_many_days_in_all_are_one_finding(run: Callable[..., Result], team: Path) -> None:
    """Every command works out who covers each day: three overrides from 1900 to 9000 took
    `validate` 10 s, twenty over a minute. Past MAX_OVERRIDE_DAYS the file is not read."""
    path = team / "ops-data/oncall.yaml"
    text = path.read_text(encoding="utf-8")
    wide = "      - {start: 1901-01-01, end: 2500-12-31, engineer: eng1, reason: x}\n"
    path.write_text(text.replace("    overrides:\n", "    overrides:\n" + wide, 1), encoding="utf-8")
    line = text.split("\n").index("    overrides:") + 2
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json")
    found = [(f["rule"], f["file"], f["line"]) for f in result.json()["findings"]]
    assert result.code == 1 and found == [("OPS001", "ops-data/oncall.yaml", line)]
    assert f"more than {dataset.MAX_OVERRIDE_DAYS:,} days in all" in result.json()["findings"][0]["message"]
    assert run("who", "--root", team, "--at", f"{AS_OF}T10:00Z").code == 2


def test_a_file_of_too_many_list_entries_is_one_finding(run: Callable[..., Result], team: Path) -> None:
    """2.6 million one-line entries fit in 10 MiB and took `validate` 44 s and 1.6 GB; past
    MAX_LIST_ENTRIES the file is one OPS001 finding at the first entry too many, and references
    to what it would define are not judged."""
    path = team / "ops-data/engineers.yaml"
    path.write_text("engineers:\n" + "- 1\n" * (MAX_LIST_ENTRIES + 1), encoding="utf-8")
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json")
    found = [(f["rule"], f["file"], f["line"]) for f in result.json()["findings"]]
    assert result.code == 1 and found == [("OPS001", "ops-data/engineers.yaml", MAX_LIST_ENTRIES + 2)]
    assert "more than 100,000 list entries" in result.json()["findings"][0]["message"]


def test_past_a_files_problem_budget_entries_are_built_and_counted(
        run: Callable[..., Result], team: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """50,000 entries with 26 unknown keys each took `validate` 24 s and 1.2 GB working out and
    wording 1.3 million problems: past MAX_FILE_PROBLEMS an entry is only built or found wanting,
    and one finding, listed past the engine's cap, counts the rest."""
    monkeypatch.setattr(dataset, "MAX_FILE_PROBLEMS", 2)
    path = team / "ops-data/engineers.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "".join(
        f"  - {{id: {ident}, name: N{'' if ident == 'good6' else ', x: 1'}}}\n"
        for ident in ("bad1", "bad2", "bad3", "good6", "bad4")))
    lines = path.read_text(encoding="utf-8").splitlines()
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", "--select", "OPS")
    found = [(f["rule"], f["line"], f["message"]) for f in result.json()["findings"]]
    bad3 = next(n for n, line in enumerate(lines, 1) if "bad3" in line)
    assert [(rule, line) for rule, line, _ in found] == [("OPS002", bad3 - 2), ("OPS002", bad3 - 1), ("OPS002", bad3)]
    assert found[2][2].startswith("2 more engineers from here on have problems that are not listed")
    monkeypatch.setattr(engine, "MAX_FINDINGS", 1)
    found = [f["message"] for f in run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", "--select",
                                       "OPS").json()["findings"]]
    assert len(found) == 3 and found[1].startswith("1 more OPS002 findings are not listed")
    assert found[2].startswith("2 more engineers from here on")


def test_reading_stops_at_the_size_limit(tmp_path: Path) -> None:
    (tmp_path / "big.yaml").write_bytes(b"#" * 101)
    with pytest.raises(tree.Unreadable, match="101 bytes, over the 100-byte limit"):
        tree.FileTree(tmp_path).read_bytes("big.yaml", limit=100)
    assert tree.FileTree(tmp_path).read_bytes("big.yaml", limit=101) == b"#" * 101


@pytest.mark.parametrize("name", ["a\0b.yaml", "x" * 5000, "../outside.yaml"])
def test_names_no_file_inside_can_have(tmp_path: Path, name: str) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "outside.yaml").write_text("a: 1\n", encoding="utf-8")
    files = tree.FileTree(tmp_path / "repo")
    assert not files.exists(name) and not files.is_file(name) and not files.is_dir(name)
    with pytest.raises(tree.Unreadable, match="not read"):
        files.read_bytes(name)


def test_a_root_path_too_long_is_a_clear_error(run: Callable[..., Result]) -> None:
    result = run("validate", "--root", "/" + "x" * 5000, "--as-of", AS_OF)
    assert result.code == 2 and "Traceback" not in result.err and "no ops-data/ folder" in result.err


def _append(root: Path, file: str, before: str, text: str) -> None:
    path = root / file
    old = path.read_text(encoding="utf-8")
    path.write_text(old.replace(before, text + before, 1) if before else old + text, encoding="utf-8")


EDGES = {
    "first shift in 1900": ("ops-data/oncall.yaml", "    overrides:\n", "      - {week: 1900-01-01, engineer: eng3}\n"),
    "last shift in 9000": ("ops-data/oncall.yaml", "    overrides:\n", "      - {week: 9000-12-25, engineer: eng3}\n"),
    "override on the last day": ("ops-data/oncall.yaml", "", "      - {date: 9000-12-31, engineer: eng3}\n"),
    "time off to the last day": ("ops-data/engineers.yaml", "", "      - {start: 2026-12-01, end: 9000-12-31}\n"),
    "company day on the first day": ("ops-data/holidays.yaml", "", "extra:\n  - {name: Day one, date: 1900-01-01}\n"),
}


@pytest.mark.parametrize("edge", EDGES, ids=list(EDGES))
def test_dates_at_the_ends_of_the_supported_range(team: Path, edge: str, run: Callable[..., Result]) -> None:
    _append(team, *EDGES[edge])
    results = every_command(run, team)
    assert results["validate"].code in (0, 1)


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31", "9001-01-01", "9999-12-31"])
def test_dates_outside_the_supported_range_are_one_finding(team: Path, day: str, run: Callable[..., Result]) -> None:
    edit(team, "ops-data/oncall.yaml", "{week: 2024-12-30, engineer: eng1}", f"{{week: {day}, engineer: eng1}}")
    results = every_command(run, team)
    finding = results["validate"].out.splitlines()[0]
    assert f"OPS002 error: 'week': {day} is outside the years 1900 to 9000" in finding
    assert results["ics"].code == 2


@pytest.mark.parametrize("until", ["9000-12-31", "9999-12-31", "0001-01-01"])
def test_until_at_the_ends_of_the_calendar(until: str, run: Callable[..., Result]) -> None:
    result = run("schedule", "plan", "--rotation", "data-pipelines", "--as-of", "9000-12-01", "--until", until)
    assert result.code in (0, 1, 2) and "Traceback" not in result.err


def test_plan_far_past_the_published_schedule_is_refused(run: Callable[..., Result]) -> None:
    result = run("schedule", "plan", "--rotation", "data-pipelines", "--as-of", "9000-12-01")
    assert result.code == 2 and "Traceback" not in result.err
    assert "would fill more than 10 years of weeks at once" in result.err


def test_a_default_horizon_past_the_last_year_is_refused(team: Path, run: Callable[..., Result]) -> None:
    """Published through the last week of 9000, a plan as of 9000-12-20 would have made a shift in
    9001 (a traceback): the horizon may not pass the years opscheck reads."""
    last = "      - {week: 9000-12-25, engineer: eng2}\n"
    edit(team, "ops-data/oncall.yaml", "    overrides:\n", last + "    overrides:\n")
    result = run("schedule", "plan", "--rotation", "data-pipelines", "--as-of", "9000-12-20", "--root", team)
    assert result.code == 2 and "Traceback" not in result.err
    assert "reaches past the years opscheck reads (1900 to 9000); plan through 9000-12-31 at the latest" in result.err


def _undecodable_runbook(team: Path) -> None:
    folder = os.fsencode(team / "ops-data/runbooks")
    with open(folder + b"/caf\xe9.md", "wb") as out:
        out.write(b"---\npipeline: nowhere\n---\n# Overview\n")


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif", "junit"])
def test_undecodable_file_names_give_valid_utf8(team: Path, fmt: str, run: Callable[..., Result]) -> None:
    import json
    import xml.dom.minidom

    _undecodable_runbook(team)
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", fmt)
    assert result.code == 1 and "Traceback" not in result.err
    result.out.encode("utf-8")  # strict: no surrogate may reach the output
    if fmt in ("json", "sarif"):
        found = repr(json.loads(result.out))  # a SARIF URI percent-encodes the backslash
        assert "caf\\\\xe9.md" in found or "caf%5Cxe9.md" in found
    else:
        assert "runbooks/caf\\xe9.md" in result.out
    if fmt == "junit":
        xml.dom.minidom.parseString(result.out.encode("utf-8"))


def test_report_names_undecodable_runbooks_in_valid_utf8(team: Path, run: Callable[..., Result]) -> None:
    _undecodable_runbook(team)
    result = run("report", "--root", team)
    (result.out + result.err).encode("utf-8")


@pytest.mark.parametrize("content", [b"\x00\xff\xfe binary", b"\xff" * 100])
def test_report_check_on_a_binary_file(tmp_path: Path, content: bytes, run: Callable[..., Result]) -> None:
    from conftest import REPO

    target = tmp_path / "ONCALL.md"
    target.write_bytes(content)
    result = run("report", "--root", REPO, "--check", target)
    assert result.code == 1 and "is not UTF-8 text" in result.err and "Traceback" not in result.err


def test_report_check_on_a_fifo(tmp_path: Path, run: Callable[..., Result]) -> None:
    from conftest import REPO

    os.mkfifo(tmp_path / "ONCALL.md")
    result = run("report", "--root", REPO, "--check", tmp_path / "ONCALL.md")
    assert result.code == 2 and "not a regular file" in result.err


# -- .github/CODEOWNERS ----------------------------------------------------------------------------

def _with_codeowners(root: Path, inside: str = "", after: str = "") -> Path:
    """``root`` with this repository's CODEOWNERS, ``inside`` added to its block and ``after`` below it."""
    (root / ".github").mkdir()
    text = (REPO / ".github/CODEOWNERS").read_text(encoding="utf-8")
    text = text.replace("# END opscheck\n", f"{inside}# END opscheck\n") + after
    (root / ".github/CODEOWNERS").write_text(text, encoding="utf-8")
    return root


@pytest.mark.parametrize("line", ["\\", "\\\\\\", "  \\  "])
def test_a_codeowners_line_of_backslashes_owns_nothing(team: Path, line: str, run: Callable[..., Result]) -> None:
    root = _with_codeowners(team, after=f"{line}\n")
    assert run("codeowners", "--check", "--root", root).code == 0
    result = run("validate", "--root", root, "--as-of", AS_OF, "--select", "OWN007,OWN008")
    assert (result.code, result.err) == (0, "")


def test_codeowners_patterns_are_matched_without_backtracking(team: Path, run: Callable[..., Result]) -> None:
    # With a backtracking engine each of these took exponential time in the path's length.
    assert not matches("*a" * 40 + "b", "a" * 10_000)
    assert not matches("/" + "**/" * 60 + "b", "a/" * 100 + "c")
    root = _with_codeowners(team, inside="a" * 200 + " @eng1\n", after="*a" * 40 + "b @eng1\n")
    result = run("validate", "--root", root, "--as-of", AS_OF, "--select", "OWN008")
    assert (result.code, result.out.splitlines()[-1]) == (0, f"0 errors, 0 warnings in 8 files (as of {AS_OF})")


def test_a_glob_with_many_wildcards_on_a_long_name_is_linear(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / ("a" * 250)).write_text("x", encoding="utf-8")
    assert tree.FileTree(tmp_path).glob("d/" + "*a" * 40 + "b") == []
    assert tree.FileTree(tmp_path).glob("d/" + "*a" * 40) == ["d/" + "a" * 250]
    # a glob of megabytes (one CODEOWNERS line) is not compiled by re, which takes seconds on it
    assert tree.FileTree(tmp_path).glob("d/" + "a*/" * 300_000 + "x") == []


def test_many_lines_after_a_large_block_are_compared_within_a_budget(team: Path, run: Callable[..., Result]) -> None:
    """Every line after the block against every path of the block is a product: past the budget
    OWN008 says it could not compare them all, and a line it did reach is still reported."""
    inside = "".join(f"/x{i}/y{i}/** @eng1\n" for i in range(MAX_GLOBS + 10))
    after = "x0/ @eng1\n" + "".join(f"z{i}/*.q @eng1\n" for i in range(GROUP * 40))
    root = _with_codeowners(team, inside=inside, after=after)
    result = run("validate", "--root", root, "--as-of", AS_OF, "--select", "OWN008", "--format", "json")
    said = [f["message"] for f in result.json()["findings"]]
    assert any("too many lines in and after the opscheck block" in m for m in said), said
    assert any("'x0/' comes after the opscheck block and also matches '/x0/y0/**'" in m for m in said), said


@pytest.mark.parametrize("odd", ["\x0c", "\u2028", "\x85", "\r"])
def test_codeowners_lines_are_counted_at_newlines_only(team: Path, odd: str, run: Callable[..., Result]) -> None:
    """GitHub and git split CODEOWNERS at "\\n" only; a form feed or U+2028 inside a line does not
    move the lines that follow, nor does it make the block look different."""
    root = _with_codeowners(team, after=f"# a note{odd}with more\n/ops-data/ @eng1\n")
    lines = (root / ".github/CODEOWNERS").read_bytes().decode("utf-8").split("\n")
    assert run("codeowners", "--check", "--root", root).code == 0
    result = run("validate", "--root", root, "--as-of", AS_OF, "--select", "OWN007,OWN008", "--format", "json")
    found = [(f["rule"], f["line"]) for f in result.json()["findings"]]
    assert found == [("OWN008", lines.index("/ops-data/ @eng1") + 1)], found


def test_a_codeowners_line_of_megabytes_is_cut_short_in_findings(team: Path, run: Callable[..., Result]) -> None:
    long = "/" + "a/" * 500_000 + "x"
    root = _with_codeowners(team, inside=f"{long} @eng1\n", after=f"{long} @eng2\n")
    result = run("validate", "--root", root, "--as-of", AS_OF, "--select", "OWN007,OWN008", "--format", "json")
    found = {f["rule"]: f["message"] for f in result.json()["findings"]}
    assert set(found) == {"OWN007", "OWN008"} and all(len(m) < 1000 for m in found.values()), found


def test_long_wildcard_lines_after_the_block_count_against_the_budget(team: Path, run: Callable[..., Result]) -> None:
    """RE2 takes long to compile thousands of patterns of hundreds of wildcards (they made 20 s);
    compiling is charged to OWN008's budget like searching."""
    after = "".join(f"*{i}" + "*a?b*" * 100 + " @eng1\n" for i in range(3_000))
    root = _with_codeowners(team, after=after)
    result = run("validate", "--root", root, "--as-of", AS_OF, "--select", "OWN008", "--format", "json")
    said = [f["message"] for f in result.json()["findings"]]
    assert len(said) == 1 and "too many lines in and after the opscheck block" in said[0], said


def test_owners_away_together_are_counted_past_the_cap_not_made(
    team: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    """30,000 pipelines of two owners away every other day were six million OWN006 findings, each
    made (message and all) before the cap dropped it: 17 s. Past the cap they are counted."""
    from opscheck.rules import ownership

    made: list[str] = []
    real = ownership._away_hits

    def spy(pipe: Any, *args: Any) -> Any:
        made.append(pipe.id)
        return real(pipe, *args)

    monkeypatch.setattr(engine, "MAX_FINDINGS", 2)
    monkeypatch.setattr(ownership, "_away_hits", spy)
    people = team / "ops-data/engineers.yaml"
    away = "".join(f"      - {{start: 2027-03-{d:02d}, end: 2027-03-{d:02d}}}\n" for d in (2, 4, 8))
    text = people.read_text(encoding="utf-8")
    assert text.count("    time_off:\n") == 5
    people.write_text(text.replace("    time_off:\n", "    time_off:\n" + away), encoding="utf-8")
    found = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", "--select", "OWN006").json()
    listed = [f["message"] for f in found["findings"]]
    assert len(listed) == 3 and any(m.startswith("13 more OWN006 findings are not listed") for m in listed)  # 5 x 3
    assert len(made) <= 2, made  # the first pipeline's, and the one holding the first left out
