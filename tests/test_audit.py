"""`opscheck audit` over a scripted history of ownership, on-call and runbook changes."""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from conftest import REPO, Result
from gitrepo import OMAR, commit, edit, git, init
from opscheck import compose, versions

GOLDEN = Path(__file__).parent / "golden"
SHIFT = "- {{week: {}, engineer: {}}}"


def _shift(week: str, engineer: str) -> str:
    return SHIFT.format(week, engineer)


@pytest.fixture
def history(team: Path) -> Path:
    """The team's data through nine commits: owners, shifts, a broken file, a rename, a merge."""
    data = team / "ops-data"
    init(team)
    commit(team, "Seed the team's data", "2026-01-05T10:00:00+00:00")

    edit(data / "pipelines.yaml", "secondary: [eng4, eng5]", "secondary: [eng4, eng1]")
    edit(data / "pipelines.yaml", "primary: eng3\n", "primary: eng2\n")
    commit(team, "Rebalance profit and growth ownership", "2026-02-02T09:30:00+00:00", who=OMAR)

    edit(data / "oncall.yaml", _shift("2026-03-02", "eng2"), _shift("2026-03-02", "eng5"))
    edit(data / "oncall.yaml", "    overrides:\n",
         "    overrides:\n      - {start: 2026-03-04, end: 2026-03-05, engineer: eng1, reason: swap with eng5}\n")
    commit(team, "Swap the week of March 2", "2026-02-16T15:00:00+00:00")

    edit(data / "oncall.yaml", "rotations:\n", "rotations:\n  - id: [broken\n")
    edit(data / "engineers.yaml", "  - id: eng5\n", "  - id: eng5\n    active: false\n")
    commit(team, "eng5 leaves", "2026-03-02T11:00:00+00:00", who=OMAR)

    edit(data / "oncall.yaml", "rotations:\n  - id: [broken\n", "rotations:\n")
    edit(data / "oncall.yaml", _shift("2026-03-09", "eng3"), _shift("2026-03-09", "eng1"))
    commit(team, "Fix oncall.yaml and give eng1 the week of March 9", "2026-03-03T08:00:00+00:00")

    git(team, "mv", "ops-data/runbooks/growth-aggregate.md", "ops-data/runbooks/growth.md")
    edit(data / "pipelines.yaml", "runbook: runbooks/growth-aggregate.md", "runbook: runbooks/growth.md")
    edit(data / "runbooks/profit-aggregate.md", "failure_modes:\n",
         "failure_modes:\n  - id: late-fx-rates\n    category: upstream\n    title: FX rates arrive late\n"
         "    detection: fx freshness check\n    impact: profit in USD is a day stale\n")
    commit(team, "Shorter growth runbook name; FX failure mode", "2026-03-10T12:00:00+00:00", who=OMAR)

    git(team, "checkout", "-q", "-b", "new-hire")
    edit(data / "engineers.yaml", "engineers:\n", "engineers:\n  - id: eng6\n    name: Eng6\n")
    commit(team, "Add eng6", "2026-03-12T10:00:00+00:00")
    git(team, "checkout", "-q", "main")
    git(team, "merge", "-q", "--no-ff", "-m", "Merge new-hire", "new-hire", date="2026-03-16T10:00:00+00:00")

    edit(data / "holidays.yaml", "  - Labor Day\n", "")
    edit(data / "pipelines.yaml", "# The five pipelines", "# Our five pipelines")
    commit(team, "Stop observing Labor Day", "2026-03-23T10:00:00+00:00", who=OMAR)

    edit(data / "pipelines.yaml", "# Our five pipelines", "# The five pipelines")
    commit(team, "Wording", "2026-03-24T10:00:00+00:00")
    return team


