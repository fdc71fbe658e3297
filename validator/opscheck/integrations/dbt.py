"""The team's dbt project, read from the manifest that `dbt parse` writes; dbt itself is never imported.

Only the fields the rules use are decoded (msgspec skips the rest without building it), so a
manifest of tens of thousands of nodes costs little more memory than its bytes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePosixPath

import msgspec

from opscheck.errors import ConfigError
from opscheck.integrations.lineage import Reach
from opscheck.source import load_yaml
from opscheck.suggest import Suggestions
from opscheck.tree import Tree, Unreadable

# Manifest schemas whose fields below are the same: dbt 1.6 (v10) through 1.10 (v12).
KNOWN_SCHEMAS = ("v10", "v11", "v12")
MAX_MANIFEST_BYTES = 200 * 1024 * 1024
POLICY_KEY = "sources.dbt.manifest in policies/opscheck.yaml"


class Owner(msgspec.Struct, frozen=True):
    email: str | list[str] | None = None
    name: str | None = None

    def emails(self) -> list[str]:
        found = [self.email] if isinstance(self.email, str) else self.email or []
        return [e.strip().lower() for e in found if e.strip()]


class DependsOn(msgspec.Struct, frozen=True):
    nodes: list[str] = []


class Resource(msgspec.Struct, frozen=True):
    unique_id: str
    resource_type: str
    name: str
    package_name: str
    original_file_path: str


class Node(Resource, frozen=True):
    """A model, seed, snapshot, test or analysis."""

    depends_on: DependsOn | None = None
    group: str | None = None


class Source(Resource, frozen=True):
    source_name: str = ""
    identifier: str | None = None

    @property
    def label(self) -> str:
        return f"{self.source_name}.{self.name}"


class Exposure(Node, frozen=True):
    owner: Owner | None = None
    type: str | None = None
    maturity: str | None = None
    tags: list[str] = []
    meta: dict[str, msgspec.Raw] = {}
    label: str | None = None


class Group(msgspec.Struct, frozen=True):
    name: str
    package_name: str
    owner: Owner | None = None


class _Metadata(msgspec.Struct):
    dbt_schema_version: str = ""
    dbt_version: str = "unknown"


class _Head(msgspec.Struct):
    metadata: _Metadata = msgspec.field(default_factory=_Metadata)


class _Manifest(msgspec.Struct):
    metadata: _Metadata
    nodes: dict[str, Node] = {}
    sources: dict[str, Source] = {}
    exposures: dict[str, Exposure] = {}
    groups: dict[str, Group] = {}


@dataclass
class DbtProject:
    """The manifest's resources, indexed for the DBT rules and the handbook."""

    manifest: str  # repository path of the manifest
    project_dir: str  # repository path the resources' files are relative to
    dbt_version: str
    resources: dict[str, Resource]
    groups: dict[tuple[str, str], Group]  # (package, name) -> group
    lines: dict[str, int] = field(default_factory=dict)  # unique id -> line of its declaration

    @cached_property
    def by_ref(self) -> dict[str, list[str]]:
        """Unique ids by the short reference a pipeline may write: ``type.name``, ``source.src.table``."""
        index: dict[str, list[str]] = defaultdict(list)
        for uid, res in self.resources.items():
            index[short(res)].append(uid)
        return dict(index)

    @cached_property
    def children(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = defaultdict(list)
        for uid, res in self.resources.items():
            for parent in depends(res):
                out[parent].append(uid)
        return dict(out)

    @cached_property
    def hints(self) -> Suggestions:
        """Did-you-mean among the short references, built on the first miss; its cost is bounded."""
        return Suggestions(self.by_ref)

    def resolve(self, ref: str) -> list[str]:
        """The unique ids ``ref`` names: none, one, or several when a short name is ambiguous."""
        if ref in self.resources:
            return [ref]
        return self.by_ref.get(ref, [])

    def claimed(self, refs: Iterable[str]) -> list[tuple[int, str, Resource]]:
        """(index, entry, resource) for each entry of a pipeline's ``dbt:`` naming exactly one resource."""
        out = []
        for i, ref in enumerate(refs):
            found = self.resolve(ref)
            if len(found) == 1:
                out.append((i, ref, self.resources[found[0]]))
        return out

    def exposures(self) -> Iterator[Exposure]:
        return (r for r in self.resources.values() if isinstance(r, Exposure))

    def file_of(self, res: Resource) -> str:
        return (PurePosixPath(self.project_dir) / res.original_file_path).as_posix() if self.project_dir \
            else res.original_file_path

    def owner_emails(self, res: Resource) -> list[str]:
        """Who dbt says owns ``res``: an exposure's owner, or the owner of a node's group."""
        if isinstance(res, Exposure) and res.owner is not None and res.owner.emails():
            return res.owner.emails()
        if isinstance(res, Node) and res.group:
            group = self.groups.get((res.package_name, res.group))
            return group.owner.emails() if group and group.owner else []
        return []

    @cached_property
    def _upstream(self) -> Reach:
        sources = sorted(uid for uid, res in self.resources.items() if isinstance(res, Source))
        return Reach(sources, lambda uid: depends(self.resources[uid]) if uid in self.resources else [])

    @cached_property
    def _downstream(self) -> Reach:
        exposures = sorted(uid for uid, res in self.resources.items() if isinstance(res, Exposure))
        return Reach(exposures, lambda uid: self.children.get(uid, []))

    def upstream_sources(self, ids: Iterable[str]) -> list[Source]:
        """The sources ``ids`` read, directly or through other nodes, by unique id; LineageTooLarge."""
        found = self._upstream.of(uid for uid in ids if uid in self.resources)
        return [res for uid in found if isinstance(res := self.resources[uid], Source)]

    def downstream_exposures(self, ids: Iterable[str]) -> list[Exposure]:
        """The exposures built on ``ids`` (or among them), by unique id; LineageTooLarge."""
        found = self._downstream.of(uid for uid in ids if uid in self.resources)
        return [res for uid in found if isinstance(res := self.resources[uid], Exposure)]


def short(res: Resource) -> str:
    if isinstance(res, Source):
        return f"source.{res.source_name}.{res.name}"
    return f"{res.resource_type}.{res.name}"


def describe(exp: Exposure) -> str:
    """``name (type, maturity m, owner e)`` with the parts dbt records."""
    owner = ", ".join(exp.owner.emails()) if exp.owner else ""
    parts = [exp.type, exp.maturity and f"maturity {exp.maturity}", owner and f"owner {owner}"]
    about = ", ".join(part for part in parts if part)
    return f"{exp.name} ({about})" if about else exp.name


def depends(res: Resource) -> list[str]:
    return res.depends_on.nodes if isinstance(res, Node) and res.depends_on is not None else []


def load(tree: Tree, manifest: str, project_dir: str) -> DbtProject:
    """Read ``manifest`` (a repository path) into a DbtProject; any problem with it is exit 2."""
    parsed = _decode(manifest, _read(tree, manifest))
    resources: dict[str, Resource] = {**parsed.nodes, **parsed.sources, **parsed.exposures}
    groups = {(g.package_name, g.name): g for g in parsed.groups.values()}
    project = DbtProject(manifest, project_dir, parsed.metadata.dbt_version, resources, groups)
    project.lines = _declaration_lines(tree, project)
    return project


def _read(tree: Tree, manifest: str) -> bytes:
    fix = f"run `dbt parse` in the dbt project to write it, or fix {POLICY_KEY}"
    if not tree.exists(manifest):
        raise ConfigError(f"the dbt manifest {manifest} does not exist in {tree.name}: {fix}")
    try:
        return tree.read_bytes(manifest, MAX_MANIFEST_BYTES)
    except Unreadable as exc:
        raise ConfigError(f"cannot read the dbt manifest {manifest} ({exc.message}); {fix}") from None


def _decode(manifest: str, raw: bytes) -> _Manifest:
    try:
        parsed = msgspec.json.decode(raw, type=_Manifest)
    except RecursionError:
        raise ConfigError(f"the dbt manifest {manifest} nests deeper than any manifest dbt writes; "
                          "run `dbt parse` again to rewrite it") from None
    except UnicodeDecodeError:  # msgspec's error for a string that is not UTF-8 (not a DecodeError)
        raise ConfigError(f"the dbt manifest {manifest} holds text that is not UTF-8; "
                          "run `dbt parse` again to rewrite it") from None
    except msgspec.DecodeError as exc:
        head = _head(raw)
        if head is not None:
            _check_schema(manifest, head)
        what = "does not look like a dbt manifest" if isinstance(exc, msgspec.ValidationError) else \
            "is not valid JSON"
        raise ConfigError(f"the dbt manifest {manifest} {what} ({exc}); run `dbt parse` again to rewrite it") \
            from None
    _check_schema(manifest, parsed.metadata)
    return parsed


def _head(raw: bytes) -> _Metadata | None:
    try:
        return msgspec.json.decode(raw, type=_Head).metadata
    except (msgspec.DecodeError, RecursionError, UnicodeDecodeError):
        return None


def _check_schema(manifest: str, meta: _Metadata) -> None:
    match = re.search(r"/manifest/(v\d+)\.json$", meta.dbt_schema_version)
    version = match.group(1) if match else None
    if version not in KNOWN_SCHEMAS:
        said = f"schema {version}" if version else f"schema {meta.dbt_schema_version!r}"
        raise ConfigError(
            f"the dbt manifest {manifest} has {said} (dbt {meta.dbt_version}); opscheck reads manifest "
            f"schemas {', '.join(KNOWN_SCHEMAS)} (dbt 1.6 to 1.10): parse with one of those dbt versions, "
            "or upgrade opscheck"
        )


def _declaration_lines(tree: Tree, project: DbtProject) -> dict[str, int]:
    """Lines of the exposures in the .yml files that declare them, so annotations land on the entry."""
    by_file: dict[str, dict[str, str]] = defaultdict(dict)
    for exp in project.exposures():
        by_file[project.file_of(exp)][exp.name] = exp.unique_id
    lines: dict[str, int] = {}
    for file, names in by_file.items():
        if not tree.is_file(file):
            continue
        doc = load_yaml(tree, file)
        entries = doc.data.get("exposures") if isinstance(doc.data, dict) else None
        for i, entry in enumerate(entries if isinstance(entries, list) else []):
            uid = names.get(str(entry.get("name"))) if isinstance(entry, dict) else None
            if uid is not None:
                lines[uid] = doc.mark(("exposures", i))[0]
    return lines
