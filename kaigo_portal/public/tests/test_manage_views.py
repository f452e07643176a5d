"""The operators' screens: only platform operators get in; news, FAQ and the inquiry queue work."""

from __future__ import annotations

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client

from kaigo_portal.errors import ApplicationError
from kaigo_portal.public import services
from kaigo_portal.public.models import FaqEntry, Inquiry, InquiryStatus, NewsItem

from . import factories
from .factories import jst
from .helpers import error_codes, table_rows, text

pytestmark = pytest.mark.django_db


def ask(email="hanako@example.jp", ip="192.0.2.1", **extra) -> Inquiry:
    return services.inquiry_submit(
        category="subsidy",
        asker_type="care_office",
        name="山田 花子",
        email=email,
        body="助成金について",
        client_ip=ip,
        **extra,
    )


@pytest.fixture
def content(cast):
    return {"news": factories.news_item(), "faq": factories.faq_entry(), "ticket": ask()}


def operator_screens(content) -> list[tuple[str, str, dict]]:
    news, faq, ticket = content["news"].pk, content["faq"].pk, content["ticket"].ticket_number
    return [
        ("get", "/portal/manage/", {}),
        ("get", "/portal/manage/news/", {}),
        ("get", "/portal/manage/news/new/", {}),
        ("post", "/portal/manage/news/new/", {"title": "x", "body": "y"}),
        ("get", f"/portal/manage/news/{news}/", {}),
        ("post", f"/portal/manage/news/{news}/", {"title": "x", "body": "y"}),
        ("post", f"/portal/manage/news/{news}/delete/", {}),
        ("get", "/portal/manage/faq/", {}),
        ("get", "/portal/manage/faq/new/", {}),
        (
            "post",
            "/portal/manage/faq/new/",
            {"audience": "general", "question": "q", "answer": "a", "sort_order": 1},
        ),
        ("get", f"/portal/manage/faq/{faq}/", {}),
        (
            "post",
            f"/portal/manage/faq/{faq}/",
            {"audience": "general", "question": "q", "answer": "a", "sort_order": 1},
        ),
        ("post", f"/portal/manage/faq/{faq}/delete/", {}),
        ("get", "/portal/manage/inquiries/", {}),
        ("get", f"/portal/manage/inquiries/{ticket}/", {}),
        (
            "post",
            f"/portal/manage/inquiries/{ticket}/reply/",
            {"reply-body": "x", "reply-status_after": "answered"},
        ),
        ("post", f"/portal/manage/inquiries/{ticket}/note/", {"note-body": "x"}),
        ("post", f"/portal/manage/inquiries/{ticket}/assign/", {"assign-assignee": ""}),
        ("post", f"/portal/manage/inquiries/{ticket}/status/", {"status-status": "closed"}),
    ]


@pytest.mark.parametrize("who", ["alice", "amy", "bob", "olive", "carol", "dan", "pia"])
def test_everyone_but_platform_operators_is_refused_every_operator_screen(
    client, cast, content, login, who, mailoutbox
):
    user = login(cast[who])
    for method, url, data in operator_screens(content):
        response = getattr(user, method)(url, data)
        assert response.status_code == 403, (who, method, url)
    # Nothing changed behind the refusals.
    assert NewsItem.objects.count() == 1 and FaqEntry.objects.count() == 1
    ticket = Inquiry.objects.get()
    assert (ticket.status, ticket.messages.count()) == (InquiryStatus.NEW, 0)
    assert [m for m in mailoutbox if "回答" in m.subject] == []


def test_anonymous_visitors_are_sent_to_sign_in_from_every_operator_screen(client, content):
    for method, url, data in operator_screens(content):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_an_operator_acting_for_another_organisation_is_refused(client, cast, orgs, content, login):
    from kaigo_portal.accounts.middleware import SESSION_MEMBERSHIP
    from kaigo_portal.accounts.models import Membership, Role

    other = Membership.objects.create(
        user=cast["pat"], organisation=orgs["chiyoda"], role=Role.MUNICIPAL_STAFF
    )
    operator = login(cast["pat"])
    session = operator.session
    session[SESSION_MEMBERSHIP] = other.pk
    session.save()
    assert operator.get("/portal/manage/inquiries/").status_code == 403


