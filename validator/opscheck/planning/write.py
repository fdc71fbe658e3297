"""Writing plans into oncall.yaml: appended entries only, every other byte (comments, quotes, CRLF,
a byte-order mark, flow or block style) as it was."""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from opscheck.errors import ConfigError
from opscheck.planning import ONCALL_FILE
from opscheck.tree import Unreadable, read_regular

if TYPE_CHECKING:
    from opscheck.planning.planner import Plan

def write(root: Path, plans: list[Plan]) -> Path:
    """Append the plans' shifts and overrides to oncall.yaml, leaving every other byte as it was."""
    path = root / ONCALL_FILE
    try:  # through the one reader: the file written back must be the regular file inside the repository
        raw = read_regular(path, root)
    except Unreadable as exc:
        raise ConfigError(str(exc), ONCALL_FILE) from None
    bom = raw.startswith(codecs.BOM_UTF8)  # the loader accepts one; ruamel would not round-trip it
    text = raw.decode("utf-8-sig").replace("\r\n", "\n")
    newline = "\r\n" if raw.count(b"\r\n") * 2 > raw.count(b"\n") else "\n"  # keep Windows line ends
    yaml = round_trip(text)
    data = yaml.load(text)
    if _dump(yaml, data) != text:
        raise ConfigError("writing would reformat the file beyond the new entries (its layout does not "
                          "round-trip); add the printed plan by hand", ONCALL_FILE)
    for result in plans:
        rot = next(r for r in data["rotations"] if isinstance(r, dict) and r.get("id") == result.rotation.id)
        _append(rot, result)
    path.write_text(_dump(yaml, data), encoding="utf-8-sig" if bom else "utf-8", newline=newline)
    return path


def _append(rot: Any, result: Plan) -> None:
    from ruamel.yaml.comments import CommentedSeq

    for key, entries in (("shifts", [{"week": s.week, "engineer": s.engineer} for s in result.shifts]),
                         ("overrides", [{"date": o.date, "engineer": o.engineer, "reason": o.reason}
                                        for o in result.overrides])):
        if not entries:
            continue
        if rot.get(key) is None:
            rot[key] = CommentedSeq()
        seq = rot[key]
        flow = _flow_entries(seq)
        seq.extend(_entry(entry, flow) for entry in entries)


def round_trip(text: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.util import load_yaml_guess_indent

    _, indent, offset = load_yaml_guess_indent(text)
    if indent is None:  # no block list or mapping to learn from: the whole file is {flow} style
        indent, offset = 2, 0
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=max(indent - offset, 2), sequence=indent, offset=offset)
    return yaml


def _dump(yaml: Any, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _flow_entries(seq: Any) -> bool:
    """Whether the list's entries are written {inline}, as the team's file does (the default)."""
    if not len(seq) or not hasattr(seq[-1], "fa"):
        return True
    return bool(seq[-1].fa.flow_style())


def _entry(values: dict[str, Any], flow: bool) -> Any:
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    entry = CommentedMap(
        (k, DoubleQuotedScalarString(v) if k == "reason" and v is not None else v)
        for k, v in values.items() if v is not None
    )
    if flow:
        entry.fa.set_flow_style()
    return entry
