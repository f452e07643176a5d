"""The web form, built from opinions.form: the POST names are the document's paths, so that the page, the
draft and the validation speak of the same fields ("basic.written_on", "diagnoses.items.0.name")."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from . import form
from .models import OpinionRequest


@dataclass
class Widget:
    name: str
    label: str
    kind: str
    value: object
    choices: list[tuple[int, str]]
    required: bool
    readonly: bool
    errors: list[str]

    @property
    def id(self) -> str:
        return "f-" + self.name.replace(".", "-")


def fixed_values(request: OpinionRequest, clinic) -> dict[str, str]:
    """Values the portal sets itself: who the opinion is about and who writes it."""
    return {
        "basic.insurer_number": request.insurer.insurer_number,
        "basic.insured_number": request.person.insured_number,
        "basic.physician.institution_name": clinic.name,
        "basic.physician.medical_institution_code": clinic.medical_institution_code,
    }


def _set(document: dict, path: str, value) -> None:
    node = document
    *parents, leaf = path.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value


def initial_document(request: OpinionRequest, person, fixed: dict[str, str]) -> dict:
    """A new draft: 基本情報 from the request and the person's basic details."""
    document: dict = {"form_version": form.FORM_2026}
    values = {
        **fixed,
        "basic.applicant.name": person.name,
        "basic.applicant.name_kana": person.name_kana,
        "basic.applicant.birth_date": person.birth_date.isoformat() if person.birth_date else "",
        "basic.applicant.sex": int(person.sex) if person.sex else None,
        "basic.applicant.address": person.address,
        "basic.physician.name": request.physician_name,
        "basic.written_on": timezone.localdate().isoformat(),
    }
    for path, value in values.items():
        if value not in (None, ""):
            _set(document, path, value)
    return document


def _parse(spec: form.Field, post, name: str):
    if spec.kind == "multi":
        return [int(v) for v in post.getlist(name) if v.isdigit()]
    raw = post.get(name, "").strip()
    if spec.kind == "bool":
        return raw == "on"
    if raw == "":
        return None
    if spec.kind == "choice":
        return int(raw) if raw.isdigit() else raw
    if spec.kind == "number":
        try:
            number = float(raw)
        except ValueError:
            return raw
        return int(number) if number.is_integer() else number
    return raw


def document_from_post(post, fixed: dict[str, str], version: str) -> dict:
    document: dict = {"form_version": version}
    for spec in form.FIELDS:
        if version not in spec.versions:
            continue
        value = fixed.get(spec.path, _parse(spec, post, spec.path))
        if value not in (None, "", []):
            _set(document, spec.path, value)
    items = []
    for index in range(form.MAX_DIAGNOSES):
        item = {}
        for spec in form.DIAGNOSIS_FIELDS:
            value = _parse(spec, post, f"diagnoses.items.{index}.{spec.path}")
            if value not in (None, ""):
                item[spec.path] = value
        if item:
            items.append(item)
    if items:
        _set(document, "diagnoses.items", items)
    return document


def _widget(
    spec: form.Field, name: str, value, errors: dict[str, list[str]], readonly: bool = False
) -> Widget:
    return Widget(
        name=name,
        label=spec.label,
        kind=spec.kind,
        value=value,
        choices=list(enumerate(spec.choices, start=1)),
        required=spec.required,
        readonly=readonly,
        errors=errors.get(name, []),
    )


def sections(document: dict, issues: list[form.Issue], fixed: dict[str, str]) -> list[dict]:
    """The sections of the page, each with its widgets and the issues found in it."""
    errors: dict[str, list[str]] = {}
    for issue in issues:
        errors.setdefault(issue.path, []).append(issue.message)
    version = document.get("form_version", form.FORM_2026)
    out = []
    for key, title in form.SECTIONS.items():
        widgets = []
        if key == "diagnoses":
            items = form.get(document, "diagnoses.items") or []
            for index in range(form.MAX_DIAGNOSES):
                item = items[index] if index < len(items) and isinstance(items[index], dict) else {}
                for spec in form.DIAGNOSIS_FIELDS:
                    name = f"diagnoses.items.{index}.{spec.path}"
                    widget = _widget(spec, name, item.get(spec.path), errors)
                    widget.label = f"{index + 1}. {spec.label}"
                    widgets.append(widget)
        for spec in form.FIELDS:
            if spec.section == key and version in spec.versions:
                widgets.append(
                    _widget(spec, spec.path, form.get(document, spec.path), errors, spec.path in fixed)
                )
        section_errors = [
            i.message
            for i in issues
            if i.path.split(".", 1)[0] == key and i.path not in {w.name for w in widgets}
        ]
        out.append(
            {
                "key": key,
                "title": title,
                "widgets": widgets,
                "errors": section_errors,
                "error_count": sum(1 for i in issues if i.path.split(".", 1)[0] == key),
            }
        )
    return out
