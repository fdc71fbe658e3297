"""This project as a user gets it: a git clone tagged at the release, and pip kept offline.

pip installs packages from this test environment instead of the index (``PYTHONPATH``
makes them visible, ``PIP_NO_INDEX`` forbids downloads, no build isolation reuses this
environment's setuptools), so building and installing opscheck needs no network and
tests only opscheck's own packaging.
"""

from __future__ import annotations

import os
import shutil
import sysconfig
from pathlib import Path

from conftest import REPO
from gitrepo import commit, git, init
from opscheck import __version__

# Everything a clone needs to build and publish the package and its pre-commit hook.
RELEASE_FILES = ("pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", ".pre-commit-hooks.yaml", "action.yml")


def site_packages() -> list[str]:
    paths = sysconfig.get_paths()
    return list(dict.fromkeys([paths["purelib"], paths["platlib"]]))


def offline_pip(env: dict[str, str]) -> dict[str, str]:
    return {
        **env,
        "PYTHONPATH": os.pathsep.join(site_packages()),
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",  # pip reads this negated flag backwards: 0 turns isolation off
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def project_clone(dest: Path) -> Path:
    """A git repository with this working tree's package files, tagged v<version>."""
    dest.mkdir(parents=True)
    for name in RELEASE_FILES:
        shutil.copy2(REPO / name, dest / name)
    shutil.copytree(REPO / "validator", dest / "validator",
                    ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"))
    init(dest)
    commit(dest, f"Release {__version__}", "2026-11-26T09:00:00+00:00")
    git(dest, "tag", f"v{__version__}")
    return dest
