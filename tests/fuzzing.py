"""The harness behind the fuzz suite: mutate what a pull request controls (ops-data/, policies/,
.github/CODEOWNERS and the dbt manifest the policy names), run every command on it in process,
and check what a CI run relies on.

Both engines use it: the Hypothesis tests in ``test_fuzz.py`` and the atheris script
``fuzz_atheris.py``. A run fails on an exit code outside 0, 1, 2, on a traceback, on output
that is not valid UTF-8 or not valid in its format, on a file opened outside the repository's
copy, and on a run past its time limit.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import signal
import sys
import xml.dom.minidom
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from opscheck.cli import main

AS_OF = "2026-11-26"
# A run longer than this is a hang: the README promises an answer within 10 s.
HANG_SECONDS = 30
DATA_FILES = ("ops-data/engineers.yaml", "ops-data/pipelines.yaml", "ops-data/oncall.yaml",
              "ops-data/holidays.yaml", "policies/opscheck.yaml")

# Values at the edges of types, calendars and the parameters' domains, and YAML that the
# parser accepts but that means something else than it seems.
EDGE_VALUES: tuple[Any, ...] = (
    None, True, False, 0, -1, 1, 53, 2**31, 2**63, 10**21, -(10**21), 1.5, float("inf"), "", " ",
    "0001-01-01", "9999-12-31", "1899-12-31", "1900-01-01", "9000-12-31", "9001-01-01", "2026-02-30",
    "2026-11-26", "2026-11-30T09:00", "America", "A" * 300, "../../etc/passwd", "US", "utils",
    "a\x00b", "é" * 50, "x" * 5000, "{id}", "{0}", "{", "^(a+)+$", [], {}, [[[]]], {"a": {"b": {}}},
    ["eng1", "eng1"], {"$ref": "#"}, {"$ref": "http://127.0.0.1:9/"},
)
RAW_SNIPPETS = (
    "0b_", "!!float x", "!!int ''", "!!bool maybe", "!!seq {a: 1}", "!!map [a]", "&a [*a]", "*nope",
    "!!python/object:os.system x", "10:30", "9:00", "0x_", "0o", "~", "<<: {a: 1}", "[" * 80 + "]" * 80,
    "{a: " * 70 + "1" + "}" * 70, "'unclosed", '"\\ud800"', "\t", "? [a]\n: b",
)
CODEOWNERS = ".github/CODEOWNERS"
MANIFEST = "analytics/target/manifest.json"
COMMANDS = ("report", "plan", "ics", "who", "who-pipeline", "codeowners", "codeowners-check", "codeowners-write")


def command(name: str, rotation: str, pipeline: str) -> tuple[str, ...]:
    return {
        "codeowners": ("codeowners",),
        "codeowners-check": ("codeowners", "--check"),
        "codeowners-write": ("codeowners", "--write"),
        "report": ("report",),
        "plan": ("schedule", "plan", "--rotation", rotation, "--as-of", AS_OF),
        "ics": ("schedule", "ics", "--rotation", rotation),
        "who": ("who", "--at", f"{AS_OF}T10:00Z"),
        "who-pipeline": ("who", "--at", f"{AS_OF}T10:00Z", "--pipeline", pipeline),
    }[name]


@dataclass
class Outcome:
    code: int
    out: str
    err: str


class Hang(Exception):
    """A command ran past HANG_SECONDS."""


@contextlib.contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def stop(signum: int, frame: Any) -> None:
        raise Hang(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# Where a run may open files: the case's folder (the repository's copy and the outputs) and the
# interpreter's own (modules imported on demand, time zones); anything else is a read outside.
_ALLOWED = [os.path.realpath(p) for p in {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.__file__),
                                          os.path.dirname(os.path.dirname(__file__)), "/usr/share/zoneinfo",
                                          "/dev/null"}]
_opened: list[str] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _opened is not None and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


@contextlib.contextmanager
def opened_within(folder: Path) -> Iterator[None]:
    """Fail when the block opens a file (following symlinks) outside ``folder`` and the interpreter."""
    global _opened
    _opened, found = [], []
    try:
        yield
    finally:
        found, _opened = _opened or [], None
    allowed = [os.path.realpath(folder), *_ALLOWED]
    outside = [p for p in found
               if not any(_inside(os.path.realpath(p), a) for a in allowed) and not _git_lookup(p, folder)]
    assert not outside, f"opened outside the repository: {outside[:5]}"


def _git_lookup(path: str, folder: Path) -> bool:
    """git looks for the repository holding --root in the folders above it (SEQUENCE of `schedule ics`)."""
    above = {str(p) for p in folder.parents}
    where = os.path.dirname(path)
    return os.path.basename(path) in ("HEAD", "commondir", "gitdir") and (
        where in above or (os.path.basename(where) == ".git" and os.path.dirname(where) in above))


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def invoke(*args: str, within: Path | None = None) -> Outcome:
    """``opscheck ARGS`` in process, capturing what it prints; with ``within``, no file outside it is opened."""
    out, err = io.StringIO(), io.StringIO()
    watch = opened_within(within) if within is not None else contextlib.nullcontext()
    with watch, time_limit(HANG_SECONDS), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return Outcome(code, out.getvalue(), err.getvalue())


def check_common(what: str, result: Outcome) -> None:
    assert result.code in (0, 1, 2), (what, result.code, result.err[-2000:])
    assert "Traceback" not in result.out + result.err, (what, result.err[-2000:])
    (result.out + result.err).encode("utf-8")  # strict: no lone surrogate may reach the output


def check_formats(root: Path, outputs: Path) -> None:
    """validate once with every format, each checked as its consumers read it."""
    files = {fmt: outputs / f"out.{fmt}" for fmt in ("json", "sarif", "junit", "github")}
    args = ["validate", "--root", str(root), "--as-of", AS_OF, "--format", "text"]
    for fmt, file in files.items():
        args += ["--format", fmt, "--output", str(file)]
    result = invoke(*args, within=root.parent)
    check_common("validate", result)
    if result.code == 2:
        return  # a configuration error: no report was written
    texts = {fmt: file.read_bytes().decode("utf-8") for fmt, file in files.items()}
    report = json.loads(texts["json"])
    assert set(report) >= {"opscheck", "as_of", "summary", "findings"}
    sarif = json.loads(texts["sarif"])
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1
    xml.dom.minidom.parseString(texts["junit"].encode("utf-8"))
    for line in texts["github"].splitlines():
        if line.startswith("::"):  # a workflow command: nothing the data says may break out of it
            assert re.fullmatch(r"::(error|warning|notice) [^\r\n]*::[^\r\n]*", line), line
    assert result.out.rstrip().splitlines()[-1].endswith(f"(as of {AS_OF})"), result.out[-500:]


def run_all(root: Path, outputs: Path, commands: tuple[str, ...], rotation: str, pipeline: str) -> None:
    check_formats(root, outputs)
    for name in commands:
        before = _read_if_file(root / CODEOWNERS)
        result = invoke(*command(name, rotation, pipeline), "--root", str(root), within=root.parent)
        check_common(name, result)
        if name == "ics" and result.code == 0:
            assert result.out.startswith("BEGIN:VCALENDAR\r\n"), result.out[:200]
        if name == "codeowners-write" and result.code == 0:
            check_written(root, before)


def check_written(root: Path, before: bytes | None) -> None:
    """After a write, the block is up to date and the team's lines before it are kept byte for byte."""
    again = invoke("codeowners", "--check", "--root", str(root), within=root.parent)
    check_common("codeowners --check after --write", again)
    assert again.code == 0, again.out[-2000:] + again.err[-2000:]
    after = (root / CODEOWNERS).read_bytes()
    marker = b"# BEGIN opscheck"
    # the block was replaced where it was, or (without one) appended after a blank line
    mine = b"" if before is None else before[:before.index(marker)] if marker in before else before
    assert after[:after.index(marker)].startswith(mine), (mine[-200:], after[:after.index(marker)][-200:])


