"""The operator's screens through HTTP: the queue and its filters, an application beside its receipts,
each step, monthly totals, payments, master data; every other role is refused."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from conftest import make_org, make_user
from kaigo_portal.accounts.models import OrganisationKind, Role
from subsidies import services
from subsidies.models import ApplicationStatus

from .factories import JST, draft, png_bytes, submitted, under_review

pytestmark = pytest.mark.django_db

S = ApplicationStatus
OTHERS = ["olive", "oscar", "carol", "alice", "bob", "dan"]


@pytest.fixture
def pat(login, cast):
    return login(cast["pat"])


@pytest.fixture
def osaka(db):
    """An office in 大阪府 with its admin, for the prefecture filter."""
    office = make_org(
        OrganisationKind.CARE_OFFICE, "大阪デイサービス", office_number="2770100010", services=("15", "11")
    )
    admin = make_user("osaka.admin@example.jp", org=office, role=Role.OFFICE_ADMIN)
    return office, admin


REVIEW_URLS = [
    "/subsidies/review/",
    "/subsidies/review/totals/",
    "/subsidies/review/payments/",
    "/subsidies/review/master/",
]


@pytest.mark.parametrize("url", REVIEW_URLS)
@pytest.mark.parametrize("who", OTHERS)
def test_review_screens_refuse_everyone_but_operators(login, cast, url, who):
    assert login(cast[who]).get(url).status_code == 403


@pytest.mark.parametrize("url", REVIEW_URLS)
def test_review_screens_open_for_operators(pat, url):
    assert pat.get(url).status_code == 200


def test_the_queue_filters_by_year_status_and_prefecture(pat, orgs, cast, fy2025, fy2026, osaka):
    office, admin = osaka
    with time_machine.travel(dt.datetime(2025, 11, 4, 10, tzinfo=JST), tick=False):
        old = submitted(orgs["kyotaku2"], cast["oscar"], fy2025)
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=JST), tick=False):
        kanda = submitted(orgs["kyotaku"], cast["olive"], fy2026)
        services.application_start_review(application=kanda, by=cast["pat"])
        osaka_app = submitted(office, admin, fy2026)
        draft_only = services.application_create(
            office=orgs["homon"],
            program_year=fy2026,
            by=make_user("homon.admin@example.jp", org=orgs["homon"], role=Role.OFFICE_ADMIN),
        )

    def listed(query=""):
        body = pat.get(f"/subsidies/review/{query}").content.decode()
        return {a.reference for a in (old, kanda, osaka_app, draft_only) if a.reference in body}

    assert listed() == {old.reference, kanda.reference, osaka_app.reference}  # drafts are not for review
    assert listed(f"?program_year={fy2026.pk}") == {kanda.reference, osaka_app.reference}
    assert listed("?status=under_review") == {kanda.reference}
    assert listed("?prefecture=27") == {osaka_app.reference}
    assert listed(f"?program_year={fy2026.pk}&prefecture=13&status=submitted") == set()
    assert listed("?q=番町") == {old.reference}
    assert "3 件（助成額の合計 198,000 円）" in pat.get("/subsidies/review/").content.decode()


def test_the_queue_takes_a_fixed_number_of_queries(
    pat, orgs, cast, fy2026, frozen, osaka, django_assert_max_num_queries
):
    submitted(orgs["kyotaku"], cast["olive"], fy2026)
    submitted(orgs["kyotaku2"], cast["oscar"], fy2026)
    submitted(*osaka, fy2026)
    with django_assert_max_num_queries(12):
        assert pat.get("/subsidies/review/").status_code == 200


def test_the_application_page_shows_receipts_beside_the_amounts(pat, orgs, cast, fy2026, frozen):
    application = draft(orgs["kyotaku"], cast["olive"], fy2026)
    services.receipt_add(application=application, by=cast["olive"], name="photo.png", content=png_bytes())
    services.application_submit(application=application, by=cast["olive"])
    pdf_receipt, png_receipt = application.receipts.order_by("id")
    body = pat.get(f"/subsidies/review/{application.pk}/").content.decode()
    assert '<span data-calc="grant_amount">64,000</span>' in body
    assert '<span data-calc="eligible_cost">70,000</span>' in body
    assert f'<object data="/subsidies/receipts/{pdf_receipt.pk}/" type="application/pdf"' in body
    assert f'<img src="/subsidies/receipts/{png_receipt.pk}/" alt="領収書 photo.png">' in body
    assert "審査を開始する" in body
    application.refresh_from_db()
    assert application.service_codes  # the office's サービス種類 at submission, shown by name with its code
    assert "居宅介護支援（43）" in body and "<dd>43</dd>" not in body
    assert "<dd>掲載なし</dd>" in body  # no office master loaded: the reviewer is told
    # The receipt may be framed by this page (same origin), and by no other.
    assert pat.get(f"/subsidies/receipts/{pdf_receipt.pk}/")["X-Frame-Options"] == "SAMEORIGIN"


def test_the_reviewer_sees_the_office_in_the_national_master(pat, orgs, cast, fy2026, frozen):
    from kaigo_portal.offices.tests.factories import master

    master({"1370100016": ["43"]})
    application = draft(orgs["kyotaku"], cast["olive"], fy2026)
    services.application_submit(application=application, by=cast["olive"])
    body = pat.get(f"/subsidies/review/{application.pk}/").content.decode()
    assert '<a href="/offices/1370100016/">掲載中（居宅介護支援）</a>' in body


def test_a_draft_is_not_visible_to_the_operator(pat, orgs, cast, fy2026, frozen):
    application = draft(orgs["kyotaku"], cast["olive"], fy2026)
    assert pat.get(f"/subsidies/review/{application.pk}/").status_code == 404


def test_each_step_through_the_screens(pat, orgs, cast, fy2026, frozen, django_capture_on_commit_callbacks):
    application = submitted(orgs["kyotaku"], cast["olive"], fy2026)
    base = f"/subsidies/review/{application.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        assert pat.post(f"{base}/start/").status_code == 302
        response = pat.post(f"{base}/return/", {"reason": ""})
        assert response.status_code == 400
        assert pat.post(f"{base}/return/", {"reason": "領収書の金額が読めません。"}).status_code == 302
    application.refresh_from_db()
    assert (application.status, application.return_reason) == (S.RETURNED, "領収書の金額が読めません。")
    services.application_submit(application=application, by=cast["olive"])
    with django_capture_on_commit_callbacks(execute=True):
        pat.post(f"{base}/start/")
        asked = pat.post(f"{base}/approve/", {"note": ""}).content.decode()
        assert "交付を決定しますか" in asked and "64,000円" in asked
        application.refresh_from_db()
        assert application.status == S.UNDER_REVIEW  # the question alone decides nothing
        pat.post(f"{base}/approve/", {"note": "", "confirmed": "1"})
        response = pat.post(f"{base}/paid/", {"paid_on": "2026-06-01"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert (application.status, application.paid_on) == (S.PAID, dt.date(2026, 6, 1))
    assert [m.subject.split(" ", 1)[1] for m in mail.outbox] == [
        "助成金申請の審査を開始しました",
        "助成金申請が差し戻されました。修正して再申請してください",
        "助成金申請の審査を開始しました",
        "助成金の交付が決定しました",
        "助成金をお支払いしました",
    ]
    body = pat.get(f"{base}/").content.decode()
    assert "この申請の手続きは完了しています。" in body
    assert "pat" in body  # the operator sees who did what


def test_a_step_out_of_order_is_explained(pat, orgs, cast, fy2026, frozen):
    application = submitted(orgs["kyotaku"], cast["olive"], fy2026)
    response = pat.post(f"/subsidies/review/{application.pk}/approve/", follow=True)
    assert "この申請は現在「申請済み」のため、交付決定はできません。" in response.content.decode()
    assert pat.post(f"/subsidies/review/{application.pk}/delete/").status_code == 404


@pytest.mark.parametrize("who", OTHERS)
@pytest.mark.parametrize("step", ["start", "return", "approve", "paid"])
def test_steps_are_refused_to_everyone_but_operators(login, orgs, cast, fy2026, frozen, who, step):
    application = submitted(orgs["kyotaku"], cast["olive"], fy2026)
    response = login(cast[who]).post(
        f"/subsidies/review/{application.pk}/{step}/", {"reason": "x", "paid_on": "2026-06-01"}
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_monthly_totals(pat, orgs, cast, fy2026, osaka):
    with time_machine.travel(dt.datetime(2026, 5, 31, 23, 30, tzinfo=JST), tick=False):  # still May in Japan
        kanda = under_review(orgs["kyotaku"], cast["olive"], cast["pat"], fy2026)
    with time_machine.travel(dt.datetime(2026, 6, 10, 10, tzinfo=JST), tick=False):
        services.application_approve(application=kanda, by=cast["pat"])
        osaka_app = submitted(
            *osaka,
            fy2026,
            purchase={"readers_count": "1", "reader_unit_price": "30000", "connection_support_cost": "0"},
        )
    with time_machine.travel(dt.datetime(2026, 7, 3, 10, tzinfo=JST), tick=False):
        services.application_mark_paid(application=kanda, by=cast["pat"], paid_on=dt.date(2026, 7, 3))
        rows = pat.get(f"/subsidies/review/totals/?program_year={fy2026.pk}").context["rows"]
    assert [
        (
            r.month,
            r.submitted_count,
            r.submitted_amount,
            r.approved_count,
            r.approved_amount,
            r.paid_count,
            r.paid_amount,
        )
        for r in rows
    ] == [
        (dt.date(2026, 5, 1), 1, 64_000, 0, 0, 0, 0),
        (dt.date(2026, 6, 1), 1, osaka_app.grant_amount, 1, 64_000, 0, 0),
        (dt.date(2026, 7, 1), 0, 0, 0, 0, 1, 64_000),
    ]
    assert osaka_app.grant_amount == 30_000