def test_services_refuse_non_operators_too(cast, content):
    for call in (
        lambda: services.news_create(title="t", body="b", published_at=None, by=cast["alice"]),
        lambda: services.faq_delete(entry=content["faq"], by=cast["pia"]),
        lambda: services.inquiry_reply(inquiry=content["ticket"], body="x", by=cast["olive"]),
        lambda: services.inquiry_assign(inquiry=content["ticket"], assignee=cast["pat"], by=cast["bob"]),
        lambda: services.inquiry_set_status(inquiry=content["ticket"], status="closed", by=cast["dan"]),
        lambda: services.inquiry_add_note(inquiry=content["ticket"], body="x", by=cast["carol"]),
    ):
        with pytest.raises(PermissionDenied):
            call()


def test_the_operators_home_menu_links_to_the_screens(client, cast, login):
    assert 'href="/portal/manage/"' in login(cast["pat"]).get("/").content.decode()
    client.logout()
    assert 'href="/portal/manage/"' not in login(cast["alice"]).get("/").content.decode()


# --- news and FAQ screens ----------------------------------------------------------------------------------


@time_machine.travel(jst(2026, 6, 1, 10), tick=False)
def test_an_operator_writes_a_draft_then_schedules_it(client, cast, login):
    public = Client()
    operator = login(cast["pat"])
    response = operator.post(
        "/portal/manage/news/new/", {"title": "メンテナンスのお知らせ", "body": "停止します。"}
    )
    assert response.status_code == 302
    item = NewsItem.objects.get()
    assert (item.published_at, item.updated_by) == (None, cast["pat"])
    assert "下書き" in text(operator.get("/portal/manage/news/"))
    assert "メンテナンスのお知らせ" not in text(public.get("/portal/news/"))

    operator.post(
        f"/portal/manage/news/{item.pk}/",
        {
            "title": "メンテナンスのお知らせ",
            "body": "停止します。",
            "published_at": "2026-06-03T09:00",
            "is_important": "on",
        },
    )
    item.refresh_from_db()
    assert item.published_at == jst(2026, 6, 3, 9)  # the operator types Japan time
    assert item.is_important
    assert "公開予定" in text(operator.get("/portal/manage/news/"))
    assert (
        operator.get(f"/portal/manage/news/{item.pk}/").content.decode().count('value="2026-06-03T09:00"')
        == 1
    )
    with time_machine.travel(jst(2026, 6, 3, 9), tick=False):
        assert "メンテナンスのお知らせ" in text(public.get("/portal/news/"))


def test_an_operator_deletes_news(client, cast, login):
    item = factories.news_item(title="古いお知らせ")
    operator = login(cast["pat"])
    question = operator.post(f"/portal/manage/news/{item.pk}/delete/")
    assert "お知らせ「古いお知らせ」を削除します" in question.content.decode() and NewsItem.objects.exists()
    response = operator.post(f"/portal/manage/news/{item.pk}/delete/", {"confirmed": "1"})
    assert response.status_code == 302 and not NewsItem.objects.exists()


