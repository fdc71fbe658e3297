"""Every output format against golden files, plus the guarantees each format makes.

Set OPSCHECK_UPDATE_GOLDEN=1 to rewrite the golden files from the current output.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from junitparser import Failure, JUnitXml

from conftest import AS_OF, REPO, Result

CASE = REPO / "tests" / "cases" / "formats"
GOLDEN = REPO / "tests" / "golden"
SARIF_SCHEMA = REPO / "tests" / "schemas" / "sarif-schema-2.1.0.json"  # the OASIS schema
SUFFIX = {"text": "txt", "json": "json", "github": "github", "sarif": "sarif", "junit": "junit.xml"}


@pytest.fixture
def case(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The formats case, seen as the root of its own repository (paths start at ops-data/)."""
    monkeypatch.setenv("GITHUB_WORKSPACE", str(CASE))
    return CASE


def _validate(run: Callable[..., Result], root: Path, fmt: str, *more: str) -> Result:
    return run("validate", "--root", root, "--as-of", AS_OF, "--format", fmt, *more)


@pytest.mark.parametrize("fmt", list(SUFFIX))
def test_golden(fmt: str, case: Path, run: Callable[..., Result]) -> None:
    result = _validate(run, case, fmt)
    assert result.code == 1, result.err
    golden = GOLDEN / f"formats.{SUFFIX[fmt]}"
    if os.environ.get("OPSCHECK_UPDATE_GOLDEN") == "1":
        golden.write_text(result.out, encoding="utf-8")
    assert result.out == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", list(SUFFIX))
