"""The command line: usage and configuration errors exit 2 with file:line and no traceback,
the informational commands, rule selection, --strict, colour, and hostile input."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import REPO, Result
from opscheck.models import MAX_ID_CHARS, MAX_NAME_CHARS

CASES = Path(__file__).parent / "cases" / "rules"
AS_OF = "2027-01-04"
ANSI = re.compile(r"\x1b\[")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A small valid repository (the valid-minimal case) to break."""
    shutil.copytree(CASES / "valid-minimal", tmp_path, dirs_exist_ok=True)
    (tmp_path / "expected.json").unlink()
    (tmp_path / "policies" / "rules").mkdir(parents=True)
    return tmp_path


def _validate(run: Callable[..., Result], root: Path, *args: str) -> Result:
    return run("validate", "--root", root, "--as-of", AS_OF, *args)


def _usage_error(result: Result, *needles: str) -> None:
    assert result.code == 2, result.out + result.err
    assert "Traceback" not in result.out + result.err
    assert result.err.strip(), "a usage error says what is wrong on stderr"
    for needle in needles:
        assert needle in result.err


def test_valid_repository_passes(run: Callable[..., Result], repo: Path) -> None:
    result = _validate(run, repo, "--format", "json")
    assert (result.code, result.json()["findings"]) == (0, [])


def test_missing_ops_data(run: Callable[..., Result], tmp_path: Path) -> None:
    _usage_error(_validate(run, tmp_path), "ops-data/")


POLICY_ERRORS = [
    ("rules:\n  ONC003: {min_days_ahead: 91}\n  ONC009: {}\n", "policies/opscheck.yaml:3", "ONC009"),
    ("rules:\n  ONC003:\n    min_day_ahead: 30\n", "policies/opscheck.yaml:3", "min_day_ahead"),
    ("rules:\n  ONC003: {min_days_ahead: soon}\n", "policies/opscheck.yaml:2", "min_days_ahead"),
    ("rules:\n  OWN005:\n    severity: fatal\n", "policies/opscheck.yaml:3", "fatal"),
    ("waivers:\n  - rule: RUN005\n    subject: profit\n    reason: rewrite\n", "policies/opscheck.yaml:2", "expires"),
    ("waivers:\n  - {rule: RUN099, subject: p, reason: r, expires: 2027-01-31}\n", "policies/opscheck.yaml:2",
     "RUN099"),
    ("rules:\n  ONC003: {min_days_ahead: 91\n", "policies/opscheck.yaml:3", "syntax"),
    ("rules:\n  ONC003: {}\n  ONC003: {}\n", "policies/opscheck.yaml:3", "repeats"),
    ("rulez: {}\n", "policies/opscheck.yaml:1", "rulez"),
]


@pytest.mark.parametrize(("policy", "where", "what"), POLICY_ERRORS)
def test_bad_policy(run: Callable[..., Result], repo: Path, policy: str, where: str, what: str) -> None:
    (repo / "policies" / "opscheck.yaml").write_text(policy, encoding="utf-8")
    _usage_error(_validate(run, repo), where, what)


CUSTOM = """\
id: X-TWO-BACKUPS
summary: two secondary owners
target: pipelines
message: "{id} needs two secondary owners"
schema:
  properties:
    owners: {properties: {secondary: {minItems: 2}}}
"""
CUSTOM_ERRORS = [
    (CUSTOM.replace("minItems: 2", "minItems: two"), "policies/rules/x.yaml:7", "JSON Schema"),
    (CUSTOM.replace("properties:\n    owners", "type: 12\n  properties:\n    owners"), "policies/rules/x.yaml:6",
     "JSON Schema"),
    (CUSTOM.replace("X-TWO-BACKUPS", "TWO-BACKUPS"), "policies/rules/x.yaml:1", "id"),
    (CUSTOM.replace("target: pipelines", "target: pipeline"), "policies/rules/x.yaml:3", "target"),
    (CUSTOM.replace("summary", "sumary"), "policies/rules/x.yaml:2", "did you mean 'summary'"),
]


@pytest.mark.parametrize(("custom", "where", "what"), CUSTOM_ERRORS)
def test_bad_custom_rule(run: Callable[..., Result], repo: Path, custom: str, where: str, what: str) -> None:
    (repo / "policies" / "rules" / "x.yaml").write_text(custom, encoding="utf-8")
    _usage_error(_validate(run, repo), where, what)


