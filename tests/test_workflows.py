"""Static checks of the CI workflow, the composite action and the pre-commit hook.

All offline: check-jsonschema uses its vendored schemas, zizmor runs with
``--offline``, pre-commit only validates files.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
ACTION = ROOT / "action.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
PRECOMMIT_CONFIG = ROOT / ".pre-commit-config.yaml"

BLOCKING_SEVERITIES = {"medium", "high"}
PINNED_USES = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\s*$")


def _tool(name: str) -> Path:
    """The executable installed next to this interpreter (or on PATH)."""
    for candidate in (BIN / name, BIN / f"{name}.exe"):
        if candidate.exists():
            return candidate
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return Path(found)


def _run(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _zizmor_findings(*inputs: str | Path, cwd: Path = ROOT) -> list[dict[str, Any]]:
    proc = _run(
        _tool("zizmor"),
        "--offline",
        "--no-config",
        "--no-exit-codes",
        "--no-progress",
        "--format",
        "json",
        *inputs,
        cwd=cwd,
    )
    assert proc.returncode == 0, proc.stderr
    findings = json.loads(proc.stdout)
    assert isinstance(findings, list)
    return findings


def _blocking(findings: list[dict[str, Any]]) -> list[str]:
    return sorted(
        f"{f['ident']} ({f['determinations']['severity']}): {f['desc']}"
        for f in findings
        if not f.get("ignored", False) and str(f["determinations"]["severity"]).lower() in BLOCKING_SEVERITIES
    )


def _workflows() -> list[Path]:
    return sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))


# --- schemas -----------------------------------------------------------------


def test_ci_workflow_exists() -> None:
    assert WORKFLOW.is_file()
    assert WORKFLOW in _workflows()


@pytest.mark.parametrize("workflow", _workflows(), ids=lambda p: p.name)
def test_workflow_matches_github_schema(workflow: Path) -> None:
    proc = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", workflow)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_action_matches_github_schema() -> None:
    proc = _run(_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", ACTION)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# --- zizmor --------------------------------------------------------------------


def test_zizmor_reports_nothing_medium_or_high() -> None:
    findings = _zizmor_findings(".github/workflows", "action.yml")
    assert _blocking(findings) == []


def test_zizmor_check_is_not_vacuous(tmp_path: Path) -> None:
    """The JSON parsing above really catches findings (guards against format drift)."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(
        "on: pull_request\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        '      - run: echo "${{ github.event.pull_request.title }}"\n',
        encoding="utf-8",
    )
    idents = {f.split(" ")[0] for f in _blocking(_zizmor_findings(bad, cwd=tmp_path))}
    assert {"template-injection", "unpinned-uses"} <= idents


# --- pinning and permissions (belt and braces on top of zizmor) ---------------------


def _uses_lines(path: Path) -> list[str]:
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if re.match(r"^\s*(-\s+)?uses:", line)
    ]


@pytest.mark.parametrize("path", [*_workflows(), ACTION], ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_sha_with_version_comment(path: Path) -> None:
    lines = _uses_lines(path)
    assert lines, f"no uses: in {path.name}"
    for line in lines:
        ref = line.split("uses:", 1)[1].split("#", 1)[0].strip()
        assert PINNED_USES.match(ref), line
        assert VERSION_COMMENT.search(line), line


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_workflow_permissions_and_checkouts() -> None:
    wf = _load(WORKFLOW)
    assert wf["permissions"] in ({}, {"contents": "read"})
    jobs = wf["jobs"]
    assert {"tests", "validate"} <= set(jobs)
    for name, job in jobs.items():
        assert "timeout-minutes" in job, name
        for step in job["steps"]:
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name
    assert jobs["tests"]["permissions"] == {"contents": "read"}
    assert jobs["validate"]["permissions"]["security-events"] == "write"
    assert "security-events" not in jobs["tests"]["permissions"]
    assert "concurrency" in wf


def test_validate_job_reads_full_history_and_uploads_sarif() -> None:
    steps = _load(WORKFLOW)["jobs"]["validate"]["steps"]
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    assert_pip_cache_and_fork_guard(steps)
    runs = "\n".join(str(s.get("run", "")) for s in steps)
    assert "opscheck validate" in runs
    assert "opscheck report --check ONCALL.md" in runs
    assert "${{" not in runs, "pass github context through env:, not inline"


# A fork's pull request gets a token without security-events: write, so its upload would fail the job.
FORK_GUARD = ("${{ !cancelled() && (github.event_name != 'pull_request' || "
              "github.event.pull_request.head.repo.full_name == github.repository) }}")


def assert_pip_cache_and_fork_guard(steps: list[dict[str, Any]]) -> None:
    """setup-python caches pip (keyed on a file that exists), and the SARIF upload skips forks' pull requests."""
    for step in steps:
        if str(step.get("uses", "")).startswith("actions/setup-python@"):
            assert step["with"]["cache"] == "pip" and step["with"]["cache-dependency-path"]
    upload = next(s for s in steps if "codeql-action/upload-sarif@" in str(s.get("uses", "")))
    assert upload["if"] == FORK_GUARD
    assert upload["with"]["category"] == "opscheck"


def test_tests_job_caches_pip() -> None:
    steps = _load(WORKFLOW)["jobs"]["tests"]["steps"]
    setup = next(s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@"))
    assert setup["with"]["cache"] == "pip"
    assert (ROOT / setup["with"]["cache-dependency-path"]).is_file()


def test_action_passes_inputs_through_env() -> None:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    assert {"root", "format", "args", "python-version"} <= set(action["inputs"])
    assert action["inputs"]["root"]["default"] == "."
    assert action["inputs"]["format"]["default"] == "github"
    assert action["branding"]
    for step in action["runs"]["steps"]:
        assert "${{" not in str(step.get("run", "")), step.get("name")


# --- pre-commit ------------------------------------------------------------------


def test_pre_commit_hook_manifest() -> None:
    hooks = _load(HOOKS)
    assert isinstance(hooks, list)
    hook = next(h for h in hooks if h["id"] == "opscheck")
    assert hook["entry"] == "opscheck validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["files"] == "^(ops-data|policies)/"
    pattern = re.compile(hook["files"])
    assert pattern.search("ops-data/oncall.yaml")
    assert pattern.search("policies/opscheck.yaml")
    assert not pattern.search("validator/opscheck/cli.py")
    assert not pattern.search("docs/ops-data/x.yaml")


def test_pre_commit_config_dogfoods_local_hook() -> None:
    config = _load(PRECOMMIT_CONFIG)
    assert all(repo["repo"] == "local" for repo in config["repos"]), "no hook may need the network"
    hooks = [h for repo in config["repos"] for h in repo["hooks"]]
    hook = next(h for h in hooks if h["id"] == "opscheck")
    assert hook["entry"] == ".venv/bin/opscheck validate", "the README's .venv, active or not"
    assert hook["files"] == "^(ops-data|policies)/"


@pytest.mark.parametrize(
    ("command", "path"),
    [("validate-manifest", HOOKS), ("validate-config", PRECOMMIT_CONFIG)],
)
def test_pre_commit_accepts_files(command: str, path: Path) -> None:
    proc = _run(_tool("pre-commit"), command, path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
