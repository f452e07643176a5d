"""主治医意見書 as data: the sections, fields and choice lists of the form (domain.md §2.6), by form version,
and the one validation both electronic routes (the web form and the API) run.

A document is JSON: {"form_version": ..., "basic": {...}, "diagnoses": {...}, "special_medical": {...},
"mental_physical": {...}, "life_function": {...}, "notes": {...}}. Choices are the 1-based position of the
box on the printed form. The JSON Schema in docs/opinion.schema.json is generated from FIELDS
(opinions.schema), so the schema and this validation cannot drift apart.

Decision (domain.md §2.6): the 2026-04 form dropped the physician's consent box and a secondary source
describes a new consent-confirmation box in 基本情報; both are modelled as optional on "2026-04". The
"2021-04" form keeps the physician's consent box, required, and is accepted for opinions written before
2026-04-01 only. The issue lists 食事行為 with section 3 (the 一次判定 items); the printed form has it under
4 (2) 栄養・食生活: the document keeps it with the 一次判定 items in section 3.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils import timezone

from kaigo_portal.validators import MY_NUMBER_CODE, MY_NUMBER_MESSAGE, strings_with_my_number

from .form_fields import (  # noqa: F401  (re-exported: the form's data is read through this module)
    DIAGNOSIS_FIELDS,
    DIGITS,
    EXAMPLE,
    FIELDS,
    FIELDS_BY_PATH,
    FORM_2021,
    FORM_2026,
    FORM_2026_FROM,
    FORM_VERSIONS,
    MAX_DIAGNOSES,
    ONSET,
    SECTIONS,
    SPECIFIED_DISEASES,
    Field,
    date_text,
)


@dataclass(frozen=True)
class Issue:
    """One problem: where (section/field path), why (Japanese), and a stable machine code."""

    path: str
    code: str
    message: str


@dataclass
class Context:
    """What the validation needs beyond the document."""

    second_insured: bool = False  # 第2号被保険者: a 特定疾病 is required
    issues: list[Issue] = field(default_factory=list)

    def add(self, path: str, code: str, message: str) -> None:
        self.issues.append(Issue(path, code, message))


def get(document: dict, path: str):
    node = document
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def _parse_date(value) -> dt.date | None:
    if not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None
    except ValueError:
        return None


def _check_value(ctx: Context, spec: Field, path: str, value) -> None:
    label = spec.label
    if value is None or value == "" or value == []:
        if spec.required:
            ctx.add(path, "required", f"{label}を入力してください。")
        return
    match spec.kind:
        case "text" | "textarea":
            if not isinstance(value, str):
                ctx.add(path, "type", f"{label}は文字列で入力してください。")
            elif len(value) > spec.max_length:
                ctx.add(path, "too_long", f"{label}は{spec.max_length}文字以内で入力してください。")
            elif path in DIGITS and not re.fullmatch(rf"\d{{{DIGITS[path]}}}", value):
                ctx.add(path, "digits", f"{label}は半角数字{DIGITS[path]}桁で入力してください。")
        case "date":
            if _parse_date(value) is None:
                ctx.add(path, "date", f"{label}はYYYY-MM-DD形式の正しい日付で入力してください。")
        case "choice":
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= len(spec.choices):
                ctx.add(path, "choice", f"{label}は1〜{len(spec.choices)}の番号で選んでください。")
        case "multi":
            if not isinstance(value, list) or any(
                isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= len(spec.choices)
                for v in value
            ):
                ctx.add(path, "choice", f"{label}は1〜{len(spec.choices)}の番号の一覧で選んでください。")
            elif len(set(value)) != len(value):
                ctx.add(path, "duplicate", f"{label}に同じ項目が重複しています。")
        case "bool":
            if not isinstance(value, bool):
                ctx.add(path, "type", f"{label}は true または false で入力してください。")
        case "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                ctx.add(path, "type", f"{label}は数値で入力してください。")
            elif not spec.minimum <= value <= spec.maximum:
                ctx.add(
                    path, "range", f"{label}は{spec.minimum:g}〜{spec.maximum:g}の範囲で入力してください。"
                )


def _check_diagnoses(ctx: Context, document: dict, written_on: dt.date | None) -> None:
    items = get(document, "diagnoses.items")
    if items is None or items == []:
        ctx.add("diagnoses.items", "required", "診断名を1つ以上入力してください。")
        return
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        ctx.add("diagnoses.items", "type", "診断名は一覧（配列）で入力してください。")
        return
    if len(items) > MAX_DIAGNOSES:
        ctx.add(
            "diagnoses.items",
            "too_many",
            f"診断名は{MAX_DIAGNOSES}つまでです。4つ目以降は特記すべき事項に記入してください。",
        )
    for index, item in enumerate(items[:MAX_DIAGNOSES]):
        base = f"diagnoses.items.{index}"
        for spec in DIAGNOSIS_FIELDS:
            _check_value(ctx, spec, f"{base}.{spec.path}", item.get(spec.path))
        onset = item.get("onset")
        if isinstance(onset, str) and onset:
            if not ONSET.match(onset) or not _valid_partial(onset):
                ctx.add(
                    f"{base}.onset",
                    "date",
                    "発症年月日はYYYY-MM-DD、YYYY-MM またはYYYYの形式で入力してください。",
                )
            elif written_on is not None and onset > written_on.isoformat()[: len(onset)]:
                ctx.add(f"{base}.onset", "after_written", "発症年月日が記入日より後になっています。")
        unknown = set(item) - {spec.path for spec in DIAGNOSIS_FIELDS}
        if unknown:
            ctx.add(base, "unknown_field", f"不明な項目があります: {'、'.join(sorted(unknown))}")
    if ctx.second_insured and not any(
        isinstance(i.get("specified_disease"), int) and i.get("specified_disease") in SPECIFIED_DISEASES
        for i in items[:MAX_DIAGNOSES]
    ):
        ctx.add(
            "diagnoses.items",
            "specified_disease_required",
            "第2号被保険者の意見書では、診断名のいずれかに特定疾病（介護保険法施行令第2条の16疾病）を指定してください。",
        )


def _valid_partial(onset: str) -> bool:
    parts = [int(p) for p in onset.split("-")]
    try:
        dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


def _check_dependencies(ctx: Context, document: dict, written_on: dt.date | None) -> None:
    """Rules between fields (the form's "…の場合は記入" instructions)."""
    examined = _parse_date(get(document, "basic.last_examined_on"))
    if written_on and examined and examined > written_on:
        ctx.add("basic.last_examined_on", "after_written", "最終診察日が記入日より後になっています。")
    if written_on and written_on > timezone.localdate():
        ctx.add("basic.written_on", "future", "記入日に未来の日付は指定できません。")
    pairs = [
        (
            "diagnoses.stability",
            2,
            "diagnoses.stability_detail",
            "不安定の場合は、具体的な状況を記入してください。",
        ),
        (
            "basic.other_departments",
            1,
            "basic.other_departments_detail",
            "他科受診が有の場合は、診療科を記入してください。",
        ),
        (
            "life_function.infection",
            2,
            "life_function.infection_detail",
            "感染症が有の場合は、感染症名を記入してください。",
        ),
        (
            "mental_physical.psychiatric",
            1,
            "mental_physical.psychiatric_detail",
            "精神・神経症状が有の場合は、症状名を記入してください。",
        ),
    ]
    for when, value, path, message in pairs:
        if get(document, when) == value and not get(document, path):
            ctx.add(path, "required_if", message)


def _check_unknown(ctx: Context, document: dict, version: str) -> None:
    allowed = {f.path for f in FIELDS if version in f.versions} | {"diagnoses.items"}
    prefixes = {p.rsplit(".", i)[0] for p in allowed for i in range(p.count(".") + 1)}

    def walk(node: dict, base: str) -> None:
        for key, value in node.items():
            path = f"{base}.{key}" if base else key
            if path in allowed:
                continue
            if path in prefixes and isinstance(value, dict):
                walk(value, path)
            elif path not in prefixes:
                ctx.add(path, "unknown_field", f"この様式（{version}）にない項目です。")
            else:
                ctx.add(path, "type", "項目のまとまり（オブジェクト）で入力してください。")

    walk({k: v for k, v in document.items() if k != "form_version"}, "")


def my_number_issues(document) -> list[Issue]:
    """A 個人番号 written anywhere in the document (free text most of all) is refused, field by field."""
    return [Issue(path, MY_NUMBER_CODE, MY_NUMBER_MESSAGE) for path in strings_with_my_number(document)]


def validate(document, *, second_insured: bool, sections: tuple[str, ...] | None = None) -> list[Issue]:
    """Every issue of `document` (or of the given sections only, for a draft saved section by section)."""
    ctx = Context(second_insured=second_insured)
    if not isinstance(document, dict):
        return [Issue("", "type", "意見書はJSONオブジェクトで送ってください。")]
    version = document.get("form_version")
    if version not in FORM_VERSIONS:
        return [
            Issue(
                "form_version",
                "form_version",
                f"様式の版（form_version）は {'、'.join(FORM_VERSIONS)} のいずれかです。",
            )
        ]
    written_on = _parse_date(get(document, "basic.written_on"))
    if version == FORM_2021 and written_on and written_on >= FORM_2026_FROM:
        ctx.add(
            "form_version",
            "form_version_expired",
            "2026年4月1日以降に記入する意見書は 2026-04 様式で作成してください。",
        )
    _check_unknown(ctx, document, version)
    for spec in FIELDS:
        if version in spec.versions:
            _check_value(ctx, spec, spec.path, get(document, spec.path))
    _check_diagnoses(ctx, document, written_on)
    _check_dependencies(ctx, document, written_on)
    ctx.issues += my_number_issues(document)
    issues = ctx.issues
    if sections is not None:
        issues = [i for i in issues if i.path.split(".", 1)[0] in sections]
    return issues


def labelled(document: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    """(section title, [(label, shown value)]) for pages and the PDF."""
    version = document.get("form_version", FORM_2026)
    out: list[tuple[str, list[tuple[str, str]]]] = []
    for section, title in SECTIONS.items():
        rows = []
        if section == "diagnoses":
            for n, item in enumerate(get(document, "diagnoses.items") or [], start=1):
                disease = item.get("specified_disease")
                extra = (
                    f"（特定疾病 {disease}: {SPECIFIED_DISEASES[disease]}）"
                    if disease in SPECIFIED_DISEASES
                    else ""
                )
                onset = date_text(str(item.get("onset", "")))
                rows.append((f"診断名{n}", f"{item.get('name', '')}　発症 {onset}{extra}"))
        for spec in FIELDS:
            if spec.section == section and version in spec.versions:
                value = get(document, spec.path)
                rows.append((spec.label, spec.label_of(value) if value not in (None, "", []) else "—"))
        out.append((title, rows))
    return out
