"""Printable plans: 第1表〜第3表 of a plan and 第6表・第7表 of a month as PDFs like the MHLW forms, with 和暦
dates beside 西暦 and an embedded IPAex font; linked from the pages, behind the careplan gate, logged on
the PDF channel; a provider's month PDF holds only its own lines."""

from __future__ import annotations

import datetime as dt

import pytest

from careplans import months, pdf
from careplans.models import ServiceCode
from conftest import pdf_fonts, pdf_text, require_tool
from consent.tests.factories import relationship
from kaigo_portal.accounts.models import OfficeService, Organisation, OrganisationKind
from kaigo_portal.audit.models import AccessLogEntry, Category, Channel, Outcome

from .factories import delivered

pytestmark = pytest.mark.django_db
PERSON = "131011/0000000501"
HOMON = "1370100024"


@pytest.fixture(autouse=True)
def _pango():
    require_tool(
        "Pango (for WeasyPrint)",
        hint="apt-get install libpango-1.0-0 libpangoft2-1.0-0",
        available=pdf.available(),
    )


@pytest.fixture
def month(hanako, bob, orgs):
    """December 2026 of 花子: 訪問介護 on four days at 10:00 and a 通所介護 of another office on one day."""
    day_care = Organisation.objects.create(
        kind=OrganisationKind.CARE_OFFICE,
        name="デイサービス髙﨑",
        office_number="1370100099",
        prefecture="13",
    )
    OfficeService.objects.create(organisation=day_care, code="15")
    relationship(day_care, hanako)
    ServiceCode.objects.create(code="111211", name="身体介護２", units=387)
    lines = [
        months.LineInput(
            day=dt.date(2026, 12, d),
            service_code="111211",
            office_number=HOMON,
            starts="1000",
            ends="1100",
            units=387,
        )
        for d in (2, 9, 16, 23)
    ] + [
        months.LineInput(
            day=dt.date(2026, 12, 4), service_code="151111", office_number="1370100099", units=655
        )
    ]
    return months.plan_lines_add(actor=bob, person=hanako, month=dt.date(2026, 12, 1), lines=lines)


def test_the_plan_pdf_prints_the_three_tables_with_wareki_dates(hanako, bob):
    plan = delivered(actor=bob, person=hanako)
    text = pdf_text(pdf.plan_pdf(plan))
    for expected in (
        "居宅サービス計画書（1）",
        "居宅サービス計画書（2）",
        "週間サービス計画表",
        "第1表",
        "第2表",
        "第3表",
        "髙﨑 花子 殿",
        "令和8年11月20日（2026年11月20日）",
        "要介護2",
        "ケアプランセンター神田",
        "令和8年4月1日（2026年4月1日） 〜 令和9年3月31日（2027年3月31日）",
        "通所リハビリテーションの利用が望ましい。",
        "一人で安全に入浴したい",
        "介助で週2回入浴する",
        "2027/02",
        "家族（長女）",
        "週1回",
        "訪問介護（入浴介助）",
        "福祉用具貸与（手すり）",
        "説明・同意日 令和8年11月20日",
        "午前",
        "深夜",
    ):
        assert expected in text, expected
    assert text.count("訪問介護（入浴介助）") == 2  # 火 and 金 of 第3表, in the 10:00 row


def test_the_weekly_table_puts_a_service_in_the_rows_of_its_hours(hanako, bob):
    plan = delivered(actor=bob, person=hanako)
    rows = {row.label: row for row in pdf.weekly_rows(plan)}
    assert len(rows) == 12 and [r.band for r in pdf.weekly_rows(plan) if r.band_rows] == [
        "深夜",
        "早朝",
        "午前",
        "午後",
        "夜間",
        "深夜",
    ]
    assert rows["10:00"].cells[1] == ["訪問介護（入浴介助）"] and rows["10:00"].cells[4] == [
        "訪問介護（入浴介助）"
    ]
    assert all(not cell for label, row in rows.items() if label != "10:00" for cell in row.cells)