@pytest.mark.parametrize("flush", [None, 5])  # JSON handed on in large pieces, or a few objects at a time
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_audit_golden(run: Callable[..., Result], history: Path, fmt: str, flush: int | None,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    from opscheck import jsontext

    if flush is not None:
        monkeypatch.setattr(jsontext, "FLUSH", flush)
    result = run("audit", "--root", history, "--format", fmt)
    assert result.code == 0, result.err
    shas = git(history, "rev-list", "--first-parent", "HEAD").split()
    out = result.out
    for i, sha in enumerate(shas):  # commit ids depend on the seed data: name them by position
        out = out.replace(sha, f"<sha{len(shas) - i}>").replace(sha[:7], f"<{len(shas) - i}>")
    golden = GOLDEN / f"audit.{'txt' if fmt == 'text' else 'json'}"
    if os.environ.get("OPSCHECK_UPDATE_GOLDEN") == "1":
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("most", [0, 1])
def test_versions_with_many_new_entries_read_whole_give_the_same_audit(
    run: Callable[..., Result], history: Path, monkeypatch: pytest.MonkeyPatch, most: int
) -> None:
    """A version with more unread entries than MAX_UNREAD_ENTRIES is parsed in one piece (a
    10 MiB file read entry by entry took seconds): the changes found are the same."""
    from opscheck import versions

    expected = run("audit", "--root", history, "--format", "json").out
    monkeypatch.setattr(versions, "MAX_UNREAD_ENTRIES", most)
    assert run("audit", "--root", history, "--format", "json").out == expected


def test_audit_names_the_spec_example_line(run: Callable[..., Result], history: Path) -> None:
    lines = run("audit", "--root", history).out.splitlines()
    sha = git(history, "rev-parse", "--short=7", "HEAD~7")
    assert (f"2026-02-02 {sha} Omar Ali <omar@example.com>: profit-aggregate secondary [eng4, eng5] -> "
            "[eng4, eng1]") in lines


def test_broken_file_is_reported_and_skipped(run: Callable[..., Result], history: Path) -> None:
    entries = run("audit", "--root", history, "--format", "json").json()
    broken, fixed = entries[3], entries[4]
    assert [c["kind"] for c in broken["changes"]] == ["engineer-inactive", "file-unreadable"]
    assert broken["changes"][1]["subject"] == "ops-data/oncall.yaml"
    # compared with the last good version: only the real change shows
    assert [(c["kind"], c["subject"], c["old"], c["new"]) for c in fixed["changes"]] == [
        ("shift-reassigned", "data-pipelines@2026-03-09", "eng3", "eng1")
    ]


@pytest.mark.parametrize(("args", "subjects"), [
    (("--since", "2026-03-03", "--until", "2026-03-16"), ["Fix oncall.yaml and give eng1 the week of March 9",
                                                          "Shorter growth runbook name; FX failure mode",
                                                          "Merge new-hire"]),
    (("--path", "ops-data/holidays.yaml"), ["Seed the team's data", "Stop observing Labor Day"]),
    (("--path", "ops-data/runbooks", "--since", "2026-03-01"), ["Shorter growth runbook name; FX failure mode"]),
])
def test_audit_filters(run: Callable[..., Result], history: Path, args: tuple[str, ...],
                       subjects: list[str]) -> None:
    result = run("audit", "--root", history, "--format", "json", *args)
    assert [e["subject"] for e in result.json()] == subjects


def test_since_starts_from_the_state_before_it(run: Callable[..., Result], history: Path) -> None:
    first = run("audit", "--root", history, "--since", "2026-03-03", "--format", "json").json()[0]
    assert [c["kind"] for c in first["changes"]] == ["shift-reassigned"]


def test_path_outside_ops_data_is_a_usage_error(run: Callable[..., Result], history: Path) -> None:
    result = run("audit", "--root", history, "--path", "policies")
    assert result.code == 2
    assert "--path policies: audit follows files under ops-data/" in result.err


@pytest.mark.parametrize(("path", "hint"), [
    ("ops-data/nope.yaml", ""),
    ("ops-data/oncal.yaml", " (did you mean 'ops-data/oncall.yaml'"),
    ("ops-data/runbook", " (did you mean 'ops-data/runbooks"),
])
def test_path_naming_no_file_is_a_usage_error(run: Callable[..., Result], history: Path, path: str,
                                              hint: str) -> None:
    result = run("audit", "--root", history, "--path", path)
    assert result.code == 2 and result.out == ""
    assert f"--path {path}: no such file or folder, now or in the history{hint}" in result.err


@pytest.mark.parametrize(("args", "note"), [
    (("--since", "2030-01-01"), "no commit changed ops-data/ since 2030-01-01; nothing to show"),
    (("--until", "2020-01-01"), "no commit changed ops-data/ until 2020-01-01; nothing to show"),
    (("--path", "ops-data/holidays.yaml", "--since", "2026-03-24", "--until", "2026-03-31"),
     "no commit changed ops-data/holidays.yaml between 2026-03-24 and 2026-03-31; nothing to show"),
])
def test_a_window_without_commits_says_so(run: Callable[..., Result], history: Path, args: tuple[str, ...],
                                          note: str) -> None:
    for fmt, out in (("text", ""), ("json", "[]\n")):
        result = run("audit", "--root", history, "--format", fmt, *args)
        assert (result.code, result.out, result.err) == (0, out, f"opscheck: note: {note}\n")


def test_audit_of_a_repository_without_commits_is_empty(run: Callable[..., Result], team: Path) -> None:
    init(team)
    result = run("audit", "--root", team)
    assert (result.code, result.out) == (0, "")


def test_entries_split_like_the_whole_file_parses() -> None:
    import yaml

    from opscheck.entries import split_entries

    text = (REPO / "ops-data" / "oncall.yaml").read_text(encoding="utf-8")
    split = split_entries(text, "rotations")
    assert split is not None
    whole = yaml.safe_load(text)["rotations"]
    assert [yaml.safe_load(chunk)[0] for chunk in split.chunks] == whole
    pipelines = (REPO / "ops-data" / "pipelines.yaml").read_text(encoding="utf-8")
    split = split_entries(pipelines, "pipelines")
    assert split is not None and len(split.chunks) == 5


@pytest.mark.parametrize(
    "text",
    [
        "rotations: [{id: a}]\n",  # flow style
        "rotations:\n  - &x {id: a}\n  - *x\n",  # anchors
        "rotations:\n  - id: a\nextra: 1\n",  # another top-level key
        "engineers:\n  - id: a\n",  # not the key asked for
    ],
)
def test_entries_fall_back_to_the_whole_file(text: str) -> None:
    from opscheck.entries import split_entries

    assert split_entries(text, "rotations") is None


def test_readme_example_is_the_golden_history() -> None:
    """The README shows audit output of the scripted history above, not of commits that exist nowhere."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    shown = readme.split("```console\n$ opscheck audit\n", 1)[1].split("...\n```", 1)[0]
    assert shown and (GOLDEN / "audit.txt").read_text(encoding="utf-8").startswith(shown)


# Lines an item file may hold, laid out well or not: entries at two indents, nested keys and
# lists, comments at any indent (one that would read as a key if moved left), blank lines, and
# what makes the file be parsed whole (anchors, tabs, another top-level key, a document marker).
ITEM_LINES = [
    "rotations:", "rotations: # the list", "# a comment", "", "   ", "- id: a", "- id: b", "  - id: c", "  - id: d",
    "-", "  -", "- x", "  name: n", "    name: n", "      name: n", "  members:", "  - m1", "    - m2", "# note",
    "  # note", "#   name: evil", "\t- tab", "- &a x", "- *a", "extra: 1", "---", "  - {id: e, name: f}", " - odd",
    "- a: [1, 2]", "  note: |", "      literal", "    more: text", "- 'quoted: x'", "  -  wide",
]
PIECES = ["", "\n", "- ", "  ", "-", " ", "#", "id: z", "\n- id: y\n", "\n  - id: x\n  name: w\n", ":", "*", "\t",
          "rotations:\n", "\r"]


def _item_text(lines: list[str], end: bool) -> str:
    return "\n".join(lines) + "\n" * end


# an edit: at a column (-1 is the line end before) of a line, delete some characters, insert pieces
edits = st.lists(st.tuples(st.integers(0, 20), st.integers(-1, 4), st.integers(0, 8),
                           st.lists(st.sampled_from(PIECES), max_size=3)), max_size=6)


def _edit(text: str, line: int, column: int, cut: int, pieces: list[str]) -> str:
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    at = min(max(starts[line % len(starts)] + column, 0), len(text))
    return text[:at] + "".join(pieces) + text[at + cut :]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(ITEM_LINES), max_size=14), st.booleans(), edits)
@example(["- id: a", "- id: b"], True, [(2, -1, 1, [])])  # the line end before an entry goes: two become one
@example(["- id: a", "- id: b"], True, [(2, 0, 0, [" "])])  # an entry indented: it joins the one before
@example(["  - id: a", "  - id: b"], False, [(1, 2, 1, ["#"])])  # the first entry's '-' goes: parsed whole
def test_entries_cut_again_around_a_change_are_the_entries_of_a_whole_split(
        lines: list[str], end: bool, changes: list[tuple[int, int, int, list[str]]]) -> None:
    """Each edited version split against the last good split is the split of its whole text."""
    from opscheck.entries import split_entries

    text = _item_text(["rotations:", *lines], end)
    last = split_entries(text, "rotations")
    for change in changes:
        text = _edit(text, *change)
        whole = split_entries(text, "rotations")
        if last is not None:
            assert split_entries(text, "rotations", last) == whole
        last = whole or last


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(ITEM_LINES), max_size=14), st.booleans())
def test_entries_read_as_they_do_in_the_whole_file(lines: list[str], end: bool) -> None:
    import yaml

    from opscheck.entries import split_entries

    text = _item_text(["rotations:", *lines], end)
    split = split_entries(text, "rotations")
    try:
        whole = yaml.safe_load(text)
    except yaml.YAMLError:
        return
    if split is not None:
        assert [yaml.safe_load(chunk)[0] for chunk in split.chunks] == (whole["rotations"] or [])


# Lines of one rotation entry at column 0: long lists in block style at two indents, flow items,
# comments, keys written other ways, and lines that break the layout.
ENTRY_LINES = [
    "  members: [a, b]", "  shifts:", "  overrides:", "  shifts: []", "  overrides: # soon",
    "  handoff: {weekday: monday}", "  # note", "", "#x", "  - week: '2026-01-05'", "    engineer: e1",
    "  - {week: '2026-01-12', engineer: e2}",
    "    - week: '2026-01-19'", "      engineer: e3", "  -", "    engineer: e4", "   odd: 1", "  - date: '2026-01-06'",
    "  - [1, 2]", "  shifts:x", "  - week: '2026-01-26'", "      - nested", "  id: again", " - low", " low: 1",
]


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["- id: r", "-   id: r", "- - r", "- id: r # c"]),
       st.lists(st.sampled_from(ENTRY_LINES), max_size=14))
@example("- id: r", ["  shifts:", "  - week: '2026-01-05'", "    engineer: e1", "  overrides:", "    - date: x"])
def test_an_entry_cut_into_head_and_items_reads_as_the_whole_entry(first: str, lines: list[str]) -> None:
    """When the head and every item of an entry's long lists parse on their own, the whole entry
    parses to the head with the items put back."""
    from opscheck.entries import cut_lists
    from opscheck.source import parse_yaml

    def one(text: str) -> Any:
        doc = parse_yaml("x", text)
        return doc.data[0] if doc.ok and isinstance(doc.data, list) and len(doc.data) == 1 else None

    chunk = "\n".join([first, *lines]) + "\n"
    cut = cut_lists(chunk, ["shifts", "overrides"])
    if cut is None:
        return
    head = one(cut.head)
    items = {key: [one(text) for text in texts] for key, texts in cut.items.items()}
    if not isinstance(head, dict) or any(head.get(key, 0) is not None or None in found
                                         for key, found in items.items()):
        return
    assert one(chunk) == {**head, **items}


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(ENTRY_LINES), max_size=14), edits)
@example(["  shifts:", "  - week: a", "  - week: b", "  overrides:", "  - date: c"], [(3, -1, 1, [])])
@example(["  shifts:", "  - week: a", "  - week: b", "  overrides:", "  - date: c"], [(3, 2, 0, ["x"])])
@example(["  shifts:", "  - week: a", "  overrides:", "  - date: c", "  - date: d"], [(5, 4, 1, ["e"])])
def test_an_entry_cut_again_around_a_change_is_cut_as_a_whole(lines: list[str],
                                                                changes: list[tuple[int, int, int, list[str]]]) -> None:
    from opscheck.entries import cut_lists

    keys = ["shifts", "overrides"]
    chunk = "\n".join(["- id: r", *lines]) + "\n"
    last = cut_lists(chunk, keys)
    for change in changes:
        edited = _edit(chunk, *change)
        whole = cut_lists(edited, keys)
        if last is not None:
            assert cut_lists(edited, keys, (chunk, last)) == whole
        chunk, last = (edited, whole) if whole is not None else (chunk, last)


@pytest.mark.parametrize(("chunk", "cut"), [
    ("- id: r\n  shifts:\n  - a\n  # b\n  overrides: # o\n    - c\n    - d\n  members: []\n",
     ("- id: r\n  shifts:\n  overrides: # o\n  members: []\n", {"shifts": ["  - a\n  # b\n"],
                                                                 "overrides": ["    - c\n", "    - d\n"]})),
    ("- id: r\n  shifts:\n    - a\n   odd: 1\n", None),  # the list ends at a line that is no key of the entry
    ("- id: r\n  shifts: []\n", None),  # flow style
    ("- id: r\n  shifts:\n  members: []\n", None),  # no items
    ("-   id: r\n  shifts:\n  - a\n", None),  # the entry's keys are not at column 2
    ("- id: r\n  shifts:\n  - a\n  shifts:\n  - b\n", None),  # a key twice
    ("- id: r\n  members: []\n", None),  # no list to cut
])
def test_cut_lists(chunk: str, cut: tuple[str, dict[str, list[str]]] | None) -> None:
    from opscheck.entries import cut_lists

    found = cut_lists(chunk, ["shifts", "overrides"])
    assert (found and found[:2]) == cut


def test_an_invalid_entry_met_again_is_not_removed(run: Callable[..., Result], team: Path) -> None:
    """An entry read before (here invalid, in a file that changed elsewhere) counts as it did then."""
    engineers = team / "ops-data" / "engineers.yaml"
    init(team)
    commit(team, "Seed", "2026-01-05T10:00:00+00:00")
    edit(engineers, "email: eng2@example.com", "email: not an address")
    commit(team, "Break eng2", "2026-01-06T10:00:00+00:00")
    edit(engineers, "email: not an address", "email: eng2@example.com")
    commit(team, "Fix eng2", "2026-01-07T10:00:00+00:00")
    edit(engineers, "email: eng2@example.com", "email: not an address")
    edit(engineers, "name: Eng1\n", "name: Eng One\n")
    commit(team, "Break eng2 again, rename eng1", "2026-01-08T10:00:00+00:00")
    entries = run("audit", "--root", team, "--format", "json").json()
    assert [[(c["kind"], c["subject"]) for c in e["changes"]] for e in entries[1:]] == [
        [("none", "")], [("engineer-joined", "eng2")], [("engineer", "eng1")]]


def test_changes_of_each_commit_are_its_diff_against_its_first_parent(history: Path) -> None:
    import git as gitpython

    from opscheck.history import first_parent_changes

    git(history, "rm", "-q", "ops-data/runbooks/growth.md")
    commit(history, "Drop a runbook", "2026-03-30T10:00:00+00:00")
    repo = gitpython.Repo(history)
    commits = [repo.commit(sha) for sha in git(history, "rev-list", "--first-parent", "--reverse", "HEAD").split()]

    def by_gitpython(c: Any) -> list[tuple[str, str, str, str | None]]:
        if not c.parents:
            return sorted(("A", o.path, o.path, o.hexsha) for o in c.tree["ops-data"].traverse() if o.type == "blob")
        return sorted((d.change_type, d.a_path, d.b_path, d.b_blob and d.b_blob.hexsha)
                      for d in c.parents[0].diff(c, paths=["ops-data"]))

    pairs = [(c.hexsha, c.parents[0].hexsha if c.parents else None) for c in commits]
    found = [sorted(changes) for changes in first_parent_changes(repo, pairs, "ops-data")]
    assert found == [by_gitpython(c) for c in commits]
    assert {f[0] for changes in found for f in changes} == {"A", "M", "R", "D"}


@pytest.mark.parametrize(("old", "new"), [
    ("", ""),
    ("{date: 2025-01-01, engineer: eng2,", "{date: 2025-01-01, start: 2025-01-01, engineer: eng2,"),  # invalid item
    ("{week: 2025-01-06, engineer: eng2}", "{week: 2025-01-07, engineer: eng2}"),  # not a Monday: still a model
    ("{week: 2025-01-06, engineer: eng2}", "{week: 2025-13-06, engineer: eng2}"),  # no such day
    ("members: [eng1, eng2, eng3, eng4, eng5]", "members: eng1"),  # invalid head
])
def test_a_rotation_read_from_its_pieces_is_the_rotation_read_whole(old: str, new: str) -> None:
    from opscheck.entries import split_entries
    from opscheck.models import Rotation
    from opscheck.source import parse_yaml
    from opscheck.validation import validate
    from opscheck.versions import Reader

    text = (REPO / "ops-data" / "oncall.yaml").read_text(encoding="utf-8")
    assert text.count(old) >= 1
    reader = Reader()
    for version in (text, text.replace(old, new, 1)):  # the first read is whole, the next from pieces
        split = split_entries(version, "rotations")
        assert split is not None
        chunk = split.chunks[0]
        doc = parse_yaml("oncall.yaml", chunk)
        whole, _ = validate(doc, Rotation, doc.data[0])
        assert reader._entry("oncall.yaml", "oncall.yaml", chunk, Rotation, None) == (whole or "data-pipelines")
    pieces = reader._from_pieces("oncall.yaml", "oncall.yaml", chunk, Rotation, None)
    assert pieces == (whole if "members" not in old else None)


class _Blob:
    """A file version as the reader takes it from git."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8")
        self.hexsha = hashlib.sha1(self.data).hexdigest()
        self.size = len(self.data)

    @property
    def data_stream(self) -> io.BytesIO:
        return io.BytesIO(self.data)


