"""The JSON Schema of the JSON-lines import format, built from the record-type registry, so that the
published schema (docs/import-schema.json) and the validators cannot drift apart (a test compares them)."""

from __future__ import annotations

from .registry import all_types

COMMON = {
    "action": {"enum": ["add", "change", "delete"], "description": "処理区分"},
    "effective_date": {"type": "string", "pattern": r"^\d{4}-?\d{2}-?\d{2}$", "description": "異動日"},
    "insurer_number": {"type": "string", "pattern": r"^\d{6}$", "description": "保険者番号"},
    "insured_number": {"type": "string", "pattern": r"^\d{10}$", "description": "被保険者番号"},
}


def json_schema() -> dict:
    variants = []
    for record_type in sorted(all_types(), key=lambda t: t.name):
        properties = {"record_type": {"const": record_type.name, "description": record_type.label}, **COMMON}
        for column in record_type.columns:
            properties[column.name] = {"type": ["string", "integer"], "description": column.label}
        required = ["record_type", *COMMON, *(c.name for c in record_type.columns if c.required)]
        key_only = ["record_type", *COMMON, *record_type.key_fields]
        variants.append(
            {
                "title": f"{record_type.name} — {record_type.label}",
                "type": "object",
                "properties": properties,
                "additionalProperties": False,
                # a deletion needs only the common columns and the record's key
                "if": {"properties": {"action": {"const": "delete"}}},
                "then": {"required": key_only},
                "else": {"required": required},
            }
        )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://kaigo-portal.invalid/schemas/import/v1.json",
        "title": "Kaigo Portal import record, version 1 (one JSON object per line)",
        "oneOf": variants,
    }
