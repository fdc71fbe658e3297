"""`opscheck init`: a small starter repository that passes `opscheck validate` the day it is written.

The files come from the package's ``templates/init/`` tree (``dot-x`` names become
``.x``, the ``.tmpl`` suffix goes). The on-call schedule is generated from the date:
weekly round-robin shifts from the Monday on or before it through as-of + 91 days
(ONC003) + 13 more weeks, which is less than a year, so no calendar year is covered
whole and the balance rules have nothing to compare yet. Existing files are never
overwritten.

For editors, ``.vscode/settings.json`` sets YAML 1.1 (what opscheck reads) and points each
data and policy file at its schema, written next to it as ``opscheck schema`` prints them.

The pre-commit config and the workflow install opscheck from a :class:`Source`: by
default this project's repository (``[project.urls] Repository``) at the release tag,
otherwise the fork, git URL or local clone given with ``--source``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import string
import sys
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, NamedTuple

from opscheck import __version__
from opscheck.errors import ConfigError

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

ENGINEERS = ("alex", "blair", "casey")
EDITOR_SCHEMAS = ".vscode/opscheck"
AHEAD = dt.timedelta(days=91 + 13 * 7)


class _Template(string.Template):
    # ``$`` is everywhere in workflows and shell; ``%{name}`` is not.
    delimiter = "%"


class Outcome(NamedTuple):
    written: list[str]
    skipped: list[str]


class Source(NamedTuple):
    """Where the generated configurations install opscheck from."""

    repo: str  # what pre-commit clones: a git URL or an absolute path
    rev: str  # the tag or commit both configurations pin
    pip: str  # the same thing as a pip requirement, for the workflow

    @property
    def local(self) -> bool:
        return self.pip.startswith("opscheck @ git+file:")


# scp-like git addresses (git@host:owner/repo), which pip only takes as ssh:// URLs.
_SCP = re.compile(r"^(?P<user>[\w.-]+)@(?P<host>[\w.-]+):(?P<path>(?!//).+)$")
_URL = re.compile(r"^(git\+)?(https?|ssh|git|file)://\S+$")


def project_repository() -> str:
    """The project's repository, as ``[project.urls]`` names it in the installed metadata."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls: list[str] = metadata("opscheck").get_all("Project-URL") or []
    except PackageNotFoundError:
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "repository":
            return url.strip()
    raise ConfigError("this opscheck install does not name its repository; pass --source URL or PATH")


def source(given: str | None, rev: str | None) -> Source:
    """The install source for ``--source``/``--rev``: a git URL, an scp-like address or a local clone."""
    pin = f"v{__version__}" if rev is None else rev
    if not pin or any(c.isspace() for c in pin):
        raise ConfigError(f"--rev {pin!r}: name a tag or commit, without spaces")
    where = given if given is not None else project_repository()
    scp = _SCP.match(where)
    if scp and "://" not in where:
        return Source(where, pin, f"opscheck @ git+ssh://{scp['user']}@{scp['host']}/{scp['path']}@{pin}")
    if _URL.match(where):
        url = where.removeprefix("git+")
        return Source(url, pin, f"opscheck @ git+{url}@{pin}")
    folder = Path(where).expanduser()
    if not folder.is_dir():
        raise ConfigError(f"--source {where}: no such folder, and not a git URL (https://, ssh://, git@host:path)")
    if not (folder / ".pre-commit-hooks.yaml").is_file() or not (folder / ".git").exists():
        raise ConfigError(f"--source {where}: not a git clone of opscheck (it needs .git and .pre-commit-hooks.yaml)")
    folder = folder.resolve()
    return Source(str(folder), pin, f"opscheck @ git+{folder.as_uri()}@{pin}")


def _scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when YAML 1.1 reads it back as the same string, else quoted."""
    plain = re.fullmatch(r"[A-Za-z][\w.~:/@+%=-]*", value) and value.lower() not in {
        "y", "n", "yes", "no", "on", "off", "true", "false", "null"}
    return value if plain else json.dumps(value)


def shifts(as_of: dt.date) -> list[tuple[dt.date, str]]:
    """Round-robin weeks from the Monday on or before ``as_of`` through the week holding as-of + AHEAD."""
    week = as_of - dt.timedelta(days=as_of.weekday())
    out: list[tuple[dt.date, str]] = []
    while week <= as_of + AHEAD:
        out.append((week, ENGINEERS[len(out) % len(ENGINEERS)]))
        week += dt.timedelta(weeks=1)
    return out


def _templates(folder: Traversable, prefix: PurePosixPath) -> list[tuple[str, Traversable]]:
    found: list[tuple[str, Traversable]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        name = "." + entry.name[4:] if entry.name.startswith("dot-") else entry.name
        if entry.is_dir():
            found += _templates(entry, prefix / name)
        elif name.endswith(".tmpl"):
            found.append((str(prefix / name.removesuffix(".tmpl")), entry))
    return found


def starter(as_of: dt.date, install: Source) -> dict[str, str]:
    """Every starter file, by path relative to the target folder."""
    values = {
        "as_of": as_of.isoformat(),
        "repo": _scalar(install.repo),
        "rev": _scalar(install.rev),
        "pip_source": json.dumps(install.pip),
        "shifts": "\n".join(f"      - {{week: {week}, engineer: {who}}}" for week, who in shifts(as_of)),
    }
    from opscheck.schemas import schemas

    root = resources.files("opscheck") / "templates" / "init"
    files = {
        path: _Template(source.read_text(encoding="utf-8")).substitute(values)
        for path, source in _templates(root, PurePosixPath())
    }
    # the schemas .vscode/settings.json associates with the files (runbook front matter has no association)
    files.update({f"{EDITOR_SCHEMAS}/{name}.schema.json": json.dumps(body, indent=2) + "\n"
                  for name, body in schemas().items() if name != "runbook"})
    return dict(sorted(files.items()))


def write(target: Path, as_of: dt.date, install: Source) -> Outcome:
    """Write the starter into ``target``, skipping every file that already exists."""
    if target.exists() and not target.is_dir():
        raise ConfigError(f"{target} is not a folder; pass the folder to set up")
    outcome = Outcome([], [])
    for path, text in starter(as_of, install).items():
        dest = target / path
        if dest.exists() or dest.is_symlink():
            outcome.skipped.append(path)
            continue
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with dest.open("x", encoding="utf-8") as out:
                out.write(text)
        except FileExistsError:
            outcome.skipped.append(path)
            continue
        except OSError as exc:
            raise ConfigError(f"cannot write {dest}: {exc.strerror or exc}") from None
        outcome.written.append(path)
    return outcome
