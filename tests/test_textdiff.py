"""The diff `--check` prints: difflib's unified diff, cut at 40 lines, and a bounded one for files
that differ too much for difflib to compare them quickly."""

from __future__ import annotations

import difflib
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Result
from opscheck import textdiff
from opscheck.budget import Budget, OutOfWork
from opscheck.matcher import BoundedMatcher
from opscheck.textdiff import diff


def _difflib(current: str, wanted: str, name: str, limit: int = 40) -> str:
    """What `--check` printed before its diff had a bound."""
    lines = list(difflib.unified_diff(current.splitlines(), wanted.splitlines(), f"{name} (committed)",
                                      f"{name} (generated)", lineterm=""))
    more = len(lines) - limit
    return "\n".join(lines[:limit] + ([f"... {more} more diff lines"] if more > 0 else [])) + "\n"


def _edited(rng: random.Random, lines: list[str], edits: int, new: Callable[[int], str]) -> list[str]:
    out = list(lines)
    for k in sorted(rng.sample(range(len(out)), min(len(out), edits)), reverse=True):
        kind = rng.choice("idr")
        if kind == "i":
            out.insert(k, new(k))
        elif kind == "d":
            del out[k]
        else:
            out[k] = new(k)
    return out


def _text(lines: list[str], rng: random.Random) -> str:
    return "\n".join(lines) + rng.choice(["", "\n", "\r\n"])


@pytest.mark.parametrize("seed", range(6))
def test_the_diff_is_difflibs_within_the_budget(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = [["x", "y", ""], [f"l{k}" for k in range(30)], ["| a |", "|---|", "", "# h"]][seed % 3]
    for _ in range(300):
        old = [rng.choice(alphabet) for _ in range(rng.randint(0, 80))]
        new = _edited(rng, old, rng.randint(0, 8), lambda _: rng.choice(alphabet))
        current, wanted, limit = _text(old, rng), _text(new, rng), rng.choice([5, 40, 1000])
        assert diff(current, wanted, "F", limit) == _difflib(current, wanted, "F", limit)


@pytest.mark.parametrize("seed", range(4))
def test_past_the_budget_scattered_changes_read_as_difflib_shows_them(monkeypatch: pytest.MonkeyPatch,
                                                                      seed: int) -> None:
    monkeypatch.setattr(textdiff, "MAX_WORK", 0)
    rng = random.Random(seed)
    for _ in range(100):
        old = [f"line {k}" for k in range(rng.randint(0, 300))]
        new = _edited(rng, old, rng.randint(1, 6), lambda k: f"new {k}")
        current, wanted = _text(old, rng), _text(new, rng)
        assert diff(current, wanted, "F", 1000) == _difflib(current, wanted, "F", 1000)


def _every_other_line_changed(n: int) -> tuple[str, str]:
    return ("".join(f"m/f{i}.sql @eng1{' @x' * (i % 2)}\n" for i in range(n)),
            "".join(f"m/f{i}.sql @eng1\n" for i in range(n)))


def test_files_that_differ_everywhere_get_their_first_hunks_and_where_the_rest_ends() -> None:
    """2,000 lines with every other one changed: difflib would search 2.5 million steps."""
    current, wanted = _every_other_line_changed(2_000)
    shown = diff(current, wanted, "CODEOWNERS").splitlines()
    assert shown[:5] == ["--- CODEOWNERS (committed)", "+++ CODEOWNERS (generated)", "@@ -1,40 +1,40 @@",
                         " m/f0.sql @eng1", "-m/f1.sql @eng1 @x"]
    assert shown[5:40] == _difflib(current, wanted, "CODEOWNERS").splitlines()[5:40]
    assert shown[40:] == ["... more differences, up to line 2,000 of the committed file and line 2,000 of the "
                          "generated file (the diff is cut short: the files differ too much to be compared in full)"]


def test_a_walk_that_reaches_the_end_counts_the_lines_it_cuts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textdiff, "MAX_WORK", 0)
    current, wanted = _every_other_line_changed(30)
    assert diff(current, wanted, "F") == _difflib(current, wanted, "F")
    assert diff(current, wanted, "F").endswith("\n... 8 more diff lines\n")
    many = current * 50  # 1,500 lines, more than the walk looks through at once
    assert diff(many, "", "F").endswith("\n... more differences, up to line 1,500 of the committed file (the diff "
                                        "is cut short: the files differ too much to be compared in full)\n")
    assert "up to line 1,500 of the generated file (" in diff("", many, "F")


def test_the_walk_resumes_at_the_nearest_shared_line_within_its_window(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textdiff, "MAX_WORK", 0)
    monkeypatch.setattr(textdiff, "WINDOW", 3)
    shown = diff("a\nb\nc\nd\ne\nf\ng\n", "a\nx\ny\nz\nw\nf\ng\n", "F", 1000)
    # no line within 3 of either side is shared: those count as replaced, then the walk goes on
    assert shown.splitlines()[3:] == [" a", "-b", "-c", "-d", "+x", "+y", "+z", "-e", "+w", " f", " g"]


def test_the_matcher_spends_before_it_searches_and_answers_as_difflib() -> None:
    rng = random.Random(7)
    for _ in range(200):
        a = [rng.choice("abc") for _ in range(rng.randint(0, 120))]
        b = [rng.choice("abc") for _ in range(rng.randint(0, 120))]
        budget = Budget(10**9)
        assert BoundedMatcher(budget, a, b).get_opcodes() == difflib.SequenceMatcher(None, a, b).get_opcodes()
        assert budget.left < budget.allowed
    with pytest.raises(OutOfWork):
        BoundedMatcher(Budget(1_000), "acb" * 99, "abc" * 66).ratio()
    # 10 MiB of empty lines: refused before the million lines are indexed
    huge = BoundedMatcher(Budget(1_000), [""] * 1_000_000, ["", "x"])
    with pytest.raises(OutOfWork):
        huge.get_opcodes()
    assert huge._spent_to is None


@pytest.mark.parametrize("command", ["codeowners", "report"])
def test_check_of_a_file_that_differs_everywhere_is_cut_short_and_fails(
        run: Callable[..., Result], team: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> None:
    pipelines = team / "ops-data/pipelines.yaml"
    pipelines.write_text(pipelines.read_text(encoding="utf-8") + "".join(
        f"  - {{id: p{i}, name: P{i}, area: A, audience: [internal], owners: {{primary: eng1, secondary: [eng2]}},"
        f" code: [m/f{i}.sql]}}\n" for i in range(300)), encoding="utf-8")
    target = team / (".github/CODEOWNERS" if command == "codeowners" else "ONCALL.md")
    target.parent.mkdir(exist_ok=True)
    args = ["--check", target] if command == "report" else ["--check"]
    target.write_text(run(command, "--root", team).out, encoding="utf-8")
    assert run(command, "--root", team, *args).code == 0
    odd = re.compile(r"(m/f|\| P)\d*[13579]\b")  # every other pipeline's line
    target.write_text("".join(line + " @x" * bool(odd.search(line)) + "\n"
                              for line in target.read_text(encoding="utf-8").splitlines()), encoding="utf-8")
    monkeypatch.setattr(textdiff, "MAX_WORK", 1_000)
    result = run(command, "--root", team, *args)
    assert result.code == 1
    out = result.out.splitlines()
    assert len(out) == 41 and out[0].endswith("(committed)") and out[-1].startswith("... more differences, up to line ")
    assert "is out of date: run `opscheck" in result.err
