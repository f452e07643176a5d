"""Demo data for the subsidy: a submitted application of the 訪問介護 office, waiting for the reviewer, so
that the operator's queue has work; the care-management office may start its own."""

from __future__ import annotations

import io

from django.utils import timezone

from kaigo_portal.accounts.models import Organisation, User

from . import selectors, services
from .models import Application

PURCHASE = {"readers_count": "1", "reader_unit_price": "32000", "connection_support_cost": "15000"}
BANK = {
    "bank_code": "0001",
    "bank_name": "ﾐｽﾞﾎ",
    "branch_code": "001",
    "branch_name": "ﾄｳｷﾖｳ",
    "account_type": "1",
    "account_number": "7654321",
    "account_holder": "ｶ)ﾎｳﾓﾝｶｲｺﾞｽﾃ-ｼﾖﾝｸﾀﾞﾝ",
}


def _receipt() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def seed() -> str:
    office = Organisation.objects.filter(office_number="1370100024").first()
    admin = User.objects.filter(email="homon.admin@example.jp").first()
    year = selectors.current_program_year()
    if office is None or admin is None or year is None or not year.is_open(timezone.localdate()):
        return "助成金: 申請受付期間外のため、デモの申請はありません"
    if Application.objects.filter(office=office, program_year=year).exists():
        return "助成金: 訪問介護ステーション九段の申請（審査待ち）は登録済み"
    application = services.application_create(office=office, program_year=year, by=admin)
    services.application_save_draft(application=application, by=admin, data={**PURCHASE, **BANK})
    services.receipt_add(application=application, by=admin, name="領収書.pdf", content=_receipt())
    services.application_submit(application=application, by=admin)
    return "助成金: 訪問介護ステーション九段の申請 1 件（審査待ち。reviewer@example.jp が審査します）"
