"""The fuzz harness under atheris, a coverage-guided engine (libFuzzer), as a second opinion
next to the Hypothesis suite in test_fuzz.py::

    .venv/bin/pip install atheris
    .venv/bin/python tests/fuzz_atheris.py -atheris_runs=5000     # or -max_total_time=600

Each input chooses a mutation of a copy of this repository's data (bytes, values at type and
calendar edges, raw YAML, the file system), of its `.github/CODEOWNERS` and pipelines' code:
globs, or of the team's data with its dbt manifest (bytes, JSON values, the policy's path to
it), and the commands to run; a failure is an uncaught exception (the harness asserts exit
codes, tracebacks, formats and that nothing outside the copy is opened).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

import atheris

with atheris.instrument_imports():
    import fuzzing
    import fuzzing_sources
    from conftest import REPO

RUNBOOKS = sorted((REPO / "ops-data/runbooks").glob("*.md"))
FILES = (*fuzzing.DATA_FILES, *(f"ops-data/runbooks/{p.name}" for p in RUNBOOKS))
SCRATCH = Path(tempfile.mkdtemp(prefix="opscheck-atheris-"))
DBT_ORG = fuzzing_sources.dbt_org(REPO, SCRATCH / "dbt-org")


def pick(fdp: atheris.FuzzedDataProvider, choices: tuple[Any, ...]) -> Any:
    return choices[fdp.ConsumeIntInRange(0, len(choices) - 1)]


def sources(fdp: atheris.FuzzedDataProvider, root: Path, kind: int) -> None:
    """A mutation of CODEOWNERS, of the code: globs or of the dbt manifest (``kind`` 5 to 9)."""
    if kind == 5:
        edits = [(fdp.ConsumeIntInRange(0, 1 << 20), fdp.ConsumeIntInRange(0, 8), fdp.ConsumeBytes(8))
                 for _ in range(fdp.ConsumeIntInRange(1, 4))]
        fuzzing.mutate_bytes(root, pick(fdp, (fuzzing.CODEOWNERS, fuzzing.MANIFEST)), edits)
    elif kind == 6:
        lines = [fuzzing_sources.codeowners_line(fdp.ConsumeIntListInRange(4, 0, 100),
                                                 fdp.ConsumeIntListInRange(2, 0, 100),
                                                 fdp.ConsumeIntInRange(0, 100) if fdp.ConsumeBool() else None)
                 for _ in range(fdp.ConsumeIntInRange(1, 3))]
        fuzzing_sources.insert_lines(root, fuzzing.CODEOWNERS, fdp.ConsumeIntInRange(0, 1000), lines,
                                     fdp.ConsumeBool())
    elif kind == 7:
        patterns = [fuzzing_sources.pattern(fdp.ConsumeIntListInRange(4, 0, 100)) for _ in range(2)]
        fuzzing_sources.set_code(root, fdp.ConsumeIntInRange(0, 100), patterns)
    elif kind == 8:
        fuzzing_sources.mutate_json(root, fuzzing.MANIFEST, fdp.ConsumeIntInRange(0, 10_000),
                                    pick(fdp, fuzzing_sources.JSON_VALUES),
                                    pick(fdp, ("replace", "delete", "duplicate", "misspell", "add")))
    else:
        fuzzing_sources.write_dbt_source(root, pick(fdp, fuzzing_sources.MANIFEST_PATHS),
                                         pick(fdp, fuzzing_sources.PROJECT_DIRS))


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    kind = fdp.ConsumeIntInRange(0, 9)
    root = fuzzing.fresh_copy(DBT_ORG if kind >= 4 else REPO, SCRATCH / "repo")
    outputs = SCRATCH / "out"
    outputs.mkdir(exist_ok=True)
    file = FILES[fdp.ConsumeIntInRange(0, len(FILES) - 1)]
    if kind == 0:
        edits = [(fdp.ConsumeIntInRange(0, 1 << 20), fdp.ConsumeIntInRange(0, 8), fdp.ConsumeBytes(8))
                 for _ in range(fdp.ConsumeIntInRange(1, 4))]
        fuzzing.mutate_bytes(root, file, edits)
    elif kind == 1:
        value = fuzzing.EDGE_VALUES[fdp.ConsumeIntInRange(0, len(fuzzing.EDGE_VALUES) - 1)]
        action = ("replace", "delete", "duplicate", "misspell", "add")[fdp.ConsumeIntInRange(0, 4)]
        fuzzing.mutate_value(root, file, fdp.ConsumeIntInRange(0, 10_000), value, action)
    elif kind == 2:
        snippet = fuzzing.RAW_SNIPPETS[fdp.ConsumeIntInRange(0, len(fuzzing.RAW_SNIPPETS) - 1)]
        fuzzing.insert_raw(root, file, fdp.ConsumeIntInRange(0, 10_000), snippet)
    elif kind == 3:
        fuzzing.insert_raw(root, file, fdp.ConsumeIntInRange(0, 10_000), fdp.ConsumeUnicodeNoSurrogates(40))
    elif kind == 4:
        kinds = ("fifo", "folder", "dev-zero", "outside", "root", "loop", "dangling")
        fuzzing.file_system(root, pick(fdp, (file, fuzzing.MANIFEST, "analytics/target")), pick(fdp, kinds))
    else:
        sources(fdp, root, kind)
    command = fuzzing.COMMANDS[fdp.ConsumeIntInRange(0, len(fuzzing.COMMANDS) - 1)]
    fuzzing.run_all(root, outputs, (command,), "data-pipelines", "profit-aggregate")


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
