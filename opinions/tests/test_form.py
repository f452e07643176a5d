"""The form's rules, table-driven: (what changes in a valid document, where it is reported, which code)."""

from __future__ import annotations

import copy

import pytest

from opinions import form

OK = form.EXAMPLE


def changed(path: str, value):
    doc = copy.deepcopy(OK)
    node = doc
    *parents, leaf = path.split(".")
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    if value is DELETE:
        del node[leaf]
    else:
        node[leaf] = value
    return doc


DELETE = object()

CASES = [
    ("form_version", "1999-01", "form_version", "form_version"),
    ("basic.written_on", DELETE, "basic.written_on", "required"),
    ("basic.written_on", "2026-02-30", "basic.written_on", "date"),
    ("basic.insured_number", "12345", "basic.insured_number", "digits"),
    ("basic.applicant.sex", 3, "basic.applicant.sex", "choice"),
    ("basic.applicant.sex", True, "basic.applicant.sex", "choice"),
    ("basic.last_examined_on", "2026-06-02", "basic.last_examined_on", "after_written"),
    ("basic.other_departments_detail", "", "basic.other_departments_detail", "required_if"),
    ("basic.physician_consent", 1, "basic.physician_consent", "unknown_field"),  # not on the 2026 form
    ("basic.nickname", "x", "basic.nickname", "unknown_field"),
    ("basic.applicant.name", "あ" * 101, "basic.applicant.name", "too_long"),
    ("diagnoses.items", [], "diagnoses.items", "required"),
    ("diagnoses.items", [{"name": f"病{i}", "onset": "2020"} for i in range(4)], "diagnoses.items", "too_many"),
    ("diagnoses.items", [{"name": "脳梗塞", "onset": "2024-13"}], "diagnoses.items.0.onset", "date"),
    ("diagnoses.items", [{"name": "脳梗塞", "onset": "2027"}], "diagnoses.items.0.onset", "after_written"),
    ("diagnoses.items", [{"onset": "2024"}], "diagnoses.items.0.name", "required"),
    ("diagnoses.items", [{"name": "脳梗塞", "onset": "2024", "specified_disease": 17}],
     "diagnoses.items.0.specified_disease", "choice"),
    ("diagnoses.stability", 2, "diagnoses.stability_detail", "required_if"),
    ("diagnoses.course_and_medication", DELETE, "diagnoses.course_and_medication", "required"),
    ("special_medical.treatments", [1, 1], "special_medical.treatments", "duplicate"),
    ("special_medical.treatments", [10], "special_medical.treatments", "choice"),
    ("mental_physical.short_term_memory", DELETE, "mental_physical.short_term_memory", "required"),
    ("mental_physical.cognitive_ability", 5, "mental_physical.cognitive_ability", "choice"),
    ("mental_physical.communication", "1", "mental_physical.communication", "choice"),
    ("mental_physical.eating", DELETE, "mental_physical.eating", "required"),
    ("mental_physical.dementia_independence", 9, "mental_physical.dementia_independence", "choice"),
    ("mental_physical.height_cm", 400, "mental_physical.height_cm", "range"),
    ("life_function.infection", 2, "life_function.infection_detail", "required_if"),
    ("life_function.outlook", DELETE, "life_function.outlook", "required"),
    ("notes", "text", "notes", "type"),
    ("notes.text", "あ" * 4001, "notes.text", "too_long"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "value", "where", "code"), CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_each_rule_reports_where_and_why_with_a_code(path, value, where, code):
    issues = form.validate(changed(path, value), second_insured=False)
    assert [(i.path, i.code) for i in issues] == [(where, code)]
    assert all(i.message and not i.message.isascii() for i in issues)  # Japanese, for people


def test_the_example_is_valid_for_both_kinds_of_insured():
    assert form.validate(OK, second_insured=False) == []
    assert form.validate(OK, second_insured=True) == []  # 脳血管疾患 is 特定疾病 13


SPECIFIED = [
    ([{"name": "高血圧症", "onset": "2015"}], False, []),
    ([{"name": "高血圧症", "onset": "2015"}], True, [("diagnoses.items", "specified_disease_required")]),
    ([{"name": "高血圧症", "onset": "2015"}, {"name": "関節リウマチ", "onset": "2019", "specified_disease": 2}], True, []),
    ([{"name": "パーキンソン病", "onset": "2020-05", "specified_disease": 7}], True, []),
]  # fmt: skip


@pytest.mark.parametrize(("items", "second", "expected"), SPECIFIED)
def test_a_second_insured_needs_one_of_the_16_specified_diseases(items, second, expected):
    issues = form.validate(changed("diagnoses.items", items), second_insured=second)
    assert [(i.path, i.code) for i in issues] == expected


def test_the_16_specified_diseases_are_kept_as_data():
    assert list(form.SPECIFIED_DISEASES) == list(range(1, 17))
    assert form.SPECIFIED_DISEASES[13] == "脳血管疾患"


def test_the_2021_form_needs_the_physicians_consent_box_and_is_refused_after_april_2026():
    old = changed("form_version", form.FORM_2021)
    del old["basic"]["consent_confirmation"]
    codes = [(i.path, i.code) for i in form.validate(old, second_insured=False)]
    assert codes == [("form_version", "form_version_expired"), ("basic.physician_consent", "required")]
    old["basic"]["physician_consent"] = 1
    old["basic"]["written_on"] = old["basic"]["last_examined_on"] = "2026-03-30"
    assert form.validate(old, second_insured=False) == []


def test_a_draft_is_checked_section_by_section():
    doc = changed("life_function.outlook", DELETE)
    doc["mental_physical"]["eating"] = 7
    assert [i.code for i in form.validate(doc, second_insured=False, sections=("life_function",))] == [
        "required"
    ]
    assert form.validate(doc, second_insured=False, sections=("basic", "diagnoses")) == []
