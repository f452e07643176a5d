"""No codes in markup: templates compare a status, role or code with the enum the context processors pass in
(`plan.status == PlanStatus.DRAFT`) or ask the object (`row.is_open`), never with a bare string. A bare string
is left only for the page's own switches (which tab, which nav item, which kind of form widget)."""

from __future__ import annotations

import re
from pathlib import Path

from django.template import Context, Template

from careplans.models import PlanStatus

ROOT = Path(__file__).resolve().parents[1]
COMPARISON = re.compile(r"{%\s*(?:el)?if\b[^%]*?([\w.]+)\s*(?:==|!=)\s*\"([^\"]*)\"")
# The pages' own switches, not codes of the domain.
# (`sort`: the error table's sort column; `added`: which table just grew; `field.name`: the formset's
# delete box, a kind of widget.)
PAGE_SWITCHES = {"nav", "who", "w.kind", "request.GET.all", "sort", "added", "field.name"}
LIBRARY_OVERRIDES = {
    "account",
    "mfa",
    "allauth",
    "socialaccount",
}  # allauth's templates, as allauth writes them


def _templates():
    for path in ROOT.rglob("templates/**/*.html"):
        parts = path.relative_to(ROOT).parts
        if {".venv", "node_modules"} & set(parts):
            continue
        if parts[0] == "templates" and parts[1] in LIBRARY_OVERRIDES:
            continue
        yield path


def bare_comparisons(text: str) -> list[str]:
    return [f"{name} == {value!r}" for name, value in COMPARISON.findall(text) if name not in PAGE_SWITCHES]


def test_no_template_compares_a_code_with_a_bare_string():
    found = {
        str(path.relative_to(ROOT)): bare
        for path in _templates()
        if (bare := bare_comparisons(path.read_text(encoding="utf-8")))
    }
    assert found == {}


def test_the_check_finds_one():
    assert bare_comparisons('{% if plan.status == "draft" %}x{% endif %}') == ["plan.status == 'draft'"]
    assert bare_comparisons('{% if nav == "faq" %}x{% endif %}') == []


def test_a_template_compares_with_the_enum_it_is_given():
    template = Template("{% if status == PlanStatus.DRAFT %}原案{% else %}ほか{% endif %}")
    assert template.render(Context({"status": "draft", "PlanStatus": PlanStatus})) == "原案"
    assert template.render(Context({"status": "agreed", "PlanStatus": PlanStatus})) == "ほか"
