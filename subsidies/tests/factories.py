"""Builders for subsidy tests: receipt files, and applications taken to each state through the services
(never by writing rows directly, so every state is one the workflow can reach)."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

from PIL import Image

from kaigo_portal.accounts.models import Organisation, User
from subsidies import services
from subsidies.models import Application, ProgramYear

JST = ZoneInfo("Asia/Tokyo")
IN_WINDOW = dt.datetime(2026, 6, 1, 10, 0, tzinfo=JST)

GOOD_BANK = {
    "bank_code": "0001",
    "bank_name": "ﾐｽﾞﾎ",
    "branch_code": "001",
    "branch_name": "ﾄｳｷﾖｳ",
    "account_type": "1",
    "account_number": "1234567",
    "account_holder": "ｶ)ｹｱﾌﾟﾗﾝｾﾝﾀ-ｶﾝﾀﾞ",
}
# 2 readers at ¥25,000 and ¥20,000 of connection support.
GOOD_PURCHASE = {"readers_count": "2", "reader_unit_price": "25000", "connection_support_cost": "20000"}


def png_bytes(size: tuple[int, int] = (16, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes(size: tuple[int, int] = (16, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 30, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def pdf_bytes() -> bytes:
    """A real one-page PDF (receipts are parsed, not only sniffed)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def draft(
    office: Organisation,
    by: User,
    program_year: ProgramYear,
    *,
    purchase: dict | None = None,
    bank: dict | None = None,
    receipt: bool = True,
) -> Application:
    application = services.application_create(office=office, program_year=program_year, by=by)
    data = {**(GOOD_PURCHASE if purchase is None else purchase), **(GOOD_BANK if bank is None else bank)}
    services.application_save_draft(application=application, by=by, data=data)
    if receipt:
        services.receipt_add(application=application, by=by, name="receipt.pdf", content=pdf_bytes())
    application.refresh_from_db()
    return application


def submitted(office: Organisation, by: User, program_year: ProgramYear, **kwargs) -> Application:
    application = draft(office, by, program_year, **kwargs)
    return services.application_submit(application=application, by=by)


def under_review(office: Organisation, by: User, operator: User, program_year: ProgramYear) -> Application:
    application = submitted(office, by, program_year)
    return services.application_start_review(application=application, by=operator)


def approved(office: Organisation, by: User, operator: User, program_year: ProgramYear) -> Application:
    application = under_review(office, by, operator, program_year)
    return services.application_approve(application=application, by=operator)


def paid(
    office: Organisation, by: User, operator: User, program_year: ProgramYear, on: dt.date
) -> Application:
    application = approved(office, by, operator, program_year)
    return services.application_mark_paid(application=application, by=operator, paid_on=on)