def _read_if_file(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() and not path.is_symlink() else None


def fresh_copy(source: Path, target: Path) -> Path:
    """The parts of ``source`` a pull request controls, copied to ``target`` (symlinks kept as such)."""
    if target.exists():
        shutil.rmtree(target)
    for name in ("ops-data", "policies", "analytics"):
        if (source / name).is_dir():
            shutil.copytree(source / name, target / name, symlinks=True)
    if (source / CODEOWNERS).is_file():
        (target / CODEOWNERS).parent.mkdir(parents=True)
        shutil.copyfile(source / CODEOWNERS, target / CODEOWNERS)
    return target


# -- mutations: each takes the repository and the fuzzer's choices --------------------------------

Chooser = Callable[[int], int]  # choose(n): a number in range(n), drawn by the engine


def mutate_bytes(root: Path, file: str, edits: list[tuple[int, int, bytes]]) -> None:
    """Replace ``length`` bytes at ``offset`` (both reduced to the file's size) by ``insert``."""
    path = root / file
    data = bytearray(path.read_bytes())
    for offset, length, insert in edits:
        at = offset % (len(data) + 1)
        data[at : at + length] = insert
    path.write_bytes(bytes(data))


def _nodes(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield path, data
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _nodes(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _nodes(value, (*path, i))


def edit_node(data: Any, pick: int, value: Any, action: str) -> Any:
    """``data`` with its ``pick``-th node replaced, deleted or duplicated (or a key added next to it)."""
    nodes = list(_nodes(data))
    where, _ = nodes[pick % len(nodes)]
    if not where:
        return value if action == "replace" else data
    parent = data
    for part in where[:-1]:
        parent = parent[part]
    last = where[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif action == "duplicate" and isinstance(parent, list):
        parent.insert(last, parent[last])
    elif isinstance(parent, dict):
        parent[f"{last}x" if action == "misspell" else last] = value
    return data


def mutate_value(root: Path, file: str, pick: int, value: Any, action: str) -> None:
    """Replace, delete or duplicate the ``pick``-th node of the file's data (or add a key to it)."""
    path = root / file
    if file.endswith(".md"):
        text = path.read_text(encoding="utf-8")
        _, front, body = text.split("---\n", 2)
        data = yaml.safe_load(front)
    else:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data = edit_node(data, pick, value, action)
    dumped = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=4096)
    if file.endswith(".md"):
        path.write_text(f"---\n{dumped}---\n{body}", encoding="utf-8")
    else:
        path.write_text(dumped, encoding="utf-8")


def insert_raw(root: Path, file: str, line: int, snippet: str) -> None:
    """Put ``snippet`` as the value of the ``line``-th ``key: value`` line of the file."""
    path = root / file
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    candidates = [i for i, text in enumerate(lines) if ": " in text and not text.lstrip().startswith("#")]
    if not candidates:
        return
    i = candidates[line % len(candidates)]
    key = lines[i].split(": ", 1)[0]
    lines[i] = f"{key}: {snippet}\n"
    path.write_text("".join(lines), encoding="utf-8")


def write_custom_rule(root: Path, target: str, schema: Any, message: str) -> None:
    (root / "policies/rules").mkdir(parents=True, exist_ok=True)
    rule = {"id": "X-FUZZ", "summary": "fuzz", "target": target, "message": message, "schema": schema}
    (root / "policies/rules/fuzz.yaml").write_text(yaml.safe_dump(rule, allow_unicode=True), encoding="utf-8")


def write_policy(root: Path, rules: dict[str, Any], waivers: list[Any]) -> None:
    policy = {"rules": rules, "waivers": waivers}
    (root / "policies/opscheck.yaml").write_text(yaml.safe_dump(policy, allow_unicode=True), encoding="utf-8")


def file_system(root: Path, file: str, kind: str) -> None:
    """Make ``file`` something other than a plain file inside the repository."""
    import os

    path = root / file
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    else:
        os.symlink({"dev-zero": "/dev/zero", "outside": "/etc/hostname", "root": "/", "loop": path.name,
                    "dangling": "nowhere"}[kind], path)