def test_custom_rule_defined_twice(run: Callable[..., Result], repo: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (repo / "policies" / "rules" / name).write_text(CUSTOM, encoding="utf-8")
    _usage_error(_validate(run, repo), "X-TWO-BACKUPS")


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (["validate", "--frobnicate"], "--frobnicate"),
        (["validate", "--as-of", "2026-02-30"], "2026-02-30"),
        (["validate", "--as-of", "tomorrow"], "tomorrow"),
        (["validate", "--format", "yaml"], "yaml"),
        (["validate", "--select", "ZZZ"], "ZZZ"),
        (["validate", "--ignore", "ONC,NOPE9"], "NOPE9"),
        (["validate", "--format", "json", "--format", "text", "--output", "a", "--output", "b", "--output", "c"],
         "--output"),
        (["explain", "ONC999"], "ONC999"),
        (["explain"], "RULE"),
        (["frobnicate"], "frobnicate"),
        (["rules", "--format", "xml"], "xml"),
    ],
)
def test_usage_errors(run: Callable[..., Result], repo: Path, args: list[str], what: str) -> None:
    _usage_error(run(*args, "--root", repo) if args[0] != "frobnicate" else run(*args), what)


def test_output_files(run: Callable[..., Result], repo: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = _validate(run, repo, "--format", "text", "--format", "json", "--output", out)
    assert result.code == 0 and "0 errors" in result.out
    assert json.loads(out.read_text(encoding="utf-8"))["findings"] == []


def _registry() -> list[str]:
    from opscheck.engine import all_rules

    return [r.id for r in all_rules()]


def test_rules_lists_the_registry(run: Callable[..., Result], repo: Path) -> None:
    text = run("rules", "--root", repo)
    assert text.code == 0
    assert [line.split()[0] for line in text.out.splitlines()] == _registry()
    listed = run("rules", "--format", "json", "--root", repo)
    assert listed.code == 0
    rules = listed.json()
    assert [r["id"] for r in rules] == _registry()
    assert all(r["name"] and r["summary"] and r["severity"] in ("error", "warning") for r in rules)


def test_rules_lists_custom_rules(run: Callable[..., Result], repo: Path) -> None:
    (repo / "policies" / "rules" / "x.yaml").write_text(CUSTOM, encoding="utf-8")
    assert [r["id"] for r in run("rules", "--format", "json", "--root", repo).json()][-1] == "X-TWO-BACKUPS"


def test_explain_shows_parameters_and_both_examples(run: Callable[..., Result], repo: Path) -> None:
    result = run("explain", "onc001", "--root", repo)
    assert result.code == 0
    assert result.out.startswith("ONC001 (back-to-back)")
    assert "min_gap_weeks: 1" in result.out
    failing, passing = result.out.index("Failing example:"), result.out.index("Passing example:")
    assert failing < passing
    assert "{week: 2025-01-13, engineer: eng1}" in result.out[failing:passing]
    assert "{week: 2025-01-13, engineer: eng2}" in result.out[passing:]


def test_every_rule_explains_itself(run: Callable[..., Result], repo: Path) -> None:
    for rule_id in _registry():
        result = run("explain", rule_id, "--root", repo)
        assert result.code == 0, rule_id
        assert "Failing example:" in result.out and "Passing example:" in result.out, rule_id


def _plain(value: Any) -> Any:
    """YAML as JSON sees it: dates become the YYYY-MM-DD text the files hold."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _schema_targets() -> list[tuple[str, Path]]:
    data = REPO / "ops-data"
    out = [(name, data / f"{name}.yaml") for name in ("engineers", "pipelines", "oncall", "holidays")]
    out += [("runbook", p) for p in sorted((data / "runbooks").glob("*.md"))]
    out += [("policy", REPO / "policies" / "opscheck.yaml")]
    return out


def test_schemas_validate_this_repository(run: Callable[..., Result], tmp_path: Path) -> None:
    from jsonschema import Draft202012Validator

    result = run("schema", "--out", tmp_path / "schemas")
    assert result.code == 0
    for name, path in _schema_targets():
        schema = json.loads((tmp_path / "schemas" / f"{name}.schema.json").read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".md":
            text = text.split("---\n")[1]
        data = _plain(yaml.safe_load(text))
        errors = [e.message for e in Draft202012Validator(schema).iter_errors(data)]
        assert errors == [], (path, errors)


def test_schemas_reject_unknown_keys(run: Callable[..., Result], tmp_path: Path) -> None:
    from jsonschema import Draft202012Validator

    run("schema", "--out", tmp_path)
    schema = json.loads((tmp_path / "engineers.schema.json").read_text(encoding="utf-8"))
    bad = {"engineers": [{"id": "eng1", "name": "Eng1", "emial": "x@example.com"}]}
    assert not Draft202012Validator(schema).is_valid(bad)


@pytest.mark.parametrize(("file", "entry", "field", "limit"), [
    ("engineers", {"id": "eng1", "name": "Eng1"}, "id", MAX_ID_CHARS),
    ("engineers", {"id": "eng1", "name": "Eng1"}, "name", MAX_NAME_CHARS),
    ("pipelines", {"id": "p", "name": "P", "area": "A", "audience": ["internal"]}, "name", MAX_NAME_CHARS),
])
def test_ids_and_names_have_a_maximum_length_in_the_schema_and_in_validate(
    run: Callable[..., Result], team: Path, tmp_path: Path, file: str, entry: dict[str, Any], field: str, limit: int,
) -> None:
    """Ids and names are copied into every finding and row about what they name: a 100 KB rotation
    id made `validate` hold 1.3 GB. Over the maximum is OPS002, as the exported schema says."""
    from jsonschema import Draft202012Validator

    run("schema", "--out", tmp_path)
    schema = Draft202012Validator(json.loads((tmp_path / f"{file}.schema.json").read_text(encoding="utf-8")))
    at, over = ({**entry, field: "e" * n} for n in (limit, limit + 1))
    assert schema.is_valid({file: [at]}) and not schema.is_valid({file: [over]})
    path = team / "ops-data" / f"{file}.yaml"
    for value, found in ((at, []), (over, [("OPS002", f"'{field}': write at most {limit} characters")])):
        path.write_text(f"{file}:\n- {json.dumps(value)}\n", encoding="utf-8")
        result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json", "--select", "OPS002")
        assert [(f["rule"], f["message"]) for f in result.json()["findings"]
                if f["file"] == f"ops-data/{file}.yaml"] == found


def test_python_m_version() -> None:
    from opscheck import __version__

    done = subprocess.run([sys.executable, "-m", "opscheck", "--version"], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0
    assert __version__ in done.stdout


BROKEN = {"ops-data/pipelines.yaml": ("primary: eng1", "primary: eng9"),
          "ops-data/runbooks/profit.md": ("last_reviewed: 2026-12-01", "last_reviewed: 2026-01-01")}


def _break(repo: Path) -> None:
    for rel, (old, new) in BROKEN.items():
        path = repo / rel
        path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "rules"),
    [
        ([], ["OPS005", "RUN005"]),
        (["--select", "RUN"], ["RUN005"]),
        (["--select", "run005"], ["RUN005"]),
        (["--select", "OPS,RUN"], ["OPS005", "RUN005"]),
        (["--select", "OPS", "--select", "RUN00"], ["OPS005", "RUN005"]),
        (["--ignore", "RUN"], ["OPS005"]),
        (["--select", "OPS,RUN", "--ignore", "OPS005"], ["RUN005"]),
    ],
)
def test_select_and_ignore_by_prefix(run: Callable[..., Result], repo: Path, args: list[str], rules: list[str]) -> None:
    _break(repo)
    result = _validate(run, repo, "--format", "json", *args)
    assert sorted(f["rule"] for f in result.json()["findings"]) == rules


def test_strict_turns_warnings_into_exit_1(run: Callable[..., Result], repo: Path) -> None:
    _break(repo)
    assert _validate(run, repo, "--select", "RUN").code == 0
    assert _validate(run, repo, "--select", "RUN", "--strict").code == 1


def test_no_colour_when_not_a_terminal_or_no_color(
    run: Callable[..., Result], repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _break(repo)
    monkeypatch.delenv("NO_COLOR", raising=False)
    piped = _validate(run, repo, "--format", "text")
    assert "OPS005 error" in piped.out and not ANSI.search(piped.out + piped.err)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    terminal = _validate(run, repo, "--format", "text")
    assert ANSI.search(terminal.out), "a terminal gets colour"
    monkeypatch.setenv("NO_COLOR", "1")
    no_color = _validate(run, repo, "--format", "text")
    assert "OPS005 error" in no_color.out and not ANSI.search(no_color.out + no_color.err)


def _nested(depth: int) -> str:
    return "engineers: " + "[" * depth + "]" * depth + "\n"


HOSTILE: dict[str, tuple[str, bytes | str]] = {  # each file in place of the valid one
    "empty-engineers": ("ops-data/engineers.yaml", ""),
    "empty-holidays": ("ops-data/holidays.yaml", ""),
    "only-a-comment": ("ops-data/oncall.yaml", "# nothing here\n"),
    "a-list": ("ops-data/pipelines.yaml", "- id: orders-daily\n- id: profit\n"),
    "a-scalar": ("ops-data/engineers.yaml", "just some text\n"),
    "holidays-a-list": ("ops-data/holidays.yaml", "[US]\n"),
    "items-a-scalar": ("ops-data/engineers.yaml", "engineers: eng1\n"),
    "items-of-scalars": ("ops-data/engineers.yaml", "engineers: [eng1, 2, null]\n"),
    "key-a-list": ("ops-data/engineers.yaml", "? [a, b]\n: 1\nengineers: []\n"),
    "binary": ("ops-data/engineers.yaml", bytes(range(256)) * 4),
    "nul-bytes": ("ops-data/engineers.yaml", b"engineers:\x00\n"),
    "huge": ("ops-data/engineers.yaml", b"# " + b"x" * (11 * 1024 * 1024) + b"\n"),
    "deeply-nested": ("ops-data/engineers.yaml", _nested(5000)),
    "recursive-alias": ("ops-data/engineers.yaml", "engineers: &a [*a]\n"),
    "recursive-alias-in-map": ("ops-data/pipelines.yaml", "pipelines:\n  - &p {id: p, owners: *p}\n"),
    "runbook-only-dashes": ("ops-data/runbooks/profit.md", "---\n"),
    "runbook-two-dashes": ("ops-data/runbooks/profit.md", "---\n---\n"),
    "runbook-front-matter-a-list": ("ops-data/runbooks/profit.md", "---\n- a\n---\n# T\n"),
    "runbook-binary": ("ops-data/runbooks/profit.md", b"---\n\xff\xfe\x00\n---\n"),
    "runbook-a-directory": ("ops-data/runbooks/dir.md/x.md", "---\npipeline: profit\n---\n"),
    "many-documents": ("ops-data/engineers.yaml", "engineers: []\n---\nengineers: []\n"),
    "tab-indent": ("ops-data/engineers.yaml", "engineers:\n\t- id: eng1\n"),
    "bom": ("ops-data/engineers.yaml", "\ufeffengineers:\n  - {id: eng1, name: Eng1}\n  - {id: eng2, name: Eng2}\n"
            "  - {id: eng3, name: Eng3}\n"),
    "policy-empty": ("policies/opscheck.yaml", ""),
    "policy-a-list": ("policies/opscheck.yaml", "- ONC001\n"),
    "policy-rule-a-scalar": ("policies/opscheck.yaml", "rules:\n  ONC001: 3\n"),
    "custom-rule-empty": ("policies/rules/x.yaml", ""),
    "huge-int-time": ("ops-data/oncall.yaml",
                      "rotations:\n  - id: r\n    members: []\n    handoff: {weekday: monday, time: 99:99:99:99, "
                      "timezone: Mars/Base}\n"),
}


# Broken data is a finding (exit 1); a broken policy is a configuration error (exit 2).
HOSTILE_EXIT = {"bom": 0, "policy-empty": 0, "policy-a-list": 2, "policy-rule-a-scalar": 2, "custom-rule-empty": 2}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_input_never_crashes(run: Callable[..., Result], repo: Path, name: str) -> None:
    rel, content = HOSTILE[name]
    path = repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    for fmt in ("json", "text"):
        result = _validate(run, repo, "--format", fmt)
        assert "Traceback" not in result.out + result.err
        assert result.code == HOSTILE_EXIT.get(name, 1), result.out + result.err
        if result.code == 2:
            assert result.err.startswith("opscheck: error: policies/"), result.err
        elif fmt == "json":
            assert all(f["line"] >= 1 for f in result.json()["findings"])
