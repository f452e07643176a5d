"""The transfer files of approved grants (全銀協 総合振込, and a CSV) and marking grants paid."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from conftest import make_org, make_user
from kaigo_portal.accounts.models import OrganisationKind, Role
from kaigo_portal.errors import ApplicationError
from subsidies import payments
from subsidies.models import ApplicationStatus

from .factories import GOOD_BANK, approved, submitted

pytestmark = pytest.mark.django_db

PAYER = {
    "code": "1234567890",
    "name": "ｺｸﾐﾝｹﾝｺｳﾎｹﾝﾁﾕｳｵｳｶｲ",
    "bank_code": "0005",
    "bank_name": "ﾐﾂﾋﾞｼUFJ",
    "branch_code": "001",
    "branch_name": "ﾎﾝﾃﾝ",
    "account_type": "1",
    "account_number": "7654321",
}


@pytest.fixture
def payer(settings):
    settings.KAIGO_SUBSIDY_PAYER = dict(PAYER)
    return payments.payer_from_settings()


@pytest.fixture
def two_approved(orgs, cast, fy2026, frozen):
    first = approved(orgs["kyotaku"], cast["olive"], cast["pat"], fy2026)
    office = make_org(
        OrganisationKind.CARE_OFFICE, "グループホームさくら", office_number="1370100040", services=("32",)
    )
    admin = make_user("sakura.admin@example.jp", org=office, role=Role.OFFICE_ADMIN)
    bank = {
        **GOOD_BANK,
        "bank_code": "0009",
        "bank_name": "",
        "branch_code": "123",
        "branch_name": "",
        "account_type": "2",
        "account_number": "0000012",
        "account_holder": "ｼﾔ)ｻｸﾗｶｲ",
    }
    second = submitted(office, admin, fy2026, bank=bank)
    from subsidies import services

    services.application_start_review(application=second, by=cast["pat"])
    second = services.application_approve(application=second, by=cast["pat"])
    return first, second


def test_the_zengin_file_has_fixed_length_records(payer, two_approved):
    first, second = two_approved
    content = payments.zengin_transfer_file(two_approved, transfer_date=dt.date(2026, 7, 10), payer=payer)
    lines = content.split(b"\r\n")
    assert lines[-1] == b""  # every record ends with CRLF
    records = lines[:-1]
    assert [len(record) for record in records] == [120] * 5
    text = [record.decode("cp932") for record in records]
    assert text[0] == "".join(
        [
            "1",
            "21",
            "0",
            "1234567890",
            "ｺｸﾐﾝｹﾝｺｳﾎｹﾝﾁﾕｳｵｳｶｲ".ljust(40),
            "0710",
            "0005",
            "ﾐﾂﾋﾞｼUFJ".ljust(15),
            "001",
            "ﾎﾝﾃﾝ".ljust(15),
            "1",
            "7654321",
            " " * 17,
        ]
    )
    assert text[1] == "".join(
        [
            "2",
            "0001",
            "ﾐｽﾞﾎ".ljust(15),
            "001",
            "ﾄｳｷﾖｳ".ljust(15),
            "0000",
            "1",
            "1234567",
            "ｶ)ｹｱﾌﾟﾗﾝｾﾝﾀ-ｶﾝﾀﾞ".ljust(30),
            "0000064000",
            "0",
            f"{first.pk:010d}",
            "0000000000",
            "7",
            " ",
            " " * 7,
        ]
    )
    assert text[2] == "".join(
        [
            "2",
            "0009",
            " " * 15,
            "123",
            " " * 15,
            "0000",
            "2",
            "0000012",
            "ｼﾔ)ｻｸﾗｶｲ".ljust(30),
            "0000055000",
            "0",
            f"{second.pk:010d}",
            "0000000000",
            "7",
            " ",
            " " * 7,
        ]
    )
    assert text[3] == "8" + "000002" + "000000119000" + " " * 101
    assert text[4] == "9" + " " * 119
    # Half-width katakana are single bytes (JIS X 0201), as 総合振込 files carry them.
    assert "ｶ".encode("cp932") == b"\xb6" and b"\xb6" in records[1]


def test_there_is_nothing_to_pay_without_approved_applications(payer):
    with pytest.raises(ApplicationError) as error:
        payments.zengin_transfer_file([], transfer_date=dt.date(2026, 7, 10), payer=payer)
    assert error.value.code == "payments.nothing_to_pay"


def test_a_past_transfer_date_is_refused(payer, two_approved):
    with pytest.raises(ApplicationError) as error:
        payments.zengin_transfer_file(two_approved, transfer_date=dt.date(2026, 5, 31), payer=payer)
    assert error.value.code == "payments.bad_transfer_date"


def test_without_a_payer_account_the_file_is_refused(settings):
    settings.KAIGO_SUBSIDY_PAYER = {key: "" for key in PAYER}
    with pytest.raises(ApplicationError) as error:
        payments.payer_from_settings()
    assert error.value.code == "payments.payer_not_configured"


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("code", "12345", "KAIGO_SUBSIDY_PAYER_CODE は半角数字10桁です。"),
        ("bank_code", "05", "KAIGO_SUBSIDY_PAYER_BANK_CODE は半角数字4桁です。"),
        (
            "account_type",
            "4",
            "KAIGO_SUBSIDY_PAYER_ACCOUNT_TYPE は 1（普通）、2（当座）、9（その他）のいずれかです。",
        ),
        ("name", "国保中央会", "KAIGO_SUBSIDY_PAYER_NAME は半角カナ・英大文字・数字で入力してください。"),
        ("branch_name", "ｱ" * 16, "KAIGO_SUBSIDY_PAYER_BRANCH_NAME は15文字以内です。"),
    ],
)
def test_a_bad_payer_setting_is_a_system_check_error(settings, key, value, problem):
    settings.KAIGO_SUBSIDY_PAYER = {**PAYER, key: value}
    assert payments.payer_problems(settings.KAIGO_SUBSIDY_PAYER) == [problem]
    with pytest.raises(SystemCheckError) as error:
        call_command("check")
    assert "subsidies.E001" in str(error.value)


def test_an_unset_payer_is_not_a_check_error(settings):
    settings.KAIGO_SUBSIDY_PAYER = {key: "" for key in PAYER}
    call_command("check")  # the payments page explains instead; the CSV needs no payer


def test_the_csv_lists_the_same_payments(two_approved):
    first, second = two_approved
    text = payments.payments_csv(two_approved).decode("utf-8")
    assert text.startswith("\ufeff")
    assert text[1:].split("\r\n") == [
        "申請番号,年度,年度（和暦）,事業所番号,事業所名,都道府県,交付決定日,交付決定日（和暦）,助成額,"
        "金融機関コード,金融機関名,支店コード,支店名,預金種目,口座番号,口座名義",
        f"{first.reference},2026,令和8年度,1370100016,ケアプランセンター神田,東京都,2026-06-01,令和8年6月1日,64000,"
        "0001,ﾐｽﾞﾎ,001,ﾄｳｷﾖｳ,普通,1234567,ｶ)ｹｱﾌﾟﾗﾝｾﾝﾀ-ｶﾝﾀﾞ",
        f"{second.reference},2026,令和8年度,1370100040,グループホームさくら,東京都,2026-06-01,令和8年6月1日,55000,"
        "0009,,123,,当座,0000012,ｼﾔ)ｻｸﾗｶｲ",
        "",
    ]


def test_the_operator_downloads_the_file_and_marks_the_grants_paid(
    login, cast, payer, two_approved, django_capture_on_commit_callbacks
):
    first, second = two_approved
    pat = login(cast["pat"])
    page = pat.get("/subsidies/review/payments/").content.decode()
    assert "交付決定済みで未払いの申請：2 件、合計 119,000 円" in page
    response = pat.post(
        "/subsidies/review/payments/",
        {"action": "file", "transfer_date": "2026-07-10", "format": "zengin", "program_year": ""},
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="subsidy-transfer-20260710.txt"'
    assert len(response.content) == 5 * 122
    response = pat.post(
        "/subsidies/review/payments/",
        {"action": "file", "transfer_date": "2026-07-10", "format": "csv", "program_year": ""},
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = pat.post(
            "/subsidies/review/payments/",
            {"action": "paid", "paid_on": "2026-06-01", "applications": [first.pk]},
        )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (ApplicationStatus.PAID, ApplicationStatus.APPROVED)
    assert [m.to for m in mail.outbox] == [["olive@example.jp"]]


def test_the_page_says_when_the_payer_is_not_configured(login, cast, settings, two_approved):
    settings.KAIGO_SUBSIDY_PAYER = {key: "" for key in PAYER}
    response = login(cast["pat"]).post(
        "/subsidies/review/payments/", {"action": "file", "transfer_date": "2026-07-10", "format": "zengin"}
    )
    assert response.status_code == 200
    assert (
        "振込元口座（KAIGO_SUBSIDY_PAYER_*）が設定されていないか誤っているため" in response.content.decode()
    )


@pytest.mark.parametrize("who", ["olive", "carol", "alice", "oscar"])
def test_the_payment_screen_refuses_others(login, cast, payer, two_approved, who):
    client = login(cast[who])
    assert (
        client.post(
            "/subsidies/review/payments/",
            {"action": "file", "transfer_date": "2026-07-10", "format": "zengin"},
        ).status_code
        == 403
    )
    first, _ = two_approved
    assert (
        client.post(
            "/subsidies/review/payments/",
            {"action": "paid", "paid_on": "2026-06-01", "applications": [first.pk]},
        ).status_code
        == 403
    )
    first.refresh_from_db()
    assert first.status == ApplicationStatus.APPROVED