@pytest.mark.parametrize(("name", "edits"), [
    ("pipelines.yaml", [("primary: eng1", "primary: eng4"),  # the first entry
                        ("  - id: engagement-aggregate", "  - id: engagement-aggregate\n    area: x"),  # the last
                        ("primary: eng2", "primary: [eng2"),  # one entry no longer reads on its own
                        ("primary: [eng2", "primary: eng2"),
                        ("  - id: growth-aggregate", "  - id: growth-aggregate\n    name: Again"),  # a key twice
                        ("# ownership table", "# the ownership table")]),  # the head
    ("oncall.yaml", [("{week: 2025-01-06, engineer: eng2}", "{week: 2025-01-06, engineer: eng3}"),
                     ("{week: 2025-01-13, engineer: eng3}", "{week: 2025-01-13, engineer: Eng3}"),  # invalid item
                     ("members: [eng1, eng2, eng3, eng4, eng5]", "members: [eng1, eng2, eng3, eng4]"),
                     ("rotations:\n", "rotations:\n  - id: second\n")]),
])
def test_versions_read_one_after_another_are_the_versions_read_alone(name: str,
                                                                     edits: list[tuple[str, str]]) -> None:
    from opscheck.versions import Reader

    text = (REPO / "ops-data" / name).read_text(encoding="utf-8")
    reader = Reader()
    for old, new in [("", ""), *edits]:
        assert text.count(old) >= 1
        text = text.replace(old, new, 1)
        file = f"ops-data/{name}"
        assert reader.read(file, _Blob(text)) == Reader().read(file, _Blob(text))


