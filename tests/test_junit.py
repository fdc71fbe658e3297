"""JUnit as CI dashboards read it: valid against junit-10.xsd, failures = failed testcases, --strict agrees."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import xmlschema

from conftest import AS_OF, REPO, Result
from gitrepo import commit, init

CASE = REPO / "tests" / "cases" / "formats"
XSD = REPO / "tests" / "schemas" / "junit-10.xsd"  # the Jenkins xUnit plugin's schema


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


def _junit(run: Callable[..., Result], root: Path, *args: str) -> tuple[int, ET.Element]:
    result = run("validate", "--root", root, "--as-of", AS_OF, "--format", "junit", *args)
    assert result.code in (0, 1), result.err
    return result.code, ET.fromstring(result.out)


def _cases(suites: ET.Element) -> dict[str, ET.Element]:
    return {c.attrib["name"].split()[0]: c for c in suites.iter("testcase")}


def _failed(suites: ET.Element) -> list[str]:
    return [rule for rule, case in _cases(suites).items() if case.find("failure") is not None]


@pytest.mark.parametrize("args", [(), ("--strict",), ("--select", "GIT,RUN"), ("--ignore", "RUN")])
def test_valid_against_the_xunit_schema(
    run: Callable[..., Result], schema: xmlschema.XMLSchema, args: tuple[str, ...]
) -> None:
    _, suites = _junit(run, CASE, *args)
    schema.validate(suites)


def test_failures_count_failed_testcases(run: Callable[..., Result]) -> None:
    code, suites = _junit(run, CASE)
    suite = suites.find("testsuite")
    assert suite is not None
    failed = _failed(suites)
    assert failed == ["OPS005", "OWN002", "ONC001", "ONC003"]
    assert len(list(suites.iter("failure"))) == 5  # OPS005 fails twice: still one testcase
    for element in (suites, suite):
        assert element.attrib["failures"] == str(len(failed))
        assert element.attrib["tests"] == str(len(_cases(suites)))
    assert code == 1


def test_strict_warnings_are_failures(run: Callable[..., Result]) -> None:
    _, plain = _junit(run, CASE)
    code, strict = _junit(run, CASE, "--strict")
    assert code == 1
    assert set(_failed(strict)) - set(_failed(plain)) == {"RUN005", "X-AREA-CAPITALISED"}
    assert strict.attrib["failures"] == str(len(_failed(plain)) + 2)
    stale = _cases(strict)["RUN005"]
    assert stale.find("system-out") is None  # no longer a passing note
    waived = _cases(strict)["RUN003"]  # a waived finding never fails
    assert waived.find("failure") is None and "waived" in (waived.findtext("system-out") or "")


def test_rules_that_did_not_run_never_pass(run: Callable[..., Result]) -> None:
    _, suites = _junit(run, CASE)
    cases = _cases(suites)
    assert "OWN005" not in cases  # off in the policy: absent
    needs = {"GIT001": "needs --base", "GIT002": "needs --base", "POL003": "needs --base",  # no --base
             "DBT002": "needs a dbt manifest", "DBT003": "needs a dbt manifest", "DBT004": "needs a dbt manifest"}
    for rule, why in needs.items():
        skipped = cases[rule].find("skipped")
        assert skipped is not None and skipped.attrib["message"] == why
        assert cases[rule].find("failure") is None
    assert cases["DBT001"].find("skipped") is None  # it reads the pipelines, manifest or not
    suite = suites.find("testsuite")
    assert suite is not None and suite.attrib["skipped"] == str(len(needs))


def test_with_base_the_git_rules_run(run: Callable[..., Result], tmp_path: Path,
                                     schema: xmlschema.XMLSchema) -> None:
    shutil.copytree(CASE, tmp_path, dirs_exist_ok=True)
    init(tmp_path)
    commit(tmp_path, "data", "2026-11-20T10:00:00+00:00")
    _, suites = _junit(run, tmp_path, "--base", "main", "--select", "GIT")
    schema.validate(suites)
    cases = _cases(suites)
    assert sorted(cases) == ["GIT001", "GIT002"]
    assert all(c.find("skipped") is None and c.find("failure") is None for c in cases.values())
    assert suites.find("testsuite").attrib["skipped"] == "0"  # type: ignore[union-attr]


def test_written_a_failure_at_a_time_as_elementtree_writes_the_whole() -> None:
    import datetime as dt

    from opscheck import dataset, engine
    from opscheck.reporters import junit
    from opscheck.settings import load_policy

    policy = load_policy(CASE, engine.BUILTIN)
    rules = engine.all_rules(policy)
    report = engine.run(dataset.load(CASE, dt.date.fromisoformat(AS_OF), None), policy, rules)
    pieces: list[str] = []
    junit.write(report, rules, pieces.append)
    assert len([p for p in pieces if p.startswith("<failure ")]) == 5  # each failure is a piece of its own
    header, text = "".join(pieces).split("\n", 1)
    assert header == '<?xml version="1.0" encoding="UTF-8"?>'
    whole = ET.fromstring(text)
    ET.indent(whole)
    assert text == ET.tostring(whole, encoding="unicode") + "\n"
