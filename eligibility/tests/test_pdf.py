"""The 被保険者証 PDF renderer: the text comes back out, a Japanese font is embedded, and a server
without WeasyPrint's libraries keeps running. The HTTP side (authorisation, logging) is in
test_views_persons.py."""

from __future__ import annotations

import datetime as dt
import sys

import pytest

from conftest import pdf_fonts, pdf_text

from .. import pdf, selectors
from ..models import CareLevel, RestrictionKind
from . import factories as f

D = dt.date


@pytest.fixture
def person(orgs):
    person = f.person(
        insurer=orgs["chiyoda"],
        insured_number="1310000001",
        name="介護 花子",
        name_kana="カイゴ　ハナコ",
        birth_date=D(1940, 5, 3),
    )
    f.certification(
        person=person,
        care_level=CareLevel.KAIGO3,
        valid_from=D(2026, 4, 1),
        valid_to=D(2027, 3, 31),
        panel_opinion="通所リハビリテーションの利用が望ましい。",
    )
    return person


def embedded_fonts(document: bytes, tmp_path) -> list[str]:
    """Names of the embedded fonts, from the `emb` column of pdffonts."""
    lines = pdf_fonts(document, tmp_path).splitlines()[2:]
    return [line.split()[0] for line in lines if line.split()[-5] == "yes"]


@pytest.mark.django_db
def test_the_card_pdf_gives_back_the_name_number_and_wareki_dates(person):
    text = pdf_text(pdf.card_pdf(selectors.card_as_of(person, D(2026, 6, 1))))
    for expected in (
        "介護保険被保険者証",
        "介護 花子",
        "1310000001",
        "カイゴ",
        "昭和15年5月3日",
        "要介護3",
        "1月当たり 27,048 単位",
        "令和8年4月1日",
        "令和9年3月31日",
        "131011",
        "千代田区",
        "ケアプランセンター神田",
        "通所リハビリテーションの利用が望ましい。",
        "令和8年6月1日現在",
    ):
        assert expected in text, expected


@pytest.mark.django_db
def test_the_card_pdf_embeds_an_ipaex_font(person, tmp_path):
    fonts = embedded_fonts(pdf.card_pdf(selectors.card_as_of(person, D(2026, 6, 1))), tmp_path)
    assert any("IPAex" in name for name in fonts), fonts


@pytest.mark.django_db
def test_more_restrictions_than_the_form_has_rows_are_all_printed(person):
    for kind, start in (
        (RestrictionKind.REIMBURSEMENT, 4),
        (RestrictionKind.SUSPENSION, 5),
        (RestrictionKind.REDUCTION, 6),
        (RestrictionKind.REIMBURSEMENT, 7),
    ):
        f.restriction(person=person, kind=kind, valid_from=D(2026, start, 1))
    text = pdf_text(pdf.card_pdf(selectors.card_as_of(person, D(2026, 8, 1))))
    assert text.count("令和9年5月31日") == 4
    assert "保険給付の一時差止" in text and "給付額減額" in text


class _Refuse:
    """A meta-path finder that fails `import weasyprint` the way a machine without Pango does."""

    def __init__(self, error: Exception):
        self.error = error

    def find_spec(self, name, path=None, target=None):
        if name == "weasyprint":
            raise self.error
        return None


@pytest.mark.parametrize(
    "error", [OSError("cannot load library 'libpango-1.0-0'"), ImportError("No module named 'weasyprint'")]
)
def test_a_weasyprint_that_cannot_load_disables_pdfs_instead_of_failing(monkeypatch, error):
    monkeypatch.delitem(sys.modules, "weasyprint")
    monkeypatch.setattr(sys, "meta_path", [_Refuse(error), *sys.meta_path])
    pdf._weasyprint.cache_clear()
    try:
        assert not pdf.available()
        assert str(error) in pdf.unavailable_reason()
        with pytest.raises(RuntimeError, match="WeasyPrint is not available"):
            pdf.card_pdf(None)
    finally:
        monkeypatch.undo()
        pdf._weasyprint.cache_clear()
    assert pdf.available()
