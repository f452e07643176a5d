"""The office's pages through HTTP: my-page, the application form (save, autosave, receipts, submit),
receipts and who is refused."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from subsidies import services
from subsidies.models import Application, ApplicationStatus

from .factories import GOOD_BANK, GOOD_PURCHASE, draft, jpeg_bytes, pdf_bytes, png_bytes, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def olive(login, cast):
    return login(cast["olive"])


# --- my-page ----------------------------------------------------------------------------------------------


def test_mypage_shows_the_office_its_service_types_and_the_years(olive, orgs, frozen, fy2026):
    response = olive.get("/subsidies/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "ケアプランセンター神田" in body and "1370100016" in body and "東京都" in body
    assert "居宅介護支援" in body and "訪問・通所・短期滞在系" in body and "64,000 円" in body
    assert "令和8年度の申請を始める" in body
    assert "令和8年5月7日（2026年5月7日） 〜 令和9年3月12日（2027年3月12日）" in body
    assert "令和7年度" not in body  # closed and never applied for


def test_mypage_says_why_an_office_already_granted_cannot_apply(olive, orgs, cast, fy2025, fy2026):
    import time_machine

    from .factories import JST, approved

    with time_machine.travel(__import__("datetime").datetime(2025, 11, 4, 10, tzinfo=JST), tick=False):
        approved(orgs["kyotaku"], cast["olive"], cast["pat"], fy2025)
    with time_machine.travel(__import__("datetime").datetime(2026, 6, 1, 10, tzinfo=JST), tick=False):
        body = olive.get("/subsidies/").content.decode()
    assert "令和7年度に交付を受けています。申請は1回限りです" in body
    assert "令和8年度の申請を始める" not in body


@pytest.mark.parametrize("who", ["carol", "alice", "bob", "pat", "dan"])
def test_mypage_refuses_everyone_but_office_admins(login, cast, who):
    assert login(cast[who]).get("/subsidies/").status_code == 403


def test_mypage_refuses_the_person_and_the_anonymous(client, login, cast):
    assert client.get("/subsidies/").status_code == 302
    assert login(cast["pia"]).get("/subsidies/").status_code == 403


def test_home_links_the_mypage_for_office_admins_and_the_queue_for_operators(login, cast):
    assert "/subsidies/" in login(cast["olive"]).get("/").content.decode()
    home = login(cast["pat"]).get("/").content.decode()
    assert "/subsidies/review/" in home
    assert "/subsidies/" not in login(cast["carol"]).get("/").content.decode()


# --- starting and filling in ------------------------------------------------------------------------------


def test_starting_creates_a_draft_and_opens_it(olive, orgs, frozen, fy2026):
    assert olive.get("/subsidies/years/2026/start/").status_code == 405
    response = olive.post("/subsidies/years/2026/start/")
    application = Application.objects.get(office=orgs["kyotaku"])
    assert response.status_code == 302
    assert response["Location"] == f"/subsidies/applications/{application.pk}/"
    assert application.status == ApplicationStatus.DRAFT
    again = olive.post("/subsidies/years/2026/start/", follow=True)
    assert "この事業所の令和8年度の申請は既にあります" in again.content.decode()


@pytest.mark.parametrize("who", ["carol", "alice", "oscar", "pat"])
def test_starting_is_refused_to_others(login, cast, orgs, frozen, fy2026, who):
    response = login(cast[who]).post("/subsidies/years/2026/start/")
    assert response.status_code in (302, 403)
    assert not Application.objects.filter(office=orgs["kyotaku"]).exists()


def test_the_form_shows_the_live_calculation_and_what_is_missing(olive, orgs, cast, frozen, fy2026):
    application = services.application_create(office=orgs["kyotaku"], program_year=fy2026, by=cast["olive"])
    body = olive.get(f"/subsidies/applications/{application.pk}/").content.decode()
    assert f'data-autosave-url="/subsidies/applications/{application.pk}/autosave/"' in body
    assert '<span data-calc="limit_amount">64,000</span>' in body
    assert "領収書を1つ以上登録してください。" in body
    assert 'name="action" value="submit"' in body


def test_save_without_javascript_stores_the_draft(olive, orgs, cast, frozen, fy2026):
    application = services.application_create(office=orgs["kyotaku"], program_year=fy2026, by=cast["olive"])
    response = olive.post(
        f"/subsidies/applications/{application.pk}/", {**GOOD_PURCHASE, **GOOD_BANK, "action": "save"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert (
        application.readers_count,
        application.reader_unit_price,
        application.connection_support_cost,
    ) == (
        2,
        25_000,
        20_000,
    )
    assert application.account_holder == GOOD_BANK["account_holder"]
    page = olive.get(response["Location"]).content.decode()
    assert "下書きを保存しました。" in page
    assert '<span data-calc="grant_amount">64,000</span>' in page  # 2 × 25,000 + 20,000 = 70,000 > 64,000


def test_a_bad_value_is_shown_and_the_rest_is_kept(olive, orgs, cast, frozen, fy2026):
    application = services.application_create(office=orgs["kyotaku"], program_year=fy2026, by=cast["olive"])
    response = olive.post(
        f"/subsidies/applications/{application.pk}/",
        {**GOOD_PURCHASE, **GOOD_BANK, "bank_code": "12", "action": "save"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "金融機関コードは半角数字4桁で入力してください。" in body
    application.refresh_from_db()
    assert (application.bank_code, application.readers_count) == ("12", 2)


def test_autosave_returns_the_calculation_and_the_errors(olive, orgs, cast, frozen, fy2026):
    application = services.application_create(office=orgs["kyotaku"], program_year=fy2026, by=cast["olive"])
    response = olive.post(
        f"/subsidies/applications/{application.pk}/autosave/",
        {
            "readers_count": "5",
            "reader_unit_price": "２５，０００",
            "connection_support_cost": "",
            "bank_code": "0001",
            "branch_code": "1",
            "account_holder": "けあぷらん",
        },
    )
    assert response.status_code == 200
    assert response.json() == {
        "saved_at": "2026-06-01T10:00:00+09:00",
        "saved_at_text": "10:00:00",
        "errors": {"branch_code": ["支店コードは半角数字3桁で入力してください。"]},
        "calculation": {
            "reader_cap": 3,
            "limit_amount": 64000,
            "readers_count": 5,
            "readers_counted": 3,
            "reader_unit_price": 25000,
            "connection_support_cost": 0,
            "eligible_cost": 75000,
            "grant_amount": 64000,
            "limit_unit": "service_type",
            "lines": [
                {
                    "service_code": "43",
                    "service_name": "居宅介護支援",
                    "category": "訪問・通所・短期滞在系",
                    "reader_cap": 3,
                    "limit_amount": 64000,
                    "counted": True,
                }
            ],
            "unmapped_codes": [],
            "readers_over_cap": 2,
        },
        "missing": [
            "接続サポート等経費を入力してください（ない場合は 0）。",
            "支店コードは半角数字3桁で入力してください。",
            "預金種目を入力してください。",
            "口座番号を入力してください。",
            "領収書を1つ以上登録してください。",
        ],
        "normalized": {
            "bank_code": "0001",
            "bank_name": "",
            "branch_code": "1",
            "branch_name": "",
            "account_type": "",
            "account_number": "",
            "account_holder": "ｹｱﾌﾟﾗﾝ",
        },
    }


def test_autosave_refuses_others_and_a_submitted_application(login, olive, orgs, cast, frozen, fy2026):
    application = draft(orgs["kyotaku"], cast["olive"], fy2026)
    url = f"/subsidies/applications/{application.pk}/autosave/"
    assert login(cast["oscar"]).post(url, {"readers_count": "1"}).status_code == 404
    assert login(cast["carol"]).post(url, {"readers_count": "1"}).status_code == 403
    assert login(cast["alice"]).post(url, {"readers_count": "1"}).status_code == 403
    assert login(cast["pat"]).post(url, {"readers_count": "1"}).status_code == 403
    assert login(cast["olive"]).get(url).status_code == 405
    services.application_submit(application=application, by=cast["olive"])
    response = login(cast["olive"]).post(url, {"readers_count": "1"})
    assert response.status_code == 409
    assert response.json() == {
        "error": {
            "code": "application.invalid_transition",
            "message": "この申請は現在「申請済み」のため、変更はできません。",
            "fields": {},
        }
    }
    application.refresh_from_db()
    assert application.readers_count == 2


# --- receipts ------------------------------------------------------------------------------------------------


def upload(client, application, name, content, **extra):
    return client.post(
        f"/subsidies/applications/{application.pk}/",
        {"action": "upload", "receipt": SimpleUploadedFile(name, content), **extra},
    )


@pytest.mark.parametrize(
    ("name", "content"), [("領収書.pdf", pdf_bytes()), ("photo.jpg", jpeg_bytes()), ("scan.png", png_bytes())]
)
def test_receipts_are_uploaded(olive, orgs, cast, frozen, fy2026, name, content):
    application = draft(orgs["kyotaku"], cast["olive"], fy2026, receipt=False)
    response = upload(olive, application, name, content)
    assert response.status_code == 302
    receipt = application.receipts.get()
    assert receipt.original_name == name
    assert receipt.file.read() == content


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "receipt.pdf",
            b"MZ\x90\x00program",
            "ファイルの中身が PDF・JPEG・PNG として読めません（壊れているか、別の形式です）。",
        ),
        (
            "receipt.png",
            jpeg_bytes(),
            "ファイル名は PNG ですが、中身は JPEG です。正しいファイルを選んでください。",
        ),
        ("receipt.docx", b"PK\x03\x04", "領収書は PDF、JPEG、PNG のいずれかで登録してください。"),
    ],
)
def test_receipts_that_are_not_what_they_claim_are_refused(
    olive, orgs, cast, frozen, fy2026, name, content, message
):
    application = draft(orgs["kyotaku"], cast["olive"], fy2026, receipt=False)
    response = upload(olive, application, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not application.receipts.exists()


def test_too_big_a_receipt_is_refused_before_it_is_read(olive, orgs, cast, frozen, fy2026, settings):
    settings.KAIGO_SUBSIDY_RECEIPT_MAX_BYTES = 4096
    application = draft(orgs["kyotaku"], cast["olive"], fy2026, receipt=False)
    response = upload(olive, application, "big.pdf", b"%PDF-1.4\n" + b"0" * 5000 + b"\n%%EOF\n")
    assert "ファイルが大きすぎます（上限 4 KB）" in response.content.decode()
    assert not application.receipts.exists()


def test_a_receipt_is_deleted_from_the_form(olive, orgs, cast, frozen, fy2026):
    application = draft(orgs["kyotaku"], cast["olive"], fy2026)
    receipt = application.receipts.get()
    response = olive.post(
        f"/subsidies/applications/{application.pk}/", {"action": f"delete-receipt-{receipt.pk}"}
    )
    assert response.status_code == 302
    assert not application.receipts.exists()


def test_receipts_are_served_only_to_the_office_and_operators(login, orgs, cast, frozen, fy2026):
    application = draft(orgs["kyotaku"], cast["olive"], fy2026)
    receipt = application.receipts.get()
    url = f"/subsidies/receipts/{receipt.pk}/"
    response = login(cast["olive"]).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert login(cast["pat"]).get(url).status_code == 404  # a draft is the office's own business
    for who in ("oscar", "carol", "bob", "alice", "pia"):
        assert login(cast[who]).get(url).status_code == 404, who
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.SUBMITTED)
    assert login(cast["pat"]).get(url).status_code == 200  # submitted: the operator reviews it


# --- submitting ------------------------------------------------------------------------------------------------


def test_submitting_from_the_form(olive, orgs, cast, frozen, fy2026, django_capture_on_commit_callbacks):
    application = draft(orgs["kyotaku"], cast["olive"], fy2026)
    url = f"/subsidies/applications/{application.pk}/"
    asked = olive.post(url, {**GOOD_PURCHASE, **GOOD_BANK, "action": "submit"})
    assert "補助金を申請しますか" in asked.content.decode() and "64,000円" in asked.content.decode()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT and not mail.outbox  # not without the answer
    with django_capture_on_commit_callbacks(execute=True):
        response = olive.post(url, {**GOOD_PURCHASE, **GOOD_BANK, "action": "submit", "confirmed": "1"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.grant_amount) == (ApplicationStatus.SUBMITTED, 64_000)
    assert [m.subject for m in mail.outbox] == [
        "【介護情報基盤ポータル】令和8年度 助成金の申請を受け付けました"
    ]
    page = olive.get(response["Location"]).content.decode()
    assert "申請しました。" in page
    assert "状態：<strong>申請済み</strong>" in page
    assert 'name="action"' not in page  # no more form
    assert f"/subsidies/applications/{application.pk}/application.pdf" in page


def test_an_incomplete_submission_lists_what_is_missing(olive, orgs, cast, frozen, fy2026):
    application = draft(orgs["kyotaku"], cast["olive"], fy2026, receipt=False)
    response = olive.post(
        f"/subsidies/applications/{application.pk}/", {**GOOD_PURCHASE, **GOOD_BANK, "action": "submit"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "申請内容に不足または誤りがあります。" in body
    assert "領収書を1つ以上登録してください。" in body
    application.refresh_from_db()
    assert application.status == ApplicationStatus.DRAFT


def test_another_offices_application_is_not_found(login, orgs, cast, frozen, fy2026):
    application = submitted(orgs["kyotaku"], cast["olive"], fy2026)
    oscar = login(cast["oscar"])
    for url in (
        f"/subsidies/applications/{application.pk}/",
        f"/subsidies/applications/{application.pk}/application.pdf",
    ):
        assert oscar.get(url).status_code == 404
    response = oscar.post(f"/subsidies/applications/{application.pk}/", {"action": "submit"})
    assert response.status_code == 404
    for who in ("carol", "alice", "bob"):
        assert login(cast[who]).get(f"/subsidies/applications/{application.pk}/").status_code == 403


def test_the_office_sees_the_status_and_history_after_a_return(login, orgs, cast, frozen, fy2026):
    application = submitted(orgs["kyotaku"], cast["olive"], fy2026)
    services.application_start_review(application=application, by=cast["pat"])
    services.application_return(
        application=application, by=cast["pat"], reason="領収書の宛名を確認してください。"
    )
    body = login(cast["olive"]).get(f"/subsidies/applications/{application.pk}/").content.decode()
    assert "差し戻されました" in body and "領収書の宛名を確認してください。" in body
    assert "修正して再申請する" in body
    assert "審査中 → 差戻し" in body
    assert "運営事務局" in body and "pat" not in body  # the operator's staff are not named to the office
