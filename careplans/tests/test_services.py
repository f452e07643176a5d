"""Every state transition, who may make it, versions and one-destination sending (services)."""

import datetime as dt

import pytest
from django.core import mail

from careplans import services
from careplans.models import CarePlan, Delivery, PlanEvent, PlanStatus
from conftest import make_user
from consent.tests.factories import care_manager, person_user, representative
from kaigo_portal.accounts.models import Role
from kaigo_portal.errors import ApplicationError

from .conftest import TODAY, actor
from .factories import awaiting, delivered, draft, plan_input

pytestmark = pytest.mark.django_db


def refused(code: str, call, **kwargs):
    with pytest.raises(ApplicationError) as caught:
        call(**kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


def test_a_new_plan_takes_person_certification_and_offices_from_the_platform(hanako, bob, orgs):
    plan = draft(actor=bob, person=hanako)
    assert (plan.status, plan.version, plan.series_id) == (PlanStatus.DRAFT, 1, plan.pk)
    assert (plan.care_level, plan.certification_status) == ("22", "1")
    assert (plan.valid_from, plan.valid_to) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    assert plan.panel_opinion == "通所リハビリテーションの利用が望ましい。"
    assert plan.care_manager_name == "bob"
    rows = list(plan.service_rows.all())
    assert [(r.need_no, r.goal_no, r.service_no) for r in rows] == [(1, 1, 1), (1, 1, 2), (2, 1, 1)]
    assert rows[0].office == orgs["homon"] and rows[0].office_name == "訪問介護ステーション九段"
    assert rows[1].office is None and rows[1].office_name == "家族（長女）"
    assert plan.weekly_entries.count() == 2
    assert list(plan.events.values_list("kind", flat=True)) == ["created"]


def test_an_application_under_way_makes_the_plan_shinseichu(hanako, bob):
    from certification.tests.factories import application

    application(person=hanako, kind="change", applied_on=dt.date(2026, 11, 1))
    assert draft(actor=bob, person=hanako).certification_status == "2"


@pytest.mark.parametrize(
    ("who", "code"),
    [("carol", "careplans.not_care_manager"), ("olive", "careplans.not_care_manager")],
)
def test_only_care_managers_write_plans(hanako, cast, who, code):
    refused(code, services.plan_create, actor=actor(cast[who]), person=hanako, data=plan_input())


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"plan_kind": "9"}, "plan_kind"),
        ({"created_on": TODAY + dt.timedelta(days=1)}, "created_on"),
        ({"rows": [services.RowInput(need="", insured=False)]}, "rows.0.need"),
        ({"rows": [services.RowInput(need="x", office_number="1370100015")]}, "rows.0.office_number"),
        ({"rows": [services.RowInput(need="x", office_number="1370100099")]}, "rows.0.office_number"),
        ({"rows": [services.RowInput(need="x", insured=True)]}, "rows.0.office_number"),
        ({"rows": [services.RowInput(need="x", insured=False, frequency="f" * 61)]}, "rows.0.frequency"),
        ({"weekly": [services.WeeklyInput(1, dt.time(11), dt.time(10), "訪問介護")]}, "weekly.0.ends_at"),
        ({"weekly": [services.WeeklyInput(7, dt.time(10), dt.time(11), "訪問介護")]}, "weekly.0.weekday"),
        ({"weekly": [services.WeeklyInput(1, dt.time(10), dt.time(11), "")]}, "weekly.0.content"),
    ],
)
def test_bad_content_is_refused_field_by_field(hanako, bob, change, field):
    error = refused(
        "careplans.invalid", services.plan_create, actor=bob, person=hanako, data=plan_input(**change)
    )
    assert list(error.fields) == [field]
    assert not CarePlan.objects.exists()