def test_golden_written_to_a_file_in_pieces(fmt: str, case: Path, run: Callable[..., Result], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Long outputs are written as they are made (json and sarif a few findings at a time here):
    the file holds the very bytes of the golden file."""
    from opscheck import jsontext

    monkeypatch.setattr(jsontext, "FLUSH", 7)
    out = tmp_path / f"out.{SUFFIX[fmt]}"
    assert _validate(run, case, fmt, "--output", out).code == 1
    assert out.read_bytes() == (GOLDEN / f"formats.{SUFFIX[fmt]}").read_bytes()


def test_case_covers_what_the_formats_must_show(case: Path, run: Callable[..., Result]) -> None:
    findings = _validate(run, case, "json").json()["findings"]
    assert len({f["rule"] for f in findings}) >= 5
    assert {"error", "warning"} <= {f["severity"] for f in findings}
    assert any(f["waived"] for f in findings)
    assert any(f["rule"].startswith("X-") for f in findings)


# --- SARIF -------------------------------------------------------------------------------


def _sarif_validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def test_sarif_golden_is_valid() -> None:
    log = json.loads((GOLDEN / "formats.sarif").read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in _sarif_validator().iter_errors(log)]
    assert errors == []


def test_sarif_content(case: Path, run: Callable[..., Result]) -> None:
    run_ = _validate(run, case, "sarif").json()["runs"]
    assert len(run_) == 1
    driver = run_[0]["tool"]["driver"]
    rules = driver["rules"]
    ids = [r["id"] for r in rules]
    assert ids == [r["id"] for r in run("rules", "--root", case, "--format", "json").json()]
    by_id = {r["id"]: r for r in rules}
    assert by_id["OWN005"]["defaultConfiguration"]["level"] == "none"  # turned off by the policy
    assert by_id["RUN005"]["defaultConfiguration"]["level"] == "warning"
    assert "Failing example" in by_id["ONC001"]["help"]["text"]
    assert "```yaml" in by_id["ONC001"]["help"]["markdown"]
    results = run_[0]["results"]
    for res in results:
        assert ids[res["ruleIndex"]] == res["ruleId"]
        assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    waived = [r for r in results if "suppressions" in r]
    assert [r["suppressions"] for r in waived] == [
        [{"kind": "external", "justification": "sections being written in DATA-42"}]
    ]
    prints = [r["partialFingerprints"]["opscheck/v2"] for r in results]
    assert len(set(prints)) == len(prints)


def test_sarif_fingerprints_survive_moved_lines(tmp_path: Path, run: Callable[..., Result],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(CASE, tmp_path, dirs_exist_ok=True)
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    before = _validate(run, tmp_path, "sarif").json()["runs"][0]["results"]
    pipelines = tmp_path / "ops-data" / "pipelines.yaml"
    pipelines.write_text("# a comment moves every line down\n" + pipelines.read_text(encoding="utf-8"))
    after = _validate(run, tmp_path, "sarif").json()["runs"][0]["results"]

    def prints(results: list[dict[str, object]]) -> list[object]:
        return sorted(str(r["partialFingerprints"]) for r in results)

    assert prints(before) == prints(after)


# --- JUnit -------------------------------------------------------------------------------


def test_junit_parses_and_counts_agree(case: Path, run: Callable[..., Result], tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    report.write_text(_validate(run, case, "junit").out, encoding="utf-8")
    xml = JUnitXml.fromfile(str(report))
    suites = list(xml)
    assert [s.name for s in suites] == ["opscheck"]
    suite = suites[0]
    cases = list(suite)
    failed = [c for c in cases if any(isinstance(r, Failure) for r in c.result)]
    assert (suite.tests, suite.failures, suite.errors) == (len(cases), len(failed), 0)  # testcases, not <failure>s
    names = [c.name for c in cases]
    assert "OWN005 primary-load" not in names  # off in the policy: not run, not listed
    assert "ONC001 back-to-back" in names
    assert all(c.classname == "opscheck." + re.match(r"[A-Z]+", c.name).group(0) for c in cases)  # type: ignore[union-attr]
    failing = {c.name: [r for r in c.result if isinstance(r, Failure)] for c in cases}
    assert [f.type for f in failing["OPS005 unknown-reference"]] == ["OPS005", "OPS005"]
    assert failing["RUN005 runbook-stale"] == []  # a warning does not fail its testcase
    assert failing["RUN003 runbook-sections"] == []  # nor does a waived error
    stale = next(c for c in cases if c.name == "RUN005 runbook-stale")
    assert "RUN005 warning" in (stale.system_out or "")


# --- GitHub ------------------------------------------------------------------------------


def test_github_waived_is_a_notice(case: Path, run: Callable[..., Result]) -> None:
    lines = _validate(run, case, "github").out.splitlines()
    notices = [line for line in lines if line.startswith("::notice ")]
    assert len(notices) == 1
    assert "title=RUN003 (waived%3A sections being written in DATA-42)" in notices[0]


def test_github_paths_are_relative_to_the_repository(run: Callable[..., Result],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(CASE.parent))
    out = _validate(run, CASE, "github").out
    files = set(re.findall(r"file=([^,]+),", out))
    assert files and all(f.startswith("formats/ops-data/") for f in files), files
    monkeypatch.setenv("GITHUB_WORKSPACE", str(CASE))
    monkeypatch.chdir(CASE)
    out = _validate(run, Path("."), "github").out
    assert {f.split("/")[0] for f in re.findall(r"file=([^,]+),", out)} == {"ops-data"}


HOSTILE = "Evil%25 day,: x\r\n::error file=pwned.yaml,line=1::injected"


def _hostile_repo(root: Path) -> Path:
    """A team whose pipeline name and observed holiday carry command syntax and line breaks."""
    shutil.copytree(CASE, root, dirs_exist_ok=True)
    holidays = root / "ops-data" / "holidays.yaml"
    holidays.write_text(f"calendar: US\ndates: actual\nobserve: [{json.dumps(HOSTILE)}]\n", encoding="utf-8")
    (root / "policies" / "rules" / "named.yaml").write_text(
        "id: X-NAME\nsummary: no percent signs in names\nseverity: error\ntarget: pipelines\n"
        'message: "name {name} is odd"\nschema: {properties: {name: {not: {pattern: "%"}}}}\n',
        encoding="utf-8",
    )
    pipelines = root / "ops-data" / "pipelines.yaml"
    text = pipelines.read_text(encoding="utf-8").replace("name: Weekly churn", f"name: {json.dumps(HOSTILE)}")
    pipelines.write_text(text, encoding="utf-8")
    return root


def test_github_escapes_values(tmp_path: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    root = _hostile_repo(tmp_path / "team, a:b%")
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    result = _validate(run, root, "json")
    out = _validate(run, root, "github").out
    lines = out.split("\n")  # the runner reads one command per LF-terminated line
    assert lines.pop() == ""
    assert "\r" not in out
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == len(result.json()["findings"]) == len(lines) - 1  # plus the summary line
    for line in commands:
        head, sep, _ = line[2:].partition("::")
        assert sep
        assert re.fullmatch(r"(error|warning|notice) file=[^:,]+,line=\d+,col=\d+,title=[^:,]+", head), line
        assert head.split(" ", 1)[1].startswith("file=team%2C a%3Ab%25/ops-data/"), line
    hostile = [line for line in commands if "Evil" in line]
    assert len(hostile) == 2, lines  # the holiday (OPS005) and the custom rule on the pipeline name
    for line in hostile:
        assert "Evil%2525 day,: x%0D%0A::error file=pwned.yaml,line=1::injected" in line


def test_step_summary(case: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch,
                      tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    _validate(run, case, "text")
    assert summary.read_text(encoding="utf-8") == "earlier step\n"  # only the github format writes it
    _validate(run, case, "github")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n### opscheck\n")
    assert "| 5 | 2 | 1 | 7 |" in text
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(rows) == 8
    assert "| `ops-data/runbooks/orders-daily.md:22` | RUN003 | error (waived: sections being written in DATA-42) |" \
        in text


def test_step_summary_escapes_table_cells(tmp_path: Path, run: Callable[..., Result],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root = _hostile_repo(tmp_path / "team")
    pipelines = root / "ops-data" / "pipelines.yaml"
    pipelines.write_text(pipelines.read_text(encoding="utf-8").replace("Evil", "a | b"), encoding="utf-8")
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_WORKSPACE", str(root))
    _validate(run, root, "github")
    row = next(line for line in summary.read_text(encoding="utf-8").splitlines() if "X-NAME" in line)
    assert "a \\| b" in row
    assert len(re.split(r"(?<!\\)\|", row)) == 6  # four cells: the pipe in the data did not open a fifth


def test_step_summary_without_findings(run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch,
                                       tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert _validate(run, REPO, "github").code == 0
    assert f"No findings (as of {AS_OF})." in summary.read_text(encoding="utf-8")


def test_several_formats_at_once(case: Path, run: Callable[..., Result], tmp_path: Path) -> None:
    sarif, junit = tmp_path / "o.sarif", tmp_path / "o.xml"
    result = run("validate", "--root", case, "--as-of", AS_OF, "--format", "github", "--format", "sarif",
                 "--format", "junit", "--output", sarif, "--output", junit)
    assert result.out == (GOLDEN / "formats.github").read_text(encoding="utf-8")
    assert sarif.read_text(encoding="utf-8") == (GOLDEN / "formats.sarif").read_text(encoding="utf-8")
    assert junit.read_text(encoding="utf-8") == (GOLDEN / "formats.junit.xml").read_text(encoding="utf-8")


def test_auto_is_github_under_actions(case: Path, run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert _validate(run, case, "auto").out == (GOLDEN / "formats.github").read_text(encoding="utf-8")


def test_sarif_uris_are_percent_encoded() -> None:
    import datetime as dt

    from opscheck.findings import Finding, Report
    from opscheck.reporters.sarif import write

    finding = Finding("RUN006", "warning", "link", "ops-data/run books/é.md", 3, 1, "p")
    parts: list[str] = []
    write(Report(dt.date(2026, 11, 26), (finding,), 1, ("RUN006",)), [], parts.append)
    log = json.loads("".join(parts))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "ops-data/run%20books/%C3%A9.md"
