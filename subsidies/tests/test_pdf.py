"""Both PDFs come out with Japanese text in an embedded IPAex font, for the office and the operator;
without WeasyPrint the page says so in Japanese."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import pdf_fonts, pdf_text, require_tool
from subsidies import pdf, services

from .factories import approved, draft, submitted

pytestmark = pytest.mark.django_db


def weasyprint_available() -> bool:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


@pytest.fixture
def needs_weasyprint():
    require_tool(
        "weasyprint",
        hint="pip install weasyprint; apt-get install libpango-1.0-0 fonts-ipaexfont",
        available=weasyprint_available(),
    )


def assert_ipaex_embedded(content: bytes, tmp_path) -> None:
    fonts = pdf_fonts(content, tmp_path)
    ipaex = [line.split() for line in fonts.splitlines() if "IPAex" in line]
    assert ipaex, fonts
    # pdffonts columns: name type [encoding words] emb sub uni object ID; emb is the 5th from the end.
    assert all(columns[-5] == "yes" for columns in ipaex), fonts


def test_the_application_pdf(needs_weasyprint, login, orgs, cast, fy2026, frozen, tmp_path):
    application = submitted(orgs["kyotaku"], cast["olive"], fy2026)
    for who in ("olive", "pat"):
        response = login(cast[who]).get(f"/subsidies/applications/{application.pk}/application.pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    for expected in (
        "助成金交付申請書",
        f"申請番号 {application.reference}",
        "ケアプランセンター神田",
        "1370100016",
        "43 居宅介護支援",
        "訪問・通所・短期滞在系",
        "64,000 円",
        "70,000 円",
        "ｶ)ｹｱﾌﾟﾗﾝｾﾝﾀ-ｶﾝﾀﾞ",
        "receipt.pdf",
        "令和8年6月1日（2026年6月1日）",
    ):
        assert expected in text, expected
    assert_ipaex_embedded(response.content, tmp_path)


def test_the_decision_notice_pdf(needs_weasyprint, login, orgs, cast, fy2026, frozen, tmp_path):
    application = approved(orgs["kyotaku"], cast["olive"], cast["pat"], fy2026)
    response = login(cast["olive"]).get(f"/subsidies/applications/{application.pk}/decision.pdf")
    assert response.status_code == 200
    text = pdf_text(response.content)
    for expected in (
        "助成金交付決定通知書",
        "ケアプランセンター神田",
        "交付決定額",
        "64,000 円",
        "運営事務局",  # the platform organisation of the cast
        "令和8年6月1日（2026年6月1日）",
        "次のとおり交付することに決定したので通知します",
    ):
        assert expected in text, expected
    assert_ipaex_embedded(response.content, tmp_path)
    assert login(cast["pat"]).get(f"/subsidies/applications/{application.pk}/decision.pdf").status_code == 200


def test_no_decision_notice_before_the_decision(login, orgs, cast, fy2026, frozen):
    application = submitted(orgs["kyotaku"], cast["olive"], fy2026)
    assert (
        login(cast["olive"]).get(f"/subsidies/applications/{application.pk}/decision.pdf").status_code == 404
    )


def test_no_pdf_of_a_draft(login, orgs, cast, fy2026, frozen):
    application = draft(orgs["kyotaku"], cast["olive"], fy2026)
    assert (
        login(cast["olive"]).get(f"/subsidies/applications/{application.pk}/application.pdf").status_code
        == 404
    )


@pytest.mark.parametrize("who", ["oscar", "carol", "alice", "bob", "pia"])
def test_pdfs_are_refused_to_others(login, orgs, cast, fy2026, frozen, who):
    application = approved(orgs["kyotaku"], cast["olive"], cast["pat"], fy2026)
    for name in ("application.pdf", "decision.pdf"):
        status = login(cast[who]).get(f"/subsidies/applications/{application.pk}/{name}").status_code
        assert status == (404 if who == "oscar" else 403), (who, name)


def test_without_weasyprint_the_page_says_so(login, orgs, cast, fy2026, frozen, monkeypatch):
    application = submitted(orgs["kyotaku"], cast["olive"], fy2026)

    def missing(template, context):
        raise pdf.PdfUnavailable("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(pdf, "render_pdf", missing)
    response = login(cast["olive"]).get(f"/subsidies/applications/{application.pk}/application.pdf")
    assert response.status_code == 503
    body = response.content.decode()
    assert "PDF を作成できません" in body
    assert "このサーバーでは PDF を作成できません（WeasyPrint または Pango が見つかりません）" in body


def test_a_paid_notice_mentions_the_payment(needs_weasyprint, orgs, cast, fy2026, frozen):
    application = approved(orgs["kyotaku"], cast["olive"], cast["pat"], fy2026)
    services.application_mark_paid(application=application, by=cast["pat"], paid_on=dt.date(2026, 6, 1))
    application.refresh_from_db()
    text = pdf_text(pdf.decision_pdf(application, issuer_name="介護情報基盤ポータル運営事務局"))
    assert "お支払い済み：令和8年6月1日（2026年6月1日）" in text
