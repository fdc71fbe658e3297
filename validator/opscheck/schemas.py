"""JSON Schemas of the data files, generated from the models (one source of truth).

The policy's schema comes from the rule registry: `rules:` takes the known rule ids only
(and custom `X-` ids), each with `severity` and its own parameters, typed and bounded
as its options model says, so an editor flags what `opscheck validate` would reject.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from opscheck.models import EngineersFile, HolidaysConfig, OncallFile, PipelinesFile, RunbookMeta
from opscheck.rules.base import Rule
from opscheck.settings import SEVERITIES, CustomRuleFile, PolicyFile

FILES: dict[str, type[BaseModel]] = {
    "engineers": EngineersFile,
    "pipelines": PipelinesFile,
    "oncall": OncallFile,
    "holidays": HolidaysConfig,
    "runbook": RunbookMeta,
    "policy": PolicyFile,
    "custom-rule": CustomRuleFile,
}


def schemas() -> dict[str, dict[str, Any]]:
    from opscheck.rules import RULES

    out = {}
    for name, model in FILES.items():
        body = policy_schema(RULES) if model is PolicyFile else model.model_json_schema(by_alias=True)
        out[name] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{name}.schema.json",
                     **body}
    return out


# YAML 1.1 reads an unquoted `off` as false, which the policy takes as "off"
_SEVERITY = {"enum": [*SEVERITIES, False], "description": "error, warning or off"}


def policy_schema(rules: Sequence[Rule]) -> dict[str, Any]:
    body = PolicyFile.model_json_schema(by_alias=True)
    defs: dict[str, Any] = body.setdefault("$defs", {})
    custom_id = CustomRuleFile.model_json_schema(by_alias=True)["properties"]["id"]["pattern"]
    by_id = {rule.id: _rule_schema(rule, defs) for rule in rules}
    body["properties"]["rules"] = {
        "title": "Rules",
        "description": "Severity and parameters per rule id; `opscheck rules` lists them.",
        "type": "object",
        "properties": by_id,
        "patternProperties": {custom_id: _entry("A custom rule (policies/rules/)", {})},
        "additionalProperties": False,
    }
    defs["Waiver"]["properties"]["rule"] = {"anyOf": [{"enum": list(by_id)}, {"type": "string", "pattern": custom_id}]}
    return body


def _rule_schema(rule: Rule, defs: dict[str, Any]) -> dict[str, Any]:
    """``rule``'s entry: its options model's properties, with its $defs moved under a name of its own."""
    options = rule.options.model_json_schema()
    text = json.dumps(options)
    for name in options.get("$defs", {}):
        text = text.replace(f'"#/$defs/{name}"', f'"#/$defs/{rule.id}-{name}"')
    options = json.loads(text)
    defs.update({f"{rule.id}-{name}": body for name, body in options.get("$defs", {}).items()})
    return _entry(f"{rule.id} {rule.name}: {rule.summary}", options.get("properties", {}))


def _entry(description: str, parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description,
        "anyOf": [{"type": "object", "properties": {"severity": _SEVERITY, **parameters},
                   "additionalProperties": False}, {"type": "null"}],
    }