def test_the_news_form_explains_mistakes(client, cast, login):
    response = login(cast["pat"]).post(
        "/portal/manage/news/new/", {"title": "", "body": "b", "published_at": "x"}
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not NewsItem.objects.exists()


def test_an_operator_manages_faq_entries(client, cast, login):
    public = Client()  # a visitor, apart from the operator's session (and its flash messages)
    operator = login(cast["pat"])
    operator.post(
        "/portal/manage/faq/new/",
        {
            "audience": "person",
            "question": "同意は撤回できますか。",
            "answer": "できます。",
            "sort_order": 5,
            "published_at": "2026-04-01T09:00",
        },
    )
    entry = FaqEntry.objects.get()
    assert (entry.audience, entry.sort_order) == ("person", 5)
    assert "同意は撤回できますか。" in text(public.get("/portal/people/"))
    operator.post(
        f"/portal/manage/faq/{entry.pk}/",
        {"audience": "person", "question": "同意は撤回できますか。", "answer": "できます。", "sort_order": 5},
    )
    assert "同意は撤回できますか。" not in text(public.get("/portal/people/"))  # back to draft
    operator.post(f"/portal/manage/faq/{entry.pk}/delete/")
    assert FaqEntry.objects.exists()  # the question first
    operator.post(f"/portal/manage/faq/{entry.pk}/delete/", {"confirmed": "1"})
    assert not FaqEntry.objects.exists()


# --- the queue ---------------------------------------------------------------------------------------------


def test_the_queue_filters_by_status_assignee_and_search(client, cast, login):
    first, second, third = ask("a@example.jp"), ask("b@example.jp"), ask("c@example.jp")
    services.inquiry_assign(inquiry=second, assignee=cast["pat"], by=cast["pat"])
    services.inquiry_set_status(inquiry=third, status=InquiryStatus.CLOSED, by=cast["pat"])
    operator = login(cast["pat"])

    def numbers(**params):
        return [
            row[0] for row in table_rows(operator.get("/portal/manage/inquiries/", params).content.decode())
        ]

    assert numbers() == [first.ticket_number, second.ticket_number]  # open ones, oldest first
    assert numbers(status="closed") == [third.ticket_number]
    assert numbers(status="all") == [first.ticket_number, second.ticket_number, third.ticket_number]
    assert numbers(who="me") == [second.ticket_number]
    assert numbers(who="none") == [first.ticket_number]
    assert numbers(q="b@example.jp", status="all") == [second.ticket_number]
    assert numbers(q=third.ticket_number, status="all") == [third.ticket_number]
    assert numbers(status="bogus") == [first.ticket_number, second.ticket_number]


def test_the_queue_runs_a_constant_number_of_queries(client, cast, login, django_assert_max_num_queries):
    for n in range(25):
        ticket = ask(f"p{n}@example.jp", ip=f"192.0.2.{n}")
        services.inquiry_assign(inquiry=ticket, assignee=cast["pat"], by=cast["pat"])
    operator = login(cast["pat"])
    with django_assert_max_num_queries(12):
        response = operator.get("/portal/manage/inquiries/")
    assert len(table_rows(response.content.decode())) == 25


def test_tickets_can_be_assigned_only_to_operators(client, cast, login):
    ticket = ask()
    with pytest.raises(ApplicationError) as error:
        services.inquiry_assign(inquiry=ticket, assignee=cast["alice"], by=cast["pat"])
    assert error.value.code == "inquiry.assignee_not_operator"
    # The screen offers operators only, so another user's id is not a valid choice.
    response = login(cast["pat"]).post(
        f"/portal/manage/inquiries/{ticket.ticket_number}/assign/", {"assign-assignee": cast["alice"].pk}
    )
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.assignee is None


@pytest.mark.parametrize(
    ("path", "to", "allowed"),
    [
        ([], "in_progress", True),
        ([], "answered", True),
        ([], "closed", True),
        ([], "new", False),
        (["in_progress"], "new", False),
        (["closed"], "answered", False),
        (["closed"], "in_progress", True),
        (["answered"], "in_progress", True),
    ],
)
def test_status_changes_follow_the_transition_table(client, cast, login, path, to, allowed):
    ticket = ask()
    for status in path:
        services.inquiry_set_status(inquiry=ticket, status=status, by=cast["pat"])
    response = login(cast["pat"]).post(
        f"/portal/manage/inquiries/{ticket.ticket_number}/status/", {"status-status": to}
    )
    ticket.refresh_from_db()
    if allowed:
        assert response.status_code == 302 and ticket.status == to
    else:
        assert response.status_code == 400 and "この対応状況には変更できません。" in text(response)
        assert ticket.status == (path[-1] if path else "new")


def test_a_reply_takes_an_unassigned_ticket_and_a_reply_needs_text(client, cast, login, mailoutbox):
    ticket = ask()
    operator = login(cast["pat"])
    empty = operator.post(
        f"/portal/manage/inquiries/{ticket.ticket_number}/reply/",
        {"reply-body": "", "reply-status_after": "answered"},
    )
    assert empty.status_code == 400
    services.inquiry_reply(
        inquiry=ticket, body="回答です。", by=cast["pat"], status_after=InquiryStatus.CLOSED
    )
    ticket.refresh_from_db()
    assert (ticket.assignee, ticket.status) == (cast["pat"], InquiryStatus.CLOSED)


def test_unknown_tickets_are_not_found(client, cast, login):
    assert login(cast["pat"]).get("/portal/manage/inquiries/INQ-2026-999999/").status_code == 404


def test_form_errors_show_their_codes(client, cast, login):
    ticket = ask()
    services.inquiry_set_status(inquiry=ticket, status="closed", by=cast["pat"])
    response = login(cast["pat"]).post(
        f"/portal/manage/inquiries/{ticket.ticket_number}/reply/",
        {"reply-body": "x", "reply-status_after": "answered"},
    )
    assert error_codes(response) == ["inquiry.closed"]
