"""Messages that say what to do, on the team's own data with one thing broken."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import AS_OF, Result

ONCALL = "ops-data/oncall.yaml"


def edit(team: Path, file: str, old: str, new: str) -> None:
    path = team / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def findings(run: Callable[..., Result], team: Path, *args: str) -> list[dict[str, object]]:
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", *args)
    found: list[dict[str, object]] = result.json()["findings"]
    return found


def test_a_week_listed_twice(run: Callable[..., Result], team: Path) -> None:
    edit(team, ONCALL, "{week: 2025-01-13, engineer: eng3}",
         "{week: 2025-01-13, engineer: eng3}\n      - {week: 2025-01-13, engineer: eng3}")
    onc002 = [f for f in findings(run, team, "--select", "ONC002") if f["rule"] == "ONC002"]
    assert onc002[0]["message"] == "the week of 2025-01-13 is listed twice; keep one shift per week"
    assert onc002[0]["line"] == 23


def test_overlapping_overrides(run: Callable[..., Result], team: Path) -> None:
    text = (team / ONCALL).read_text(encoding="utf-8")
    (team / ONCALL).write_text(
        text.rstrip("\n") + "\n      - {start: 2026-12-24, end: 2026-12-26, engineer: eng3, reason: swap}\n",
        encoding="utf-8",
    )
    found = findings(run, team, "--select", "ONC002")
    assert [(f["rule"], f["subject"]) for f in found] == [("ONC002", "data-pipelines@2026-12-25")]
    assert "overlaps the override for 'eng2'" in str(found[0]["message"])
    assert found[0]["line"] == len(text.rstrip("\n").splitlines()) + 1


def test_unknown_subdivision(run: Callable[..., Result], team: Path) -> None:
    edit(team, "ops-data/holidays.yaml", "calendar: US", "calendar: US\nsubdivision: XX")
    found = findings(run, team, "--select", "OPS005")
    assert found and "subdivision codes" in str(found[0]["message"])


def test_image_links_are_checked(run: Callable[..., Result], team: Path) -> None:
    edit(team, "ops-data/runbooks/profit-aggregate.md", "## Overview\n", "## Overview\n\n![flow](flow.png)\n")
    found = findings(run, team, "--select", "RUN006")
    assert [f["rule"] for f in found] == ["RUN006"]
    assert "flow.png" in str(found[0]["message"])


def test_severity_on_is_explained(run: Callable[..., Result], team: Path) -> None:
    (team / "policies" / "opscheck.yaml").write_text("rules:\n  OWN005: {severity: on}\n", encoding="utf-8")
    result = run("validate", "--root", team, "--as-of", AS_OF)
    assert result.code == 2
    assert "policies/opscheck.yaml:2" in result.err and "unquoted on" in result.err


@pytest.mark.parametrize("day", ["9999-12-20", "0001-01-01"])
def test_as_of_out_of_range(run: Callable[..., Result], team: Path, day: str) -> None:
    result = run("validate", "--root", team, "--as-of", day)
    assert result.code == 2
    assert "outside the years 1900 to 9000" in result.err
    assert "Traceback" not in result.out + result.err


def test_a_misspelt_key_is_one_finding(run: Callable[..., Result], team: Path) -> None:
    edit(team, "ops-data/pipelines.yaml", "area:", "aera:")
    found = findings(run, team, "--select", "OPS002")
    assert [(f["line"], f["message"]) for f in found] == [
        (7, "unknown key 'aera' (did you mean 'area'?); allowed keys: id, name, area, audience, rotation, "
            "owners, runbook, dbt, code")
    ]


def test_a_member_listed_twice(run: Callable[..., Result], team: Path) -> None:
    edit(team, ONCALL, "members: [eng1, eng2, eng3, eng4, eng5]", "members: [eng1, eng2, eng3, eng4, eng5, eng2]")
    found = findings(run, team, "--select", "OPS004")
    assert [(f["line"], f["column"], f["subject"]) for f in found] == [(15, 45, "data-pipelines")]
    assert found[0]["message"] == "member 'eng2' is listed twice in rotation 'data-pipelines'; remove one"


def test_custom_rule_message_shows_values_as_yaml(run: Callable[..., Result], team: Path) -> None:
    rules = team / "policies" / "rules"
    rules.mkdir()
    (rules / "three.yaml").write_text(
        "id: X-THREE-SECONDARIES\nsummary: three secondaries\ntarget: pipelines\n"
        'message: "{id} has {owners} and audience {audience}"\n'
        "schema: {properties: {owners: {properties: {secondary: {minItems: 3}}}}}\n",
        encoding="utf-8",
    )
    found = findings(run, team, "--select", "X-THREE-SECONDARIES")
    assert found[0]["message"] == (
        "profit-unit-experiments has {primary: eng1, secondary: [eng2, eng3]} and audience [experiments]"
    )


@pytest.mark.parametrize("command", [
    ("schedule", "plan", "--rotation", "data-pipelines", "--as-of", AS_OF),
    ("report",),
])
def test_commands_refuse_an_unknown_calendar(run: Callable[..., Result], team: Path, command: tuple[str, ...]) -> None:
    edit(team, "ops-data/holidays.yaml", "calendar: US", "calendar: XX")
    result = run(*command, "--root", team)
    assert result.code == 2
    assert "ops-data/holidays.yaml:" in result.err and "no calendar 'XX'" in result.err


ENGINEERS = "ops-data/engineers.yaml"


@pytest.mark.parametrize(("file", "old", "new", "found"), [
    (ENGINEERS, None, "",
     [(ENGINEERS, 1, "OPS002", ENGINEERS, "file is empty: it must hold 'engineers:' with a list")]),
    (ENGINEERS, None, "engineers:\n",
     [(ENGINEERS, 1, "OPS002", ENGINEERS, "'engineers' has nothing under it: list the engineers there, indented "
                                          "below it")]),
    (ENGINEERS, "engineers:\n", "enginers:\n",
     [(ENGINEERS, 7, "OPS002", ENGINEERS, "unknown key 'enginers' (did you mean 'engineers'?); the file must hold "
                                          "'engineers:' with a list")]),
    (ENGINEERS, "- id: eng1\n", "- id: Eng1\n", [(ENGINEERS, 8, "OPS002", "Eng1", "'id': ids are lower case: eng1")]),
    (ENGINEERS, "- id: eng2\n", "- id: Eng_2\n",
     [(ENGINEERS, 16, "OPS002", "Eng_2", "'id': ids use lower-case letters, digits and -, and start with a letter "
                                         "or digit, such as eng-2 (got 'Eng_2')")]),
    (ONCALL, 'time: "09:00"', "time: 9:00",
     [(ONCALL, 16, "OPS002", "data-pipelines", "'time': unquoted 9:00 is read by YAML 1.1 as the base-60 number 540; "
                                               "quote it with a two-digit hour: \"09:00\"")]),
    (ONCALL, 'time: "09:00"', 'time: "9:00"',
     [(ONCALL, 16, "OPS002", "data-pipelines", "'time': write the hour with two digits: \"09:00\"")]),
    (ONCALL, "weekday: monday", "weekday: Monday",
     [(ONCALL, 16, "OPS002", "data-pipelines", "'weekday' is lower case: monday")]),
    (ONCALL, "weekday: monday", "weekday: mon",
     [(ONCALL, 16, "OPS002", "data-pipelines", "'weekday' is one of monday, tuesday, wednesday, thursday, friday, "
                                               "saturday, sunday (did you mean 'monday'?) (got 'mon')")]),
    (ENGINEERS, "    name: Eng1\n", "    name: [Eng1\n    email: x\n",
     [(ENGINEERS, 10, "OPS001", ENGINEERS, "YAML syntax error: did not find expected ',' or ']' (the list '[' opened "
                                           "on line 9 is not closed with ']'); fix the syntax")]),
    ("ops-data/runbooks/profit-aggregate.md", "## Escalation\n", "## Escalaton\n",
     [("ops-data/runbooks/profit-aggregate.md", None, "RUN003", "profit-aggregate",
       "runbook lacks section 'Escalation'; heading 'Escalaton' on line {line}: did you mean 'Escalation'?")]),
    ("ops-data/pipelines.yaml", "runbook: runbooks/growth-aggregate.md", "runbook: runbooks/",
     [("ops-data/pipelines.yaml", None, "RUN001", "growth-aggregate",
       "runbook ops-data/runbooks/ is a folder, not a file; name the runbook's Markdown file, e.g. "
       "runbooks/growth-aggregate.md")]),
    ("ops-data/pipelines.yaml", "audience: [investors]", "audience: []",
     [("ops-data/pipelines.yaml", None, "OPS002", "profit-aggregate", "'audience': list at least 1 entry")]),
    ("ops-data/holidays.yaml", "calendar: US", "calendar: XX",
     [("ops-data/holidays.yaml", 5, "OPS005", "XX",
       "the holidays library has no calendar 'XX'; use a country code such as US, GB or DE")]),
])
def test_one_mistake_one_finding(run: Callable[..., Result], team: Path, file: str, old: str | None, new: str,
                                 found: list[tuple[str, int | None, str, str, str]]) -> None:
    """Each mistake gets one finding, on the file and line to fix, with a subject; nothing cascades.
    A line of None is the line of the edit (the team's data grows; the edit stays where it is)."""
    before = (team / file).read_text(encoding="utf-8")
    if old is None:
        (team / file).write_text(new, encoding="utf-8")
    else:
        edit(team, file, old, new)
    edited = before[:before.index(old)].count("\n") + 1 if old else 1
    wanted = [(f, edited if line is None else line, rule, subject, message.replace("{line}", str(edited)))
              for f, line, rule, subject, message in found]
    shown = [(f["file"], f["line"], f["rule"], f["subject"], f["message"]) for f in findings(run, team)]
    assert shown == wanted


def test_holiday_names_are_the_subject_of_their_findings(run: Callable[..., Result], team: Path) -> None:
    edit(team, "ops-data/holidays.yaml", "Labor Day", "Labour Day")
    assert [(f["subject"], f["rule"]) for f in findings(run, team, "--select", "OPS")] == [("Labour Day", "OPS005")]


def test_every_finding_has_a_subject(run: Callable[..., Result], team: Path) -> None:
    (team / "ops-data" / "holidays.yaml").write_text("calendar: [US\n", encoding="utf-8")
    (team / "ops-data" / "runbooks" / "growth-aggregate.md").write_text("no front matter\n", encoding="utf-8")
    edit(team, ONCALL, "{week: 2025-01-13, engineer: eng3}", "{week: 2025-01-13, engineer: eng3, note: x}")
    found = findings(run, team)
    assert found and all(isinstance(f["subject"], str) and f["subject"] for f in found), found
    assert {(f["rule"], f["subject"]) for f in found} >= {
        ("OPS001", "ops-data/holidays.yaml"), ("OPS001", "growth-aggregate"), ("OPS002", "data-pipelines@2025-01-13")}


def test_a_list_with_no_engineers_is_one_finding(run: Callable[..., Result], team: Path) -> None:
    (team / ENGINEERS).write_text("engineers: []\n", encoding="utf-8")
    found = [(f["file"], f["line"], f["rule"], f["message"]) for f in findings(run, team)]
    assert found == [(ENGINEERS, 1, "OPS005", "ops-data/engineers.yaml lists no engineers, yet 189 references name "
                                              "one (the first: ops-data/pipelines.yaml:11); add the team's engineers")]


def test_an_entry_with_more_problems_than_are_listed_says_how_many_more(
    run: Callable[..., Result], team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opscheck import validation

    monkeypatch.setattr(validation, "MAX_EXPLAINED", 3)
    path = team / ONCALL
    path.write_text(path.read_text(encoding="utf-8").replace(", engineer: eng", ", enginer: eng"), encoding="utf-8")
    schema = [f for f in findings(run, team) if f["rule"] == "OPS002"]
    assert len(schema) == 4
    assert [f["message"] for f in schema if "enginer" in str(f["message"])] != []
    last = [f for f in schema if "more problems" in str(f["message"])]
    assert len(last) == 1 and str(last[0]["message"]).startswith("166 more problems in this entry are not listed")


def test_a_rule_lists_at_most_max_findings_then_counts_the_rest(
    run: Callable[..., Result], team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opscheck import engine

    edit(team, "ops-data/engineers.yaml", "engineers:\n", "engineers:\n" + "".join(
        f"  - {{id: x{n}, name: X{n}, githb: x{n}}}\n" for n in range(5)))
    every = [f for f in findings(run, team) if f["rule"] == "OPS002"]
    assert len(every) == 5
    last = every[-1]["subject"]
    policy = team / "policies" / "opscheck.yaml"
    policy.write_text(policy.read_text(encoding="utf-8").replace(
        "waivers: []", f"waivers:\n  - {{rule: OPS002, subject: {last}, reason: test, expires: 2099-01-01}}"),
        encoding="utf-8")
    monkeypatch.setattr(engine, "MAX_FINDINGS", 2)
    found = findings(run, team)
    schema = [f for f in found if f["rule"] == "OPS002"]
    # two listed, the waived one listed although past the cap, and one counting the two others
    assert [f["subject"] for f in schema if f["waived"]] == [last]
    more = [f for f in schema if "more OPS002 findings are not listed" in str(f["message"])]
    assert len(schema) == 4 and len(more) == 1 and str(more[0]["message"]).startswith("2 more")
    assert not [f for f in found if f["rule"] == "POL002"]


@pytest.mark.parametrize("schema", ["  anyOf:\n" + "  - {pattern: '^a'}\n" * 10_000,
                                    "  required:\n" + "  - a\n" * 10_000, "  enum:\n" + "  - {a: 1}\n" * 10_000])
def test_a_custom_rule_with_too_many_subschemas_is_refused(run: Callable[..., Result], team: Path,
                                                           schema: str) -> None:
    """An enum's values and a required list's names count: 99,000 required names took over a
    minute and 517 MiB on this repository's shifts."""
    from opscheck.safeschema import MAX_SUBSCHEMAS

    rules = team / "policies" / "rules"
    rules.mkdir()
    (rules / "big.yaml").write_text(
        "id: X-BIG\nsummary: a large rule\nseverity: error\ntarget: pipelines\nmessage: \"{id} matched\"\n"
        "schema:\n" + schema, encoding="utf-8")
    result = run("validate", "--root", team, "--as-of", AS_OF)
    assert result.code == 2 and f"more than {MAX_SUBSCHEMAS:,} subschemas" in result.err
    assert MAX_SUBSCHEMAS == 10_000


def custom_rule(team: Path, rule_id: str, target: str, schema: str) -> None:
    """A custom rule file X-...yaml in the team's policies/rules, with ``schema`` in flow style."""
    rules = team / "policies" / "rules"
    rules.mkdir(exist_ok=True)
    (rules / f"{rule_id}.yaml").write_text(
        f"id: {rule_id}\nsummary: a rule\nseverity: error\ntarget: {target}\nmessage: \"{{id}}\"\n"
        f"schema: {schema}\n", encoding="utf-8")


def test_a_custom_rule_stops_when_its_work_runs_out(run: Callable[..., Result], team: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """1.7 KB of $refs reused 10 times on each of 6 levels took over a minute on the seed: a rule
    makes at most MAX_WORK keyword checks a run, then one finding, listed past any cap, says where."""
    from opscheck import safeschema

    monkeypatch.setattr(safeschema, "MAX_WORK", 12)
    custom_rule(team, "X-IDS", "pipelines", "{properties: {id: {pattern: '^[a-z]'}}}")
    found = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", "--select", "X-IDS").json()
    messages = [f["message"] for f in found["findings"]]
    assert len(messages) == 1 and messages[0].startswith("X-IDS stopped here, having checked 4 pipelines: the "
                                                         "custom rules took more than the 12 checks")
    monkeypatch.setattr(safeschema, "MAX_WORK", 1_000_000)
    assert run("validate", "--root", team, "--as-of", AS_OF, "--select", "X-IDS").code == 0


def test_the_custom_rules_of_a_run_share_one_budget(run: Callable[..., Result], team: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Four 1.5 KB rules of reused $refs took 19 s where one took 5: the budget is for them all."""
    from opscheck import safeschema

    monkeypatch.setattr(safeschema, "MAX_WORK", 20)  # one rule takes 15 on the seed's five pipelines
    for name in ("X-A", "X-B"):
        custom_rule(team, name, "pipelines", "{properties: {id: {pattern: '^[a-z]'}}}")
    for alone in ("X-A", "X-B"):
        assert run("validate", "--root", team, "--as-of", AS_OF, "--select", alone).code == 0
    found = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", "--select", "X-").json()
    assert [f["message"][:32] for f in found["findings"]] == ["X-B stopped here, having checked"]
    again = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", "--select", "X-").json()
    assert again["findings"] == found["findings"]  # each run has the whole budget again


def test_unique_items_are_weighed_by_the_pairs_they_compare(run: Callable[..., Result], team: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """`uniqueItems` on a list of mappings compares every pair: on one rotation of 8,000 shifts it
    took over a minute while the budget counted it as one check."""
    from opscheck import safeschema

    monkeypatch.setattr(safeschema, "MAX_WORK", 5_000)  # the seed's 157 shifts are 6,162 pairs' worth
    custom_rule(team, "X-ONCE", "rotations", "{properties: {shifts: {uniqueItems: true}}}")
    found = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", "--select", "X-ONCE").json()
    assert [f["message"][:42] for f in found["findings"]] == ["X-ONCE stopped here, having checked 0 rota"]


def test_the_custom_rules_share_one_limit_of_subschemas(run: Callable[..., Result], team: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Five rule files of 9,999 subschemas each (1 MB) took 12 s to load and check: the limit is
    for all of a policy's custom rules together."""
    from opscheck import safeschema

    monkeypatch.setattr(safeschema, "MAX_SUBSCHEMAS", 20)
    for name in ("X-A", "X-B"):
        custom_rule(team, name, "pipelines", "{allOf: [" + ", ".join(["{type: object}"] * 12) + "]}")
    result = run("validate", "--root", team, "--as-of", AS_OF)
    assert result.code == 2
    assert "X-B.yaml:" in result.err and "the custom rules hold more than 20 subschemas" in result.err
