"""The package as it is released: built with `python -m build`, checked by twine, installed from
the wheel alone into a fresh environment where `opscheck init` and `opscheck validate` work."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from distribution import RELEASE_FILES, site_packages
from opscheck import __version__
from test_workflows import _load

PACKAGE = REPO / "validator" / "opscheck"
RELEASE = REPO / ".github" / "workflows" / "release.yml"


def _python(*args: str | Path, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m build` of a copy of the release files: the sdist, then the wheel built from it.

    No build isolation, so this environment's setuptools builds it without the network.
    """
    src = tmp_path_factory.mktemp("src")
    for name in RELEASE_FILES:
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(PACKAGE.parent, src / "validator", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    out = tmp_path_factory.mktemp("dist")
    built = _python("-m", "build", "--no-isolation", "--outdir", out, src)
    assert built.returncode == 0, built.stdout + built.stderr
    return out


def _wheel(dist: Path) -> Path:
    return dist / f"opscheck-{__version__}-py3-none-any.whl"


def test_build_makes_one_wheel_and_one_sdist_that_twine_accepts(dist: Path) -> None:
    assert sorted(p.name for p in dist.iterdir()) == [f"opscheck-{__version__}-py3-none-any.whl",
                                                      f"opscheck-{__version__}.tar.gz"]
    checked = _python("-m", "twine", "check", "--strict", *sorted(dist.iterdir()))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.count("PASSED") == 2


def test_wheel_holds_every_template_and_py_typed(dist: Path) -> None:
    names = set(zipfile.ZipFile(_wheel(dist)).namelist())
    templates = {f"opscheck/{p.relative_to(PACKAGE).as_posix()}" for p in (PACKAGE / "templates").rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts}
    assert templates and templates <= names
    assert "opscheck/py.typed" in names
    modules = {f"opscheck/{p.relative_to(PACKAGE).as_posix()}" for p in PACKAGE.rglob("*.py")}
    assert modules <= names
    assert f"opscheck-{__version__}.dist-info/licenses/LICENSE" in names


def test_sdist_holds_what_a_rebuild_needs(dist: Path) -> None:
    with tarfile.open(dist / f"opscheck-{__version__}.tar.gz") as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "LICENSE", "validator/opscheck/py.typed"} <= names
    assert "validator/opscheck/templates/init/dot-pre-commit-config.yaml.tmpl" in names


def test_version_is_written_in_one_place(dist: Path) -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    project = pyproject.split("\n[project]\n", 1)[1].split("\n[", 1)[0]
    assert 'dynamic = ["version"]' in project and not re.search(r"^version\s*=", project, re.M)
    assert 'version = {attr = "opscheck.__version__"}' in pyproject
    metadata = zipfile.ZipFile(_wheel(dist)).read(f"opscheck-{__version__}.dist-info/METADATA").decode()
    assert f"\nVersion: {__version__}\n" in metadata
    assert "Project-URL: Repository, https://github.com/opscheck/opscheck" in metadata


def test_wheel_installed_alone_in_a_fresh_environment_adopts_opscheck(dist: Path, tmp_path: Path) -> None:
    """A venv that sees nothing of this checkout: the wheel goes in with pip, its dependencies are
    this environment's (a .pth file), so no network is needed and no file comes from the source tree."""
    fresh = tmp_path / "fresh"
    made = _python("-m", "venv", "--without-pip", fresh)
    assert made.returncode == 0, made.stderr
    python = fresh / "bin" / "python"
    installed = _python("-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet",
                        _wheel(dist))
    assert installed.returncode == 0, installed.stdout + installed.stderr
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "test-dependencies.pth").write_text("\n".join(site_packages()) + "\n", encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "NO_COLOR": "1"}
    where = subprocess.run([str(python), "-c", "import opscheck; print(opscheck.__file__)"], env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    assert where.startswith(purelib), where

    opscheck = fresh / "bin" / "opscheck"
    version = subprocess.run([str(opscheck), "--version"], env=env, capture_output=True, text=True, check=False)
    assert version.stdout == f"opscheck, version {__version__}\n"
    init = subprocess.run([str(opscheck), "init", "team", "--as-of", "2026-11-26"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert init.returncode == 0, init.stderr
    assert re.match(r"\d+ written, 0 skipped", init.stdout.splitlines()[-1]), init.stdout
    checked = subprocess.run([str(opscheck), "validate", "--root", "team", "--as-of", "2026-11-26", "--strict",
                              "--format", "json"], cwd=tmp_path, env=env, capture_output=True, text=True,
                             timeout=120, check=False)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    report = yaml.safe_load(checked.stdout)
    assert report["opscheck"] == __version__ and report["findings"] == []


# --- the release workflow ------------------------------------------------------------


def test_release_runs_on_version_tags_and_publishes_with_trusted_publishing() -> None:
    wf = _load(RELEASE)
    assert wf[True]["push"] == {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}  # YAML 1.1 reads `on` as true
    assert wf["permissions"] == {}
    jobs = wf["jobs"]
    assert jobs["build"]["permissions"] == {"contents": "read"}
    build = "\n".join(str(s.get("run", "")) for s in jobs["build"]["steps"])
    for command in ("python -m build", "twine check --strict dist/*", 'opscheck" init', 'opscheck" validate'):
        assert command in build
    assert jobs["publish"]["needs"] == "build"
    assert jobs["publish"]["permissions"] == {"id-token": "write"}
    publish = [s for s in jobs["publish"]["steps"] if "uses" in s]
    assert publish[-1]["uses"].startswith("pypa/gh-action-pypi-publish@")
    assert "with" not in publish[-1], "trusted publishing: no password or token"
    assert jobs["github-release"]["permissions"] == {"contents": "write"}
    assert 'gh release create "$TAG" dist/*' in jobs["github-release"]["steps"][-1]["run"]


def test_changelog_has_this_versions_release_notes() -> None:
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"\n## [{__version__}]" in changelog
    notes = subprocess.run(
        ["awk", "-v", f"head=## [{__version__}]",
         r"index($0, head) == 1 {on = 1; next} /^## \[|^\[/ {on = 0} on", "CHANGELOG.md"],
        cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert notes.strip() and "## " not in notes.replace("### ", "")
    assert _awk_of_release() in _load(RELEASE)["jobs"]["github-release"]["steps"][-1]["run"]


def _awk_of_release() -> str:
    return r"'index($0, head) == 1 {on = 1; next} /^## \[|^\[/ {on = 0} on'"


def test_release_pins_the_same_actions_as_ci() -> None:
    from test_workflows import WORKFLOW, _uses_lines

    shared = {line.split("@")[0] for line in _uses_lines(WORKFLOW)}
    ours = [line for line in _uses_lines(RELEASE) if line.split("@")[0] in shared]
    assert ours and set(ours) <= set(_uses_lines(WORKFLOW))

