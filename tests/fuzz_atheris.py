"""The fuzz harness under atheris, a coverage-guided engine (libFuzzer), as a second opinion
next to the Hypothesis suite in test_fuzz.py::

    .venv/bin/pip install atheris
    .venv/bin/python tests/fuzz_atheris.py -atheris_runs=5000     # or -max_total_time=600

Each input chooses a mutation of a copy of this repository's data (bytes, values at type and
calendar edges, raw YAML, policies, custom rules, the file system) and the commands to run; a
failure is an uncaught exception (the harness asserts exit codes, tracebacks and formats).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import fuzzing
    from conftest import REPO

RUNBOOKS = sorted((REPO / "ops-data/runbooks").glob("*.md"))
FILES = (*fuzzing.DATA_FILES, *(f"ops-data/runbooks/{p.name}" for p in RUNBOOKS))
SCRATCH = Path(tempfile.mkdtemp(prefix="opscheck-atheris-"))


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    root = fuzzing.fresh_copy(REPO, SCRATCH / "repo")
    outputs = SCRATCH / "out"
    outputs.mkdir(exist_ok=True)
    file = FILES[fdp.ConsumeIntInRange(0, len(FILES) - 1)]
    kind = fdp.ConsumeIntInRange(0, 4)
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
    else:
        kinds = ("fifo", "folder", "dev-zero", "outside", "root", "loop", "dangling")
        fuzzing.file_system(root, file, kinds[fdp.ConsumeIntInRange(0, len(kinds) - 1)])
    command = fuzzing.COMMANDS[fdp.ConsumeIntInRange(0, len(fuzzing.COMMANDS) - 1)]
    fuzzing.run_all(root, outputs, (command,), "data-pipelines", "profit-aggregate")


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
