"""The opinion as a PDF in the form's layout, from the structured data, with IPAex embedded."""

from __future__ import annotations

import datetime as dt
import re

from conftest import pdf_fonts, pdf_text
from kaigo_portal.audit.models import AccessLogEntry
from kaigo_portal.wareki import to_wareki_with_seireki

from .factories import submitted


def test_the_opinion_pdf_has_every_section_and_embeds_a_japanese_font(request_, login, cast, tmp_path):
    opinion = submitted(request_)
    response = login(cast["alice"]).get(f"/opinions/{opinion.pk}/opinion.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "主治医意見書" in text.replace(" ", "")  # the title is spaced out, as on the printed form
    for expected in (
        "1 傷病に関する意見",
        "2 特別な医療",
        "3 心身の状態に関する意見",
        "4 生活機能とサービスに関する意見",
        "5 特記すべき事項",
        "脳梗塞",
        "脳血管疾患",
        "問題あり",
        "Ⅱa",
        "電子署名なし",
        request_.person.insured_number,
    ):
        assert expected in text, expected
    flat = text.replace(" ", "").replace("\n", "")
    assert not re.search(r"\d{4}-\d{2}-\d{2}", flat)  # dates in 和暦, with 西暦 beside them
    written = to_wareki_with_seireki(dt.date.fromisoformat(opinion.document["basic"]["written_on"]))
    assert written in flat and "令和6年3月10日（2024年3月10日）" in flat and "平成27年（2015年）" in flat
    fonts = pdf_fonts(response.content, tmp_path)
    assert "IPAex" in fonts and " yes " in fonts.split("IPAex", 1)[1].splitlines()[0]
    row = AccessLogEntry.objects.order_by("-id").first()
    assert (row.category, row.channel, row.outcome) == ("opinion", "pdf", "granted")


def test_the_pdf_is_refused_to_another_insurer(request_, login, cast):
    opinion = submitted(request_)
    assert login(cast["hank"]).get(f"/opinions/{opinion.pk}/opinion.pdf").status_code == 404