@pytest.mark.parametrize(("bad", "found"), [
    ("", True),
    ("  - {week: 2025-13-06, engineer: eng2}\n", False),  # an invalid item among the long list's
    ("  bogus: 1\n", False),  # the entry itself is invalid
])
def test_an_entry_with_a_long_list_reads_as_validated_whole(bad: str, found: bool) -> None:
    """A long list's items are made into models one by one, each raw item let go: the same model."""
    import datetime as dt

    from opscheck.models import Rotation
    from opscheck.source import parse_yaml
    from opscheck.versions import LONG_LIST, _model_of

    weeks = (dt.date(2001, 1, 1) + dt.timedelta(weeks=n) for n in range(LONG_LIST + 200))
    text = ("- id: r\n  members: [eng1, eng2]\n  handoff: {weekday: monday, time: '09:00', timezone: UTC}\n"
            "  shifts:\n" + "".join(f"  - {{week: {w}, engineer: eng{1 + n % 2}}}\n" for n, w in enumerate(weeks))
            + bad)
    expected = Rotation.model_validate(parse_yaml("oncall.yaml", text).data[0]) if found else None
    assert _model_of(Rotation, parse_yaml("oncall.yaml", text).data[0]) == expected


def test_a_version_of_too_many_list_entries_is_unreadable_without_reading_each(
        run: Callable[..., Result], team: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rotation of 198,000 overrides, read one override at a time, took `audit` 9.5 s: past the
    limit on list entries a version is refused as the whole-file parse refuses it (the seed's
    oncall.yaml holds 175 entries, 166 of them the rotation and its shifts and overrides)."""
    monkeypatch.setattr(compose, "MAX_LIST_ENTRIES", 200)
    monkeypatch.setattr(versions, "MAX_LIST_ENTRIES", 200)
    parses: list[str] = []
    real = versions.parse_yaml
    monkeypatch.setattr(versions, "parse_yaml", lambda file, text: parses.append(text) or real(file, text))
    init(team)
    commit(team, "Seed the team's data", "2026-01-05T10:00:00+00:00")
    edit(team / "ops-data/oncall.yaml", "    overrides:\n", "    overrides:\n" + "".join(
        f"      - {{date: 2027-{month:02}-{day:02}, engineer: eng1, reason: swap}}\n"
        for month in (1, 2) for day in range(1, 21)))
    commit(team, "Many swaps", "2026-01-12T10:00:00+00:00")
    entries = run("audit", "--root", team, "--format", "json").json()
    assert [(c["kind"], c["subject"]) for c in entries[1]["changes"]] == [("file-unreadable", "ops-data/oncall.yaml")]
    assert "more than 200 list entries" in entries[1]["changes"][0]["new"]
    assert not [text for text in parses if text.lstrip().startswith("- {date: 2027")]  # none read one by one
