"""Inquiries end to end: the form, the ticket number, the e-mails, my-page, the limits and the honeypot."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time

import pytest
import time_machine

from kaigo_portal.public import services
from kaigo_portal.public.forms import form_token
from kaigo_portal.public.models import Inquiry, InquiryMessageKind, InquiryStatus

from .factories import inquiry_data, jst
from .helpers import error_codes, table_rows, text

pytestmark = pytest.mark.django_db

FORM = "/portal/inquiry/"


def submit(client, capture, **overrides):
    with capture(execute=True):
        return client.post(FORM, inquiry_data(**overrides))


@time_machine.travel(jst(2026, 7, 1, 10), tick=False)
def test_the_inquiry_flow_end_to_end_with_its_emails(
    client, cast, mailoutbox, django_capture_on_commit_callbacks, login
):
    # 1. Anyone can ask, without an account: a ticket number on screen and in a mail.
    assert client.get(FORM).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FORM, inquiry_data(body="日立市の利用開始日を教えてください。"))
    assert response.status_code == 302 and response["Location"] == "/portal/inquiry/done/"
    done = text(client.get(response["Location"]))
    assert "受付番号： INQ-2026-000001" in done
    ticket = Inquiry.objects.get()
    assert (ticket.ticket_number, ticket.status, ticket.user) == ("INQ-2026-000001", InquiryStatus.NEW, None)
    assert len(mailoutbox) == 1
    received = mailoutbox[0]
    assert received.to == ["hanako@example.jp"]
    assert "INQ-2026-000001" in received.subject and "INQ-2026-000001" in received.body
    assert "令和8年7月1日（2026年7月1日）" in received.body
    # The confirmation never echoes what the form was given (the form is open to anyone).
    assert "日立市の利用開始日" not in received.body and "山田" not in received.body

    # 2. An operator finds it in the queue, takes it and answers; the answer reaches the asker by mail.
    operator = login(cast["pat"])
    assert [row[0] for row in table_rows(operator.get("/portal/manage/inquiries/").content.decode())] == [
        "INQ-2026-000001"
    ]
    detail = operator.get("/portal/manage/inquiries/INQ-2026-000001/")
    assert "日立市の利用開始日を教えてください。" in text(detail)
    operator.post("/portal/manage/inquiries/INQ-2026-000001/assign/", {"assign-assignee": cast["pat"].pk})
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (cast["pat"], InquiryStatus.IN_PROGRESS)
    operator.post("/portal/manage/inquiries/INQ-2026-000001/note/", {"note-body": "自治体に確認済み"})
    with django_capture_on_commit_callbacks(execute=True):
        response = operator.post(
            "/portal/manage/inquiries/INQ-2026-000001/reply/",
            {"reply-body": "日立市は令和10年3月から利用を開始します。", "reply-status_after": "answered"},
        )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == InquiryStatus.ANSWERED
    assert len(mailoutbox) == 2
    reply = mailoutbox[1]
    assert reply.to == ["hanako@example.jp"]
    assert "INQ-2026-000001" in reply.subject
    assert "日立市は令和10年3月から利用を開始します。" in reply.body
    assert "自治体に確認済み" not in reply.body  # internal notes never leave the queue
    assert ticket.messages.get(kind=InquiryMessageKind.REPLY).emailed_at is not None

    # 3. The operator closes it; a closed ticket takes no more replies until it is reopened.
    operator.post("/portal/manage/inquiries/INQ-2026-000001/status/", {"status-status": "closed"})
    ticket.refresh_from_db()
    assert ticket.status == InquiryStatus.CLOSED
    refused = operator.post(
        "/portal/manage/inquiries/INQ-2026-000001/reply/",
        {"reply-body": "追加です", "reply-status_after": "answered"},
    )
    assert refused.status_code == 400 and "inquiry.closed" in error_codes(refused)
    assert len(mailoutbox) == 2
    events = [m.body for m in ticket.messages.filter(kind=InquiryMessageKind.EVENT)]
    assert events == [
        "担当者をpatさんにしました。",
        "対応状況を「新規」から「対応中」に変更しました。",
        "対応状況を「対応中」から「回答済」に変更しました。",
        "対応状況を「回答済」から「完了」に変更しました。",
    ]


def test_ticket_numbers_count_per_year_in_japan_time(cast):
    def ask(email):
        return services.inquiry_submit(
            category="other", asker_type="other", name="a", email=email, body="b", client_ip="192.0.2.1"
        )

    with time_machine.travel(jst(2026, 12, 31, 23, 59), tick=False):
        assert ask("a@example.jp").ticket_number == "INQ-2026-000001"
        assert ask("b@example.jp").ticket_number == "INQ-2026-000002"
    # 2026-12-31 15:30 UTC is already 2027 in Japan.
    with time_machine.travel(dt.datetime(2026, 12, 31, 15, 30, tzinfo=dt.UTC), tick=False):
        assert ask("c@example.jp").ticket_number == "INQ-2027-000001"


def test_the_confirmation_is_sent_once_even_if_the_task_runs_twice(
    client, mailoutbox, db, django_capture_on_commit_callbacks
):
    submit(client, django_capture_on_commit_callbacks)
    ticket = Inquiry.objects.get()
    assert services.inquiry_send_confirmation(inquiry_id=ticket.pk) is False
    assert len(mailoutbox) == 1


# --- signed-in askers and my-page ------------------------------------------------------------------------


def test_a_signed_in_askers_ticket_is_on_their_my_page_and_replies_go_to_their_account(
    client, cast, mailoutbox, django_capture_on_commit_callbacks, login
):
    person = login(cast["pia"])
    form = person.get(FORM).content.decode()
    assert 'name="email"' not in form and "pia@example.jp" in form
    with django_capture_on_commit_callbacks(execute=True):
        response = person.post(FORM, inquiry_data(email="someone-else@example.jp", name="ピア"))
    assert response.status_code == 302
    ticket = Inquiry.objects.get()
    assert (ticket.user, ticket.email) == (cast["pia"], "pia@example.jp")
    assert mailoutbox[0].to == ["pia@example.jp"]
    assert f"/portal/my/inquiries/{ticket.ticket_number}/" in mailoutbox[0].body

    rows = table_rows(person.get("/portal/my/inquiries/").content.decode())
    assert [(row[0], row[3]) for row in rows] == [(ticket.ticket_number, "新規")]

    services.inquiry_add_note(inquiry=ticket, body="内部の検討メモ", by=cast["pat"])
    with django_capture_on_commit_callbacks(execute=True):
        services.inquiry_reply(inquiry=ticket, body="回答します。", by=cast["pat"])
    mine = text(person.get(f"/portal/my/inquiries/{ticket.ticket_number}/"))
    assert "回答します。" in mine and "回答済" in mine
    assert "内部の検討メモ" not in mine and "対応状況を" not in mine

    # A follow-up joins the thread and puts an answered ticket back in the queue.
    response = person.post(f"/portal/my/inquiries/{ticket.ticket_number}/", {"body": "追加で質問です。"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == InquiryStatus.IN_PROGRESS
    assert "追加で質問です。" in text(person.get(f"/portal/my/inquiries/{ticket.ticket_number}/"))


def test_staff_see_their_own_tickets_from_their_home(client, cast, login):
    staff = login(cast["bob"])
    staff.post(FORM, inquiry_data())
    assert 'href="/portal/my/inquiries/"' in staff.get("/").content.decode()
    assert len(table_rows(staff.get("/portal/my/inquiries/").content.decode())) == 1


def test_nobody_sees_another_persons_ticket(client, cast, login):
    login(cast["pia"]).post(FORM, inquiry_data())
    ticket = Inquiry.objects.get()
    client.logout()
    other = login(cast["bob"])
    assert table_rows(other.get("/portal/my/inquiries/").content.decode()) == []
    assert other.get(f"/portal/my/inquiries/{ticket.ticket_number}/").status_code == 404
    assert other.post(f"/portal/my/inquiries/{ticket.ticket_number}/", {"body": "x"}).status_code == 404


def test_tickets_sent_without_signing_in_are_not_shown_to_an_account_with_the_same_address(
    client, cast, login
):
    client.post(FORM, inquiry_data(email="pia@example.jp"))
    assert Inquiry.objects.get().user is None
    person = login(cast["pia"])
    assert table_rows(person.get("/portal/my/inquiries/").content.decode()) == []


def test_my_inquiries_need_sign_in(client):
    assert client.get("/portal/my/inquiries/")["Location"].startswith("/accounts/login/")


def test_a_closed_ticket_takes_no_follow_up(client, cast, login):
    person = login(cast["pia"])
    person.post(FORM, inquiry_data())
    ticket = Inquiry.objects.get()
    services.inquiry_set_status(inquiry=ticket, status=InquiryStatus.CLOSED, by=cast["pat"])
    response = person.post(f"/portal/my/inquiries/{ticket.ticket_number}/", {"body": "まだ質問が"})
    assert response.status_code == 400 and "inquiry.closed" in error_codes(response)


# --- validation, honeypot and timing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"category": ""}, "お問い合わせの種類を選んでください。"),
        ({"asker_type": "alien"}, "正しく選択してください"),
        ({"body": ""}, "お問い合わせ内容を入力してください。"),
        ({"body": "あ" * 4001}, "お問い合わせ内容は4,000文字以内で入力してください。"),
        ({"name": ""}, "お名前を入力してください。"),
        ({"email": "not-an-address"}, "メールアドレスの形式が正しくありません。"),
        ({"phone": "call me"}, "電話番号は数字とハイフンで入力してください。"),
    ],
)
def test_the_form_explains_each_mistake_in_japanese(client, overrides, field_message, mailoutbox):
    response = client.post(FORM, inquiry_data(**overrides))
    assert response.status_code == 400
    assert field_message in text(response)
    assert 'aria-invalid="true"' in response.content.decode()
    assert Inquiry.objects.count() == 0 and mailoutbox == []


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        (lambda: {"website": "http://spam.example"}, "inquiry.honeypot"),
        (lambda: {"started": form_token()}, "inquiry.too_fast"),  # posted the moment it was shown
        (lambda: {"started": "forged"}, "inquiry.form_invalid"),
        (lambda: {"started": ""}, "inquiry.form_invalid"),
        (lambda: {"started": form_token(time.time() - 25 * 60 * 60)}, "inquiry.form_expired"),
    ],
)
def test_robots_are_refused_without_a_ticket_or_a_mail(client, overrides, code, mailoutbox):
    # The tokens are made when the test runs, not when it is collected.
    response = client.post(FORM, inquiry_data(**overrides()))
    assert response.status_code == 400
    assert error_codes(response) == [code]
    assert Inquiry.objects.count() == 0 and mailoutbox == []


def test_the_honeypot_is_hidden_from_people_and_out_of_the_tab_order(client):
    html = client.get(FORM).content.decode()
    assert '<div class="hp" aria-hidden="true">' in html
    assert 'tabindex="-1"' in html and 'name="website"' in html


def test_after_an_expired_form_the_second_try_succeeds(client, settings):
    settings.KAIGO_INQUIRY_MIN_SECONDS = 0
    response = client.post(FORM, inquiry_data(started="forged"))
    assert error_codes(response) == ["inquiry.form_invalid"]
    fresh = response.context["form"].data["started"]
    assert client.post(FORM, inquiry_data(started=fresh)).status_code == 302


# --- rate limits -----------------------------------------------------------------------------------------


@pytest.fixture
def limits(settings):
    settings.KAIGO_INQUIRY_LIMIT_PER_IP = 3
    settings.KAIGO_INQUIRY_LIMIT_PER_EMAIL = 2
    settings.KAIGO_INQUIRY_LIMIT_WINDOW_SECONDS = 3600
    return settings


@time_machine.travel(jst(2026, 7, 1, 10), tick=False)
def test_one_address_may_send_only_so_many_inquiries_an_hour(
    client, limits, mailoutbox, django_capture_on_commit_callbacks
):
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(FORM, inquiry_data(email=f"p{n}@example.jp"), REMOTE_ADDR="198.51.100.7")
        assert response.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(FORM, inquiry_data(email="p9@example.jp"), REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 429
    assert error_codes(refused) == ["inquiry.rate_limited"]
    assert "0570-000-000" in text(refused)  # the refusal says whom to call instead
    assert Inquiry.objects.count() == 3 and len(mailoutbox) == 3
    # Another client address is not affected.
    assert (
        client.post(FORM, inquiry_data(email="q@example.jp"), REMOTE_ADDR="198.51.100.8").status_code == 302
    )


@time_machine.travel(jst(2026, 7, 1, 10), tick=False)
def test_one_email_address_gets_only_so_many_tickets_from_any_number_of_clients(client, limits):
    for n in range(2):
        assert client.post(FORM, inquiry_data(), REMOTE_ADDR=f"203.0.113.{n}").status_code == 302
    refused = client.post(FORM, inquiry_data(email="HANAKO@example.jp"), REMOTE_ADDR="203.0.113.99")
    assert refused.status_code == 429 and error_codes(refused) == ["inquiry.rate_limited"]
    assert Inquiry.objects.count() == 2


def test_the_limit_lifts_in_the_next_window(client, limits):
    with time_machine.travel(jst(2026, 7, 1, 10, 0), tick=False) as traveller:
        for _ in range(2):
            client.post(FORM, inquiry_data(started=form_token(time.time() - 60)))
        assert client.post(FORM, inquiry_data(started=form_token(time.time() - 60))).status_code == 429
        traveller.shift(dt.timedelta(hours=1))
        assert client.post(FORM, inquiry_data(started=form_token(time.time() - 60))).status_code == 302


@time_machine.travel(jst(2026, 7, 1, 10), tick=False)
def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(client, limits):
    limits.KAIGO_INQUIRY_PROXY_COUNT = 1
    for n in range(3):
        # A client cannot dodge the limit by writing its own X-Forwarded-For entries on the left.
        response = client.post(
            FORM,
            inquiry_data(email=f"x{n}@example.jp"),
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 198.51.100.7",
        )
        assert response.status_code == 302
    refused = client.post(
        FORM, inquiry_data(email="y@example.jp"), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )
    assert refused.status_code == 429


def test_the_limit_settings_are_parsed_strictly(settings):
    django_settings = settings
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={
            "DJANGO_SETTINGS_MODULE": "kaigo_portal.settings",
            "KAIGO_INQUIRY_LIMIT_PER_IP": "ten",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
    )
    assert result.returncode != 0
    assert "KAIGO_INQUIRY_LIMIT_PER_IP must be a whole number" in result.stderr


def test_a_malformed_contact_phone_stops_the_start(settings):
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    settings.KAIGO_CONTACT_PHONE = "call us"
    with pytest.raises(ImproperlyConfigured, match="KAIGO_CONTACT_PHONE"):
        apps.get_app_config("public").ready()