def test_the_month_pdf_prints_the_6th_table_by_day_and_the_7th_table_against_the_limit(month):
    text = pdf_text(
        pdf.month_pdf(
            month,
            lines=list(month.lines.all()),
            table7=list(month.table7.all()),
            printed_on=dt.date(2026, 11, 20),
        )
    )
    for expected in (
        "サービス利用票",
        "サービス利用票別表",
        "令和8年12月（2026年12月）分",
        "髙﨑 花子 殿",
        "0000000501",
        "身体介護２",
        "111211",
        "10:00〜11:00",
        "予定",
        "実績",
        "19,705単位／月",
        "1,548",
        "655",
        "2,203",
        "デイサービス髙﨑",
        "印刷日 令和8年11月20日（2026年11月20日）",
    ):
        assert expected in text, expected


def test_the_6th_table_counts_each_service_per_day():
    from careplans.models import LineKind, ServiceLine

    def line(kind, day, count=1, starts="1000"):
        return ServiceLine(
            kind=kind,
            day=dt.date(2026, 12, day),
            count=count,
            starts=starts,
            ends="1100",
            service_code="111211",
            office_number=HOMON,
            position=0,
        )

    services = pdf.table6_services(
        [
            line(LineKind.PLAN, 2),
            line(LineKind.PLAN, 9, 2),
            line(LineKind.ACTUAL, 2),
            line(LineKind.PLAN, 3, starts="1400"),
        ]
    )
    assert [(s.starts, s.planned, s.actual) for s in services] == [
        ("1000", {2: 1, 9: 2}, {2: 1}),
        ("1400", {3: 1}, {}),
    ]
    assert (
        services[0].days(LineKind.PLAN, 10)[1] == 1
        and services[0].planned_total == 3
        and services[0].actual_total == 1
    )


def test_both_pdfs_embed_an_ipaex_font(hanako, bob, month, tmp_path):
    for document in (
        pdf.plan_pdf(delivered(actor=bob, person=hanako)),
        pdf.month_pdf(month, lines=[], table7=[], printed_on=dt.date(2026, 11, 20)),
    ):
        assert "IPAex" in pdf_fonts(document, tmp_path)


def test_the_pages_link_the_pdfs_and_each_pdf_read_is_logged_on_the_pdf_channel(
    hanako, bob, cast, login, month
):
    plan = delivered(actor=bob, person=hanako)
    bob = login(cast["bob"])
    assert f"/careplans/{plan.pk}/plan.pdf" in bob.get(f"/careplans/{plan.pk}/").content.decode()
    month_page = bob.get(f"/careplans/persons/{PERSON}/month/?month=2026-12").content.decode()
    assert f"/careplans/persons/{PERSON}/month.pdf?month=2026-12" in month_page
    before = AccessLogEntry.objects.order_by("-id").values_list("id", flat=True).first()
    response = bob.get(f"/careplans/{plan.pk}/plan.pdf")
    assert response["Content-Type"] == "application/pdf" and "no-store" in response["Cache-Control"]
    assert "居宅サービス計画書（1）" in pdf_text(response.content)
    response = bob.get(f"/careplans/persons/{PERSON}/month.pdf?month=2026-12")
    assert response["Content-Type"] == "application/pdf" and "サービス利用票" in pdf_text(response.content)
    rows = list(
        AccessLogEntry.objects.filter(id__gt=before).values_list(
            "insured_number", "category", "channel", "outcome"
        )
    )
    assert rows == [("0000000501", Category.CAREPLAN, Channel.PDF, Outcome.GRANTED)] * 2


def test_a_providers_month_pdf_holds_only_its_own_lines(hanako, cast, login, month):
    carol = login(cast["carol"])
    text = pdf_text(carol.get(f"/careplans/persons/{PERSON}/month.pdf?month=2026-12").content)
    assert "111211" in text and "151111" not in text and "デイサービス髙﨑" not in text


def test_a_month_without_a_plan_has_no_pdf_and_says_so(hanako, cast, login):
    bob = login(cast["bob"])
    response = bob.get(f"/careplans/persons/{PERSON}/month.pdf?month=2027-01", follow=True)
    assert "この月の利用票はありません。" in response.content.decode()


def test_an_office_that_does_not_serve_the_person_gets_no_pdf_and_the_refusal_is_logged(
    hanako, cast, login, month, orgs
):
    from consent.models import Relationship

    Relationship.objects.filter(office=orgs["homon"]).delete()
    carol = login(cast["carol"])
    response = carol.get(f"/careplans/persons/{PERSON}/month.pdf?month=2026-12")
    assert response.status_code in (403, 404) and response["Content-Type"] != "application/pdf"
    assert AccessLogEntry.objects.filter(channel=Channel.PDF, outcome=Outcome.DENIED).exists()
