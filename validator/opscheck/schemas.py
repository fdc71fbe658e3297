"""JSON Schemas of the data files, generated from the models (one source of truth)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from opscheck.models import EngineersFile, HolidaysConfig, OncallFile, PipelinesFile, RunbookMeta
from opscheck.settings import CustomRuleFile, PolicyFile

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
    out = {}
    for name, model in FILES.items():
        body = model.model_json_schema(by_alias=True)
        out[name] = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{name}.schema.json",
                     **body}
    return out