def test_the_draft_is_changed_only_by_its_author_office_and_only_as_a_draft(hanako, bob, orgs):
    plan = draft(actor=bob, person=hanako)
    plan = services.plan_update(
        actor=bob, plan=plan, data=plan_input(intentions="変更後", rows=plan_input().rows[:1])
    )
    assert plan.intentions == "変更後" and plan.service_rows.count() == 1
    other = actor(care_manager("kai@example.jp", orgs["kyotaku2"]))
    refused("careplans.not_author", services.plan_update, actor=other, plan=plan, data=plan_input())
    services.plan_request_agreement(actor=bob, plan=plan)
    refused("careplans.wrong_state", services.plan_update, actor=bob, plan=plan, data=plan_input())


def test_the_person_is_told_when_a_draft_awaits_agreement(
    hanako, bob, cast, django_capture_on_commit_callbacks
):
    helper = make_user("daughter@example.jp", kind="person")
    representative(helper, hanako)
    with django_capture_on_commit_callbacks(execute=True):
        plan = awaiting(actor=bob, person=hanako)
    assert plan.status == PlanStatus.FOR_CONSENT
    assert sorted(m.to[0] for m in mail.outbox) == ["daughter@example.jp", "pia@example.jp"]
    assert "髙﨑" not in mail.outbox[0].body  # no personal data in mail
    from careplans import tasks

    assert tasks.notify_agreement_requested(plan.pk) == 0  # twice sends nothing twice


def test_a_plan_without_needs_cannot_be_put_to_the_person(hanako, bob):
    plan = draft(actor=bob, person=hanako, rows=[])
    refused("careplans.no_rows", services.plan_request_agreement, actor=bob, plan=plan)
    refused("careplans.no_rows", services.plan_record_paper_agreement, actor=bob, plan=plan, agreed_on=TODAY)


def test_the_person_agrees_on_their_own_page(hanako, bob, pia):
    plan = services.plan_agree(actor=pia, plan=awaiting(actor=bob, person=hanako))
    assert (plan.status, plan.agreed_on, plan.agreement_method) == (PlanStatus.AGREED, TODAY, "portal")
    assert plan.agreed_by_name == "pia"


def test_a_representative_may_agree_and_nobody_else(hanako, bob, carol, cast):
    plan = awaiting(actor=bob, person=hanako)
    stranger = actor(
        person_user(
            "other@example.jp",
            hanako.__class__.objects.create(insurer=hanako.insurer, insured_number="0000000999"),
        )
    )
    for who in (bob, carol, stranger):
        refused("careplans.not_the_person", services.plan_agree, actor=who, plan=plan)
    helper = make_user("son@example.jp", kind="person")
    representative(helper, hanako)
    assert services.plan_agree(actor=actor(helper), plan=plan).agreed_by_name == "son"


def test_the_person_cannot_agree_to_a_draft_not_put_to_them(hanako, bob, pia):
    plan = draft(actor=bob, person=hanako)
    refused("careplans.wrong_state", services.plan_agree, actor=pia, plan=plan)


def test_the_request_can_be_withdrawn_back_to_a_draft(hanako, bob, pia):
    plan = services.plan_withdraw_request(actor=bob, plan=awaiting(actor=bob, person=hanako))
    assert plan.status == PlanStatus.DRAFT
    refused("careplans.wrong_state", services.plan_withdraw_request, actor=bob, plan=plan)


@pytest.mark.parametrize(
    ("agreed_on", "code"),
    [
        (TODAY + dt.timedelta(days=1), "careplans.agreed_on_future"),
        (TODAY - dt.timedelta(days=1), "careplans.agreed_on_before_plan"),
    ],
)
def test_paper_agreement_needs_a_plausible_date(hanako, bob, agreed_on, code):
    refused(
        code,
        services.plan_record_paper_agreement,
        actor=bob,
        plan=draft(actor=bob, person=hanako),
        agreed_on=agreed_on,
    )


