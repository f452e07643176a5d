"""The workflow services: windows, one application per year and 1回限り, every transition and who may
make it, the history rows and the e-mails."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.db import transaction

from kaigo_portal.errors import ApplicationError
from subsidies import services
from subsidies.models import Application, ApplicationStatus, StatusChange
from subsidies.tasks import send_status_email

from .factories import GOOD_BANK, JST, approved, draft, submitted, under_review

pytestmark = pytest.mark.django_db

S = ApplicationStatus


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


# --- windows ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        at(2026, 5, 7, 0, 0),  # the first day, at midnight in Japan
        at(2026, 8, 20, 12, 0),
        at(2027, 3, 12, 23, 59, 59),  # the last day, to its last second
    ],
)
def test_submission_inside_the_window_is_accepted(orgs, cast, fy2026, moment):
    with time_machine.travel(at(2026, 5, 1, 9, 0), tick=False):
        application = draft(orgs["kyotaku"], cast["olive"], fy2026)  # a draft may be prepared early
    with time_machine.travel(moment, tick=False):
        application = services.application_submit(application=application, by=cast["olive"])
    assert application.status == S.SUBMITTED
    assert application.submitted_at == moment


@pytest.mark.parametrize(
    "moment",
    [
        at(2026, 5, 6, 23, 59, 59),  # the day before the window
        at(2027, 3, 13, 0, 0),  # the day after
        at(2027, 3, 13, 0, 30),  # still 2027-03-12 in UTC: the window is in Japan time
    ],
)
def test_submission_outside_the_window_is_refused_with_the_dates(orgs, cast, fy2026, moment):
    with time_machine.travel(at(2026, 5, 1, 9, 0), tick=False):
        application = draft(orgs["kyotaku"], cast["olive"], fy2026)
    with time_machine.travel(moment, tick=False), pytest.raises(ApplicationError) as error:
        services.application_submit(application=application, by=cast["olive"])
    assert error.value.code == "application.outside_window"
    assert error.value.message == (
        "申請受付期間外のため申請できません。令和8年度の申請受付期間は令和8年5月7日（2026年5月7日）から"
        "令和9年3月12日（2027年3月12日）までです。"
    )
    assert Application.objects.get(pk=application.pk).status == S.DRAFT


def test_no_draft_after_the_window_has_closed(orgs, cast, fy2025):
    with time_machine.travel(at(2026, 3, 14, 9, 0), tick=False), pytest.raises(ApplicationError) as error:
        services.application_create(office=orgs["kyotaku"], program_year=fy2025, by=cast["olive"])
    assert error.value.code == "application.window_closed"
    assert "令和8年3月13日（2026年3月13日）" in error.value.message


def test_a_returned_application_may_be_resubmitted_after_the_window(orgs, cast, fy2026):
    with time_machine.travel(at(2027, 3, 10, 9, 0), tick=False):
        application = under_review(orgs["kyotaku"], cast["olive"], cast["pat"], fy2026)
        services.application_return(
            application=application, by=cast["pat"], reason="領収書の宛名が違います。"
        )
    with time_machine.travel(at(2027, 3, 20, 9, 0), tick=False):
        application = services.application_submit(application=application, by=cast["olive"])
    assert application.status == S.SUBMITTED
    assert application.first_submitted_at == at(2027, 3, 10, 9, 0)
    assert application.history.last().reason == "再申請"


# --- one application per year, and 1回限り ----------------------------------------------------------------


def test_one_application_per_office_and_year(orgs, cast, fy2026, frozen):
    services.application_create(office=orgs["kyotaku"], program_year=fy2026, by=cast["olive"])
    with pytest.raises(ApplicationError) as error:
        services.application_create(office=orgs["kyotaku"], program_year=fy2026, by=cast["olive"])
    assert error.value.code == "application.exists"
    assert error.value.status == 409
    assert Application.objects.filter(office=orgs["kyotaku"]).count() == 1
    # Another office applies for the same year on its own.
    services.application_create(office=orgs["kyotaku2"], program_year=fy2026, by=cast["oscar"])


def _granted_in_fy2025(orgs, cast, fy2025):
    with time_machine.travel(at(2025, 11, 4, 10, 0), tick=False):
        return approved(orgs["kyotaku"], cast["olive"], cast["pat"], fy2025)


def test_an_office_granted_in_an_earlier_year_cannot_apply_again(orgs, cast, fy2025, fy2026):
    _granted_in_fy2025(orgs, cast, fy2025)
    with time_machine.travel(at(2026, 6, 1, 10, 0), tick=False), pytest.raises(ApplicationError) as error:
        services.application_create(office=orgs["kyotaku"], program_year=fy2026, by=cast["olive"])
    assert error.value.code == "application.already_granted"
    assert error.value.message == (
        "この事業所は令和7年度に助成金の交付を受けています。助成金の申請は1回限りのため、申請できません。"
    )


def test_the_rule_is_checked_again_on_submission_and_approval(orgs, cast, fy2025, fy2026):
    with time_machine.travel(at(2025, 11, 4, 10, 0), tick=False):
        earlier = under_review(orgs["kyotaku"], cast["olive"], cast["pat"], fy2025)
    with time_machine.travel(at(2026, 6, 1, 10, 0), tick=False):
        later = draft(orgs["kyotaku"], cast["olive"], fy2026)  # not granted yet: a draft is allowed
        services.application_approve(application=earlier, by=cast["pat"])
        with pytest.raises(ApplicationError) as error:
            services.application_submit(application=later, by=cast["olive"])
    assert error.value.code == "application.already_granted"


def test_a_year_whose_data_allows_it_accepts_a_second_grant(orgs, cast, fy2025, fy2026):
    _granted_in_fy2025(orgs, cast, fy2025)
    fy2026.allow_reapply_after_grant = True
    fy2026.save(update_fields=["allow_reapply_after_grant"])
    with time_machine.travel(at(2026, 6, 1, 10, 0), tick=False):
        application = submitted(orgs["kyotaku"], cast["olive"], fy2026)
    assert application.status == S.SUBMITTED


def test_only_offices_with_an_office_number_apply(orgs, cast, fy2026, frozen):
    from conftest import make_user
    from kaigo_portal.accounts.models import Role

    clinic_admin = make_user("clinic.admin@example.jp", org=orgs["clinic"], role=Role.OFFICE_ADMIN)
    with pytest.raises(ApplicationError) as error:
        services.application_create(office=orgs["clinic"], program_year=fy2026, by=clinic_admin)
    assert error.value.code == "application.not_an_office"


def test_a_minashi_clinic_with_an_office_number_applies(orgs, cast, fy2026, frozen):
    from conftest import make_user
    from kaigo_portal import numbers
    from kaigo_portal.accounts.models import OfficeService, Role

    clinic = orgs["clinic"]
    first9 = "131010123"  # position 3 is 1: a みなし指定 number of a 医科 institution
    clinic.office_number = first9 + str(numbers.office_check_digit(first9))
    clinic.save(update_fields=["office_number"])
    OfficeService.objects.create(organisation=clinic, code="13")  # 訪問看護
    admin = make_user("minashi.admin@example.jp", org=clinic, role=Role.OFFICE_ADMIN)
    application = submitted(clinic, admin, fy2026)
    assert (application.limit_amount, application.grant_amount) == (64_000, 64_000)


# --- drafts and submission --------------------------------------------------------------------------------


def test_a_draft_keeps_what_was_typed_and_reports_what_is_wrong(orgs, cast, fy2026, frozen):
    application = services.application_create(office=orgs["kyotaku"], program_year=fy2026, by=cast["olive"])
    result = services.application_save_draft(
        application=application,
        by=cast["olive"],
        data={
            "readers_count": "２台",
            "reader_unit_price": "¥25,000",
            "connection_support_cost": "abc",
            "bank_code": "12",
            "account_holder": "かぶしきがいしゃ　けあ",
            "account_type": "7",
        },
    )
    application.refresh_from_db()
    assert (application.readers_count, application.reader_unit_price) == (2, 25_000)
    assert application.connection_support_cost is None
    assert application.bank_code == "12"  # kept, to be fixed before submission
    assert application.account_holder == "ｶﾌﾞｼｷｶﾞｲｼﾔ ｹｱ"
    assert application.account_type == ""
    assert result.errors == {
        "connection_support_cost": ["接続サポート等経費は数字で入力してください。"],
        "bank_code": ["金融機関コードは半角数字4桁で入力してください。"],
        "account_type": ["預金種目は普通・当座・貯蓄から選んでください。"],
    }


def test_the_office_name_in_kana_prefills_the_account_holder(orgs, cast, fy2026, frozen):
    office = orgs["kyotaku"]
    office.name_kana = "ケアプランセンターカンダ"
    office.save(update_fields=["name_kana"])
    application = services.application_create(office=office, program_year=fy2026, by=cast["olive"])
    assert application.account_holder == "ｹｱﾌﾟﾗﾝｾﾝﾀ-ｶﾝﾀﾞ"


def test_an_incomplete_application_is_refused_with_every_missing_item(orgs, cast, fy2026, frozen):
    application = services.application_create(office=orgs["kyotaku"], program_year=fy2026, by=cast["olive"])
    with pytest.raises(ApplicationError) as error:
        services.application_submit(application=application, by=cast["olive"])
    assert error.value.code == "application.incomplete"
    assert error.value.fields == {
        "readers_count": ["カードリーダー購入台数を入力してください（ない場合は 0）。"],
        "reader_unit_price": ["カードリーダー単価を入力してください（ない場合は 0）。"],
        "connection_support_cost": ["接続サポート等経費を入力してください（ない場合は 0）。"],
        "bank_code": ["金融機関コードを入力してください。"],
        "branch_code": ["支店コードを入力してください。"],
        "account_type": ["預金種目を入力してください。"],
        "account_number": ["口座番号を入力してください。"],
        "account_holder": ["口座名義を入力してください。"],
        "receipt": ["領収書を1つ以上登録してください。"],
    }


def test_submission_fixes_the_calculation_of_the_same_service(orgs, cast, fy2026, frozen):
    office = orgs["homon"]
    from conftest import make_user
    from kaigo_portal.accounts.models import OfficeService, Role

    OfficeService.objects.create(organisation=office, code="15")  # 訪問介護 + 通所介護
    admin = make_user("homon.admin@example.jp", org=office, role=Role.OFFICE_ADMIN)
    application = submitted(
        office,
        admin,
        fy2026,
        purchase={"readers_count": "8", "reader_unit_price": "22000", "connection_support_cost": "30000"},
        bank=GOOD_BANK,
    )
    assert application.service_codes == ["11", "15"]
    assert (application.reader_cap, application.limit_amount) == (6, 128_000)
    assert (application.eligible_cost, application.grant_amount) == (162_000, 128_000)
    assert application.calculation["readers_over_cap"] == 2
    assert application.calculation == services.application_calculation(application).as_dict()


def test_a_submitted_application_cannot_be_changed(orgs, cast, fy2026, frozen):
    application = submitted(orgs["kyotaku"], cast["olive"], fy2026)
    with pytest.raises(ApplicationError) as error:
        services.application_save_draft(
            application=application, by=cast["olive"], data={"readers_count": "3"}
        )
    assert error.value.code == "application.invalid_transition"
    receipt = application.receipts.get()
    with pytest.raises(ApplicationError):
        services.receipt_remove(receipt=receipt, by=cast["olive"])
    assert application.receipts.count() == 1


def test_receipts_are_limited_in_number(orgs, cast, fy2026, frozen, settings):
    from .factories import png_bytes

    settings.KAIGO_SUBSIDY_RECEIPTS_MAX_COUNT = 2
    application = draft(orgs["kyotaku"], cast["olive"], fy2026)
    services.receipt_add(application=application, by=cast["olive"], name="b.png", content=png_bytes())
    with pytest.raises(ApplicationError) as error:
        services.receipt_add(application=application, by=cast["olive"], name="c.png", content=png_bytes())
    assert error.value.code == "receipt.too_many"
    assert application.receipts.count() == 2


def test_a_removed_receipt_leaves_no_file_behind(
    orgs, cast, fy2026, frozen, django_capture_on_commit_callbacks
):
    application = draft(orgs["kyotaku"], cast["olive"], fy2026)
    receipt = application.receipts.get()
    storage, name = receipt.file.storage, receipt.file.name
    assert storage.exists(name)
    assert name.startswith("subsidies/receipts/") and name.endswith(".pdf") and "receipt" not in name[19:]
    with django_capture_on_commit_callbacks(execute=True):
        services.receipt_remove(receipt=receipt, by=cast["olive"])
    assert not storage.exists(name)


# --- transitions and who may make them ---------------------------------------------------------------------


def test_the_whole_workflow_writes_one_history_row_per_step(orgs, cast, fy2026, frozen):
    olive, pat = cast["olive"], cast["pat"]
    application = under_review(orgs["kyotaku"], olive, pat, fy2026)
    services.application_return(application=application, by=pat, reason="領収書が読めません。")
    services.application_submit(application=application, by=olive)
    services.application_start_review(application=application, by=pat)
    services.application_approve(application=application, by=pat, note="確認済み")
    application = services.application_mark_paid(application=application, by=pat, paid_on=dt.date(2026, 6, 1))
    rows = list(application.history.values_list("from_status", "to_status", "by__email", "reason"))
    assert rows == [
        ("", S.DRAFT, "olive@example.jp", ""),
        (S.DRAFT, S.SUBMITTED, "olive@example.jp", ""),
        (S.SUBMITTED, S.UNDER_REVIEW, "pat@example.jp", ""),
        (S.UNDER_REVIEW, S.RETURNED, "pat@example.jp", "領収書が読めません。"),
        (S.RETURNED, S.SUBMITTED, "olive@example.jp", "再申請"),
        (S.SUBMITTED, S.UNDER_REVIEW, "pat@example.jp", ""),
        (S.UNDER_REVIEW, S.APPROVED, "pat@example.jp", "確認済み"),
        (S.APPROVED, S.PAID, "pat@example.jp", "支払日 2026-06-01"),
    ]
    assert all(change.at == frozen_now() for change in application.history.all())
    assert application.paid_on == dt.date(2026, 6, 1)


def frozen_now() -> dt.datetime:
    return at(2026, 6, 1, 10, 0)


@pytest.mark.parametrize(
    ("status_builder", "step"),
    [
        ("draft", "start"),
        ("draft", "approve"),
        ("submitted", "approve"),
        ("submitted", "return"),
        ("submitted", "paid"),
        ("under_review", "paid"),
        ("under_review", "start"),
        ("approved", "return"),
        ("approved", "approve"),
    ],
)
def test_steps_out_of_order_are_refused(orgs, cast, fy2026, frozen, status_builder, step):
    olive, pat = cast["olive"], cast["pat"]
    office = orgs["kyotaku"]
    application = {
        "draft": lambda: draft(office, olive, fy2026),
        "submitted": lambda: submitted(office, olive, fy2026),
        "under_review": lambda: under_review(office, olive, pat, fy2026),
        "approved": lambda: approved(office, olive, pat, fy2026),
    }[status_builder]()
    call = {
        "start": lambda: services.application_start_review(application=application, by=pat),
        "approve": lambda: services.application_approve(application=application, by=pat),
        "return": lambda: services.application_return(application=application, by=pat, reason="理由"),
        "paid": lambda: services.application_mark_paid(
            application=application, by=pat, paid_on=dt.date(2026, 6, 1)
        ),
    }[step]
    with pytest.raises(ApplicationError) as error:
        call()
    assert error.value.code == "application.invalid_transition"
    assert Application.objects.get(pk=application.pk).status == status_builder


REFUSED_FOR_OFFICE_STEPS = ["carol", "alice", "oscar", "bob", "pat"]


@pytest.mark.parametrize("who", REFUSED_FOR_OFFICE_STEPS)
def test_only_the_offices_admin_makes_and_submits_its_application(orgs, cast, fy2026, frozen, who):
    user = cast[who]
    with pytest.raises(PermissionDenied):
        services.application_create(office=orgs["kyotaku"], program_year=fy2026, by=user)
    application = draft(orgs["kyotaku"], cast["olive"], fy2026)
    with pytest.raises(PermissionDenied):
        services.application_save_draft(application=application, by=user, data={"readers_count": "1"})
    with pytest.raises(PermissionDenied):
        services.receipt_remove(receipt=application.receipts.get(), by=user)
    with pytest.raises(PermissionDenied):
        services.application_submit(application=application, by=user)
    assert Application.objects.get(pk=application.pk).status == S.DRAFT


@pytest.mark.parametrize("who", ["olive", "oscar", "carol", "alice", "bob"])
def test_only_platform_operators_review(orgs, cast, fy2026, frozen, who):
    user = cast[who]
    application = submitted(orgs["kyotaku"], cast["olive"], fy2026)
    with pytest.raises(PermissionDenied):
        services.application_start_review(application=application, by=user)
    services.application_start_review(application=application, by=cast["pat"])
    for call in (
        lambda: services.application_return(application=application, by=user, reason="x"),
        lambda: services.application_approve(application=application, by=user),
    ):
        with pytest.raises(PermissionDenied):
            call()
    services.application_approve(application=application, by=cast["pat"])
    with pytest.raises(PermissionDenied):
        services.application_mark_paid(application=application, by=user, paid_on=dt.date(2026, 6, 1))
    assert Application.objects.get(pk=application.pk).status == S.APPROVED


def test_a_return_needs_a_reason(orgs, cast, fy2026, frozen):
    application = under_review(orgs["kyotaku"], cast["olive"], cast["pat"], fy2026)
    with pytest.raises(ApplicationError) as error:
        services.application_return(application=application, by=cast["pat"], reason="  ")
    assert error.value.code == "application.reason_required"


@pytest.mark.parametrize("paid_on", [dt.date(2026, 5, 31), dt.date(2026, 6, 2)])
def test_the_payment_date_is_between_the_decision_and_today(orgs, cast, fy2026, frozen, paid_on):
    application = approved(orgs["kyotaku"], cast["olive"], cast["pat"], fy2026)
    with pytest.raises(ApplicationError) as error:
        services.application_mark_paid(application=application, by=cast["pat"], paid_on=paid_on)
    assert error.value.code == "application.bad_paid_on"


# --- e-mails ------------------------------------------------------------------------------------------------


def test_the_office_gets_an_email_at_each_step(
    orgs, cast, fy2026, frozen, django_capture_on_commit_callbacks
):
    from conftest import make_user
    from kaigo_portal.accounts.models import Role

    make_user("olga@example.jp", org=orgs["kyotaku"], role=Role.OFFICE_ADMIN)  # a second admin
    olive, pat = cast["olive"], cast["pat"]
    with django_capture_on_commit_callbacks(execute=True):
        application = draft(orgs["kyotaku"], olive, fy2026)
    assert mail.outbox == []  # starting a draft is not news to the office

    steps = [
        (
            lambda: services.application_submit(application=application, by=olive),
            "助成金の申請を受け付けました",
            "助成額（申請時の計算）：64,000 円",
        ),
        (
            lambda: services.application_start_review(application=application, by=pat),
            "助成金申請の審査を開始しました",
            "審査を始めました",
        ),
        (
            lambda: services.application_return(
                application=application, by=pat, reason="領収書の日付が読めません。"
            ),
            "助成金申請が差し戻されました。修正して再申請してください",
            "領収書の日付が読めません。",
        ),
        (
            lambda: services.application_submit(application=application, by=olive),
            "助成金の申請を受け付けました",
            "申請を受け付けました",
        ),
        (
            lambda: services.application_start_review(application=application, by=pat),
            "助成金申請の審査を開始しました",
            "審査中は申請内容を変更できません",
        ),
        (
            lambda: services.application_approve(application=application, by=pat),
            "助成金の交付が決定しました",
            "交付決定額：64,000 円",
        ),
        (
            lambda: services.application_mark_paid(
                application=application, by=pat, paid_on=dt.date(2026, 6, 1)
            ),
            "助成金をお支払いしました",
            "令和8年6月1日（2026年6月1日）",
        ),
    ]
    for call, subject, text in steps:
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            call()
        assert sorted(message.to[0] for message in mail.outbox) == ["olga@example.jp", "olive@example.jp"]
        assert all(len(message.to) == 1 for message in mail.outbox)
        message = mail.outbox[0]
        assert message.subject == f"【介護情報基盤ポータル】令和8年度 {subject}"
        assert text in message.body
        assert f"申請番号：{application.reference}" in message.body
        assert f"https://portal.example.jp/subsidies/applications/{application.pk}/" in message.body
    assert (
        not StatusChange.objects.filter(application=application, notified_at__isnull=True)
        .exclude(to_status=S.DRAFT)
        .exists()
    )


def test_the_email_task_is_safe_to_run_twice(orgs, cast, fy2026, frozen, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        application = submitted(orgs["kyotaku"], cast["olive"], fy2026)
    assert len(mail.outbox) == 1
    change = application.history.get(to_status=S.SUBMITTED)
    send_status_email(change.pk)
    assert len(mail.outbox) == 1


def test_no_email_is_sent_when_the_transaction_rolls_back(
    orgs, cast, fy2026, frozen, django_capture_on_commit_callbacks
):
    application = submitted(orgs["kyotaku"], cast["olive"], fy2026, bank=GOOD_BANK)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.application_start_review(application=application, by=cast["pat"])  # succeeds …
        raise RuntimeError("… but a later step of the same transaction fails")
    assert mail.outbox == []
    application.refresh_from_db()
    assert application.status == "submitted"


def test_connection_support_alone_is_eligible(orgs, cast, fy2026, frozen):
    application = submitted(
        orgs["kyotaku"],
        cast["olive"],
        fy2026,
        purchase={"readers_count": "0", "reader_unit_price": "0", "connection_support_cost": "33000"},
        bank=GOOD_BANK,
    )
    assert (application.eligible_cost, application.grant_amount) == (33_000, 33_000)
