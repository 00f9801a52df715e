"""The JSON Schema of the playbook format, for editors (YAML language server)."""

from __future__ import annotations

import json
from typing import Any

from trinn.engine.spec import PlaybookSpec

__all__ = ["SCHEMA_ID", "json_schema", "json_schema_text"]

SCHEMA_ID = "urn:trinn:playbook:1"


def _draft07(node: Any) -> Any:
    """pydantic writes 2020-12 (`$defs`); the YAML language server reads draft-07 best."""
    if isinstance(node, dict):
        return {
            ("definitions" if k == "$defs" else k): (
                v.replace("#/$defs/", "#/definitions/") if k == "$ref" else _draft07(v)
            )
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_draft07(v) for v in node]
    return node


def json_schema() -> dict[str, Any]:
    schema = _draft07(PlaybookSpec.model_json_schema(by_alias=True))
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "trinn playbook",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def json_schema_text() -> str:
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
