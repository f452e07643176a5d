"""The JSON Schema of the opinion document, generated from opinions.form (docs/opinion.schema.json is
this, written out by `manage.py opinion_schema`; a test keeps the file and the code the same).

The schema states the shape (types, choices, lengths, required fields per form version). Rules that a
schema cannot say well (the 特定疾病 for a 第2号被保険者, dates in order, "記入 if 有") are checked by
opinions.form.validate and listed in the schema's description."""

from __future__ import annotations

from . import form

SCHEMA_ID = "https://kaigo-portal.example/schemas/opinion.schema.json"


def _property(spec: form.Field) -> dict:
    out: dict = {"title": spec.label}
    match spec.kind:
        case "text" | "textarea":
            out |= {"type": "string", "maxLength": spec.max_length}
            if spec.path in form.DIGITS:
                out["pattern"] = rf"^\d{{{form.DIGITS[spec.path]}}}$"
        case "date":
            out |= {"type": "string", "format": "date"}
        case "choice":
            out |= {
                "type": "integer",
                "enum": list(range(1, len(spec.choices) + 1)),
                "description": " / ".join(f"{i}: {c}" for i, c in enumerate(spec.choices, 1)),
            }
        case "multi":
            out |= {
                "type": "array",
                "uniqueItems": True,
                "items": {"type": "integer", "enum": list(range(1, len(spec.choices) + 1))},
                "description": " / ".join(f"{i}: {c}" for i, c in enumerate(spec.choices, 1)),
            }
        case "bool":
            out |= {"type": "boolean"}
        case "number":
            out |= {"type": "number", "minimum": spec.minimum, "maximum": spec.maximum}
    return out


def _tree(version: str) -> dict:
    """Nested object schemas for one form version."""
    root: dict = {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
    for spec in form.FIELDS:
        if version not in spec.versions:
            continue
        node = root
        *parents, leaf = spec.path.split(".")
        for part in parents:
            child = node["properties"].setdefault(
                part, {"type": "object", "properties": {}, "required": [], "additionalProperties": False}
            )
            if part not in node["required"]:
                node["required"].append(part)
            node = child
        node["properties"][leaf] = _property(spec)
        if spec.required:
            node["required"].append(leaf)
    diagnosis = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "onset"],
        "properties": {
            "name": _property(form.DIAGNOSIS_FIELDS[0]),
            "onset": {"title": "発症年月日", "type": "string", "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$"},
            "specified_disease": _property(form.DIAGNOSIS_FIELDS[2]),
        },
    }
    root["properties"]["diagnoses"]["properties"]["items"] = {
        "title": "診断名（3つまで）",
        "type": "array",
        "minItems": 1,
        "maxItems": form.MAX_DIAGNOSES,
        "items": diagnosis,
    }
    root["properties"]["diagnoses"]["required"].insert(0, "items")
    root["properties"]["form_version"] = {"const": version}
    root["required"].insert(0, "form_version")
    root["properties"] = {"form_version": root["properties"].pop("form_version"), **root["properties"]}
    return root


def build() -> dict:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "主治医意見書",
        "description": (
            "介護情報基盤ポータルの主治医意見書（構造化データ）。選択肢は様式上の番号（1から）。"
            "スキーマで表せない規則はサーバーが検証します: 第2号被保険者は診断名のいずれかに特定疾病（介護保険法施行令第2条の16疾病）"
            "を指定すること、最終診察日と発症年月日は記入日以前であること、「有」「不安定」の場合の記入、"
            "2026年4月1日以降の記入は 2026-04 様式であること、基本情報の番号が依頼と一致すること。"
        ),
        "oneOf": [_tree(version) for version in form.FORM_VERSIONS],
        "$defs": {"specified_diseases": {str(k): v for k, v in form.SPECIFIED_DISEASES.items()}},
        "examples": [form.EXAMPLE],
    }