def test_paper_agreement_from_the_draft_or_the_request_then_delivery(hanako, bob, carol):
    for plan in (draft(actor=bob, person=hanako),):
        refused(
            "careplans.not_author",
            services.plan_record_paper_agreement,
            actor=carol,
            plan=plan,
            agreed_on=TODAY,
        )
        plan = services.plan_record_paper_agreement(
            actor=bob, plan=plan, agreed_on=TODAY, agreed_by_name="長女"
        )
        assert (plan.status, plan.agreement_method, plan.agreed_by_name) == ("agreed", "paper", "長女")
        refused("careplans.not_author", services.plan_deliver, actor=carol, plan=plan)
        plan = services.plan_deliver(actor=bob, plan=plan)
        assert plan.status == PlanStatus.DELIVERED and plan.delivered_at is not None


def test_only_an_agreed_plan_is_delivered(hanako, bob):
    refused("careplans.wrong_state", services.plan_deliver, actor=bob, plan=draft(actor=bob, person=hanako))


def test_each_change_of_a_delivered_plan_is_a_new_version(hanako, bob, pia):
    first = delivered(actor=bob, person=hanako)
    second = services.plan_revise(actor=bob, plan=first)
    assert (second.version, second.series_id, second.status, second.plan_kind) == (2, first.pk, "draft", "3")
    assert second.service_rows.count() == 3 and second.weekly_entries.count() == 2
    refused("careplans.open_version_exists", services.plan_revise, actor=bob, plan=first)
    services.plan_agree(actor=pia, plan=services.plan_request_agreement(actor=bob, plan=second))
    second = services.plan_deliver(actor=bob, plan=CarePlan.objects.get(pk=second.pk))
    first.refresh_from_db()
    assert (first.status, second.status) == (PlanStatus.SUPERSEDED, PlanStatus.DELIVERED)
    assert PlanEvent.objects.filter(plan=first, kind="superseded").exists()
    refused("careplans.wrong_state", services.plan_revise, actor=bob, plan=first)  # revise the latest only


def test_sending_is_one_office_per_call_and_the_office_is_told(
    hanako, bob, orgs, cast, django_capture_on_commit_callbacks
):
    plan = delivered(actor=bob, person=hanako)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.plan_send(actor=bob, plan=plan, office=orgs["homon"])
    assert Delivery.objects.get() == delivery and delivery.office == orgs["homon"]
    assert [m.to for m in mail.outbox] == [["carol@example.jp"]]
    refused("careplans.already_sent", services.plan_send, actor=bob, plan=plan, office=orgs["homon"])
    refused("careplans.send_to_self", services.plan_send, actor=bob, plan=plan, office=orgs["kyotaku"])


def test_a_plan_goes_only_to_an_office_that_serves_the_person_with_consent(hanako, bob, orgs):
    plan = delivered(actor=bob, person=hanako)
    refused(
        "careplans.receiver_not_serving", services.plan_send, actor=bob, plan=plan, office=orgs["kyotaku2"]
    )


def test_a_plan_goes_only_to_an_office_the_national_master_lists(hanako, bob, orgs):
    from kaigo_portal.offices.tests.factories import master

    plan = delivered(actor=bob, person=hanako)
    master({"1370100016": ["43"]})  # the master does not know 訪問介護ステーション九段 (1370100024)
    refused("office.unknown", services.plan_send, actor=bob, plan=plan, office=orgs["homon"])


def test_drafts_are_not_sent(hanako, bob, orgs, carol):
    plan = awaiting(actor=bob, person=hanako)
    refused("careplans.wrong_state", services.plan_send, actor=bob, plan=plan, office=orgs["homon"])
    refused("careplans.not_author", services.plan_send, actor=carol, plan=plan, office=orgs["homon"])


def test_a_provider_cannot_make_any_transition(hanako, bob, carol, orgs):
    plan = draft(actor=bob, person=hanako)
    for call in (
        services.plan_request_agreement,
        services.plan_withdraw_request,
        services.plan_deliver,
        services.plan_revise,
    ):
        refused("careplans.not_author", call, actor=carol, plan=plan)
    admin = actor(make_user("adm@example.jp", org=orgs["kyotaku"], role=Role.OFFICE_ADMIN))
    refused("careplans.not_author", services.plan_request_agreement, actor=admin, plan=plan)
