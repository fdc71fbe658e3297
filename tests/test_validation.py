"""An entry's schema problems are the same, in the same order, whether its long lists are
validated whole or a part at a time, and only a part's worth of them exists at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from conftest import AS_OF, Result
from opscheck import engine, validation  # noqa: F401 (the rules load before the policy's models)
from opscheck.models import Engineer, HolidaysConfig, Pipeline, Rotation
from opscheck.settings import PolicyFile
from opscheck.source import parse_yaml

HANDOFF = '  handoff: {weekday: monday, time: "09:00", timezone: America/New_York}\n'


def shifts(n: int, key: str = "engineer", every: int = 1) -> str:
    return "".join(f"  - {{week: 2025-01-{6 + n % 4 * 7:02d}, {key if i % every == 0 else 'engineer'}: eng{i % 5}}}\n"
                   for i in range(n))


def overrides(n: int, key: str = "engineer") -> str:
    return "".join(f"  - {{date: 2025-02-{1 + i % 28:02d}, {key}: eng{i % 5}, reason: swap}}\n" for i in range(n))


# Each entry gives long lists next to other problems, so that the parts' problems must fall
# between the others' as the schema library lists them.
ENTRIES: dict[str, tuple[type[Any], str]] = {
    "misspelt shifts and overrides around a bad handoff": (Rotation, (
        "id: Data Pipelines\nmembrs: [eng1]\n"
        '  handoff: {weekday: Monday, time: "9:00", timezone: Mars/Base}\n'.removeprefix("  ")
        + "shifts:\n" + shifts(45, "enginer").replace("  - ", "- ") + "overrides:\n"
        + overrides(37, "enginer").replace("  - ", "- ") + "note: x\n")),
    "some misspelt shifts, some bad values": (Rotation, (
        "id: r\nmembers: [eng1, Eng 2]\n" + HANDOFF.removeprefix("  ") + "shifts:\n"
        + shifts(40, "enginer", every=3).replace("  - ", "- ").replace("2025-01-13", "2025-13-01"))),
    "members of bad ids and a missing handoff": (Rotation, (
        "id: r\nmembers: [" + ", ".join(f"Eng {i}" for i in range(30)) + "]\n")),
    "long valid lists and a bad id": (Rotation, (
        "id: R\nmembers: [eng1]\n" + HANDOFF.removeprefix("  ") + "shifts:\n" + shifts(30).replace("  - ", "- "))),
    "extra days misspelt": (HolidaysConfig, (
        "calendar: US\nobserve: [1, 2]\nextra:\n"
        + "".join(f"- {{name: Day {i}, dat: 2026-03-{1 + i % 28:02d}}}\n" for i in range(33)))),
    "time off of a left engineer": (Engineer, (
        "id: eng1\nname: E\njoined: 2026-01-01\nleft: 2025-01-01\ntime_off:\n"
        + "".join(f"- {{start: 2025-03-{1 + i % 28:02d}, end: 2025-03-{1 + i % 28:02d}}}\n" for i in range(25)))),
    "time off ending before it starts": (Engineer, (
        "id: eng1\nname: E\ntime_off:\n"
        + "".join(f"- {{start: 2025-03-0{2 + i % 7}, end: 2025-03-01}}\n" for i in range(25)))),
    "secondary owners of bad ids": (Pipeline, (
        "id: p\nname: P\narea: A\naudience: [investor]\nowners:\n  primary: Eng 1\n  secondary: ["
        + ", ".join(f"Eng {i}" for i in range(30)) + "]\n  extra: x\nrunbook: 3\n")),
    "many unknown keys, one misspelling a missing key": (Rotation, (
        "id: r\n" + "".join(f"k{i}: {i}\n" for i in range(30)) + HANDOFF.removeprefix("  ")
        + "shifts: [{week: 2025-01-06, engineer: Eng 1}]\nmembrs: [eng1]\n")),
    "an owners mapping of many unknown keys": (Pipeline, (
        "id: p\nname: P\narea: A\naudience: [internal]\nowners:\n"
        + "".join(f"  k{i}: {i}\n" for i in range(30)) + "  secondary: [Eng 1]\nrunbook: 3\n")),
    "many unknown keys, numbers and dates among them": (Rotation, (
        "id: r\nmembers: [eng1]\n" + "".join(f"k{i}: {i}\n" for i in range(30)) + "1: one\n2026-01-01: day\n")),
    "a shift of many unknown keys among a few": (Rotation, (
        "id: r\nmembers: [eng1]\n" + HANDOFF.removeprefix("  ") + "shifts:\n- {week: 2025-01-06, enginer: eng1}\n"
        + "- week: 2025-01-13\n" + "".join(f"  k{i}: {i}\n" for i in range(30)) + "- {week: 2025-01-20}\n")),
    "a shift of many unknown keys in a long list": (Rotation, (
        "id: r\nmembers: [eng1]\n" + HANDOFF.removeprefix("  ") + "shifts:\n" + shifts(12, "enginer").replace(
            "  - ", "- ") + "- enginer: eng1\n" + "".join(f"  k{i}: {i}\n" for i in range(30))
        + shifts(12, "enginer").replace("  - ", "- "))),
    "rules of the wrong shape": (PolicyFile, (
        "rules:\n" + "".join(f"  R{i}: {'[1]' if i % 2 else '{}'}\n" for i in range(30)) + "waivers:\n"
        + "".join(f"- {{rule: R{i}, subjct: s, reason: r, expires: 2030-01-01}}\n" for i in range(25)))),
}


def problems(model: type[Any], text: str) -> tuple[Any, list[tuple[int, int, str]]]:
    doc = parse_yaml("ops-data/x.yaml", text)
    built, found = validation.validate(doc, model, doc.data, ())
    return built, [(p.line, p.column, p.message) for p in found]


@pytest.mark.parametrize("chunk", [1, 7, 10])
@pytest.mark.parametrize("cap", [1_000, 12])
@pytest.mark.parametrize("name", list(ENTRIES))
def test_long_lists_validated_in_parts_give_the_problems_of_the_whole(
    name: str, cap: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    model, text = ENTRIES[name]
    monkeypatch.setattr(validation, "MAX_EXPLAINED", cap)
    whole = problems(model, text)
    monkeypatch.setattr(validation, "CHUNK", chunk)
    assert problems(model, text) == whole
    assert whole[0] is None or name == "long valid lists and a bad id"


def test_a_valid_entry_with_long_lists_is_built_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "id: r\nmembers: [eng1, eng2]\n" + HANDOFF.removeprefix("  ") + "shifts:\n" + shifts(30).replace(
        "  - ", "- ") + "overrides:\n" + overrides(25).replace("  - ", "- ")
    whole, none = problems(Rotation, text)
    monkeypatch.setattr(validation, "CHUNK", 4)
    parts, still_none = problems(Rotation, text)
    assert none == still_none == [] and parts == whole and len(parts.shifts) == 30


def test_the_count_of_problems_not_listed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validation, "MAX_EXPLAINED", 10)
    monkeypatch.setattr(validation, "CHUNK", 4)
    # every shift misspells its key: one problem each, the missing key being the one misspelt
    _, found = problems(Rotation, "id: r\nmembers: [eng1]\n" + HANDOFF.removeprefix("  ") + "shifts:\n"
                        + shifts(45, "enginer").replace("  - ", "- "))
    assert len(found) == 11
    assert all("unknown key 'enginer' (did you mean 'engineer'?)" in message for _, _, message in found[:10])
    assert [line for line, _, _ in found[:10]] == list(range(5, 15))
    assert found[10] == (1, 1, "35 more problems in this entry are not listed (only its first 10 are); "
                               "fix those and run again")


def test_only_a_part_of_the_problems_exists_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validation, "CHUNK", 10)
    sizes: list[int] = []
    errors = validation._Tally.errors

    def counted(self: Any, exc: Any, *args: Any) -> list[Any]:
        sizes.append(exc.error_count())
        return errors(self, exc, *args)

    monkeypatch.setattr(validation._Tally, "errors", counted)
    _, found = problems(Rotation, "id: r\nmembers: [eng1]\n" + HANDOFF.removeprefix("  ") + "shifts:\n"
                        + shifts(1_000, "enginer").replace("  - ", "- ")
                        + "- week: 2025-01-06\n" + "".join(f"  k{i}: {i}\n" for i in range(100)))
    # each shift has an unknown key and misses 'engineer': two errors, in batches of 10 shifts;
    # the last one's 100 unknown keys are listed without the schema library
    assert max(sizes) == 20 and sum(sizes) == 2_001
    assert found[-1][2].startswith("101 more problems in this entry are not listed")


def test_a_rotation_of_many_misspelt_shifts_is_reported_with_the_count(
    run: Callable[..., Result], team: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(validation, "MAX_EXPLAINED", 50)
    monkeypatch.setattr(validation, "CHUNK", 16)
    path = team / "ops-data" / "oncall.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(", engineer: eng", ", enginer: eng"), encoding="utf-8")
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json")
    schema = [f for f in result.json()["findings"] if f["rule"] == "OPS002"]
    more = [f["message"] for f in schema if "more problems" in f["message"]]
    assert len(schema) == 51 and sum("unknown key 'enginer'" in f["message"] for f in schema) == 50
    assert more == ["119 more problems in this entry are not listed (only its first 50 are); fix those and run again"]


def test_past_its_searches_the_count_is_a_lower_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validation, "MAX_EXPLAINED", 5)
    monkeypatch.setattr(validation, "CHUNK", 4)
    # each shift misspells 'engineer' its own way, or names a key nothing like it (then both count)
    text = "id: r\nmembers: [eng1]\n" + HANDOFF.removeprefix("  ") + "shifts:\n" + "".join(
        f"- {{week: 2025-01-06, {'enginer' if i % 2 else 'zz'}{i}: eng1}}\n" for i in range(40))
    _, exact = problems(Rotation, text)
    assert exact[-1][2].startswith("55 more problems in this entry are not listed")
    monkeypatch.setattr(validation, "SEARCHES", 6)
    _, bounded = problems(Rotation, text)
    assert bounded[:-1] == exact[:-1]
    more = bounded[-1][2]
    assert more.startswith("at least ") and int(more.split()[2]) < 55


def test_a_data_file_lists_at_most_max_explained_unknown_keys(run: Callable[..., Result], team: Path) -> None:
    path = team / "ops-data" / "engineers.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "".join(f"k{i:04d}: {i}\n" for i in range(1_005)),
                    encoding="utf-8")
    result = run("validate", "--root", team, "--as-of", AS_OF, "--format", "json")
    schema = [f for f in result.json()["findings"] if f["rule"] == "OPS002" and f["file"] == "ops-data/engineers.yaml"]
    unknown = [f["message"] for f in schema if f["message"].startswith("unknown key")]
    assert len(schema) == 1_001 and unknown[0] == "unknown key 'k0000'" and unknown[-1] == "unknown key 'k0999'"
    assert [f["message"] for f in schema if "more" in f["message"]] == [
        "5 more unknown keys in this file are not listed (only its first 1,000 are); it holds only 'engineers:'"]
