"""Notices to care managers: steps, the decision, and the renewal reminder (each sent once)."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from certification import services, tasks
from certification.models import Notice, StepKind
from conftest import make_user
from consent.models import Relationship
from consent.tests.factories import relationship
from eligibility.models import CareLevel
from eligibility.tests import factories as ef
from kaigo_portal.accounts.models import Role

from .factories import application

D = dt.date
pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))


def test_reminders_sent_once_not_twice_when_the_task_runs_twice(orgs, cast):
    person = ef.person(insurer=orgs["chiyoda"])
    ef.certification(person=person, valid_from=D(2026, 4, 1), valid_to=D(2027, 3, 31))
    relationship(orgs["kyotaku"], person)
    make_user("ben@example.jp", org=orgs["kyotaku"], role=Role.CARE_MANAGER)
    with time_machine.travel(dt.datetime(2027, 1, 29, 7, tzinfo=JST), tick=False):
        assert tasks.send_renewal_reminders() == 0  # 61 days before: not yet
    with time_machine.travel(dt.datetime(2027, 1, 30, 7, tzinfo=JST), tick=False):
        assert tasks.send_renewal_reminders() == 2  # every care manager of the office (no named one)
        assert tasks.send_renewal_reminders() == 0
    with time_machine.travel(dt.datetime(2027, 1, 31, 7, tzinfo=JST), tick=False):
        assert tasks.send_renewal_reminders() == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["ben@example.jp", "bob@example.jp"]
    assert "更新申請は 令和9年1月30日（2027年1月30日） から受け付けています。" in mail.outbox[0].body
    assert Notice.objects.count() == 2


def test_no_reminder_once_the_renewal_is_filed_and_only_the_named_care_manager(orgs, cast):
    person = ef.person(insurer=orgs["chiyoda"])
    ef.certification(person=person, valid_from=D(2026, 4, 1), valid_to=D(2027, 3, 31))
    relationship(orgs["kyotaku"], person)
    Relationship.objects.filter(person=person).update(care_manager=cast["bob"])
    make_user("ben@example.jp", org=orgs["kyotaku"], role=Role.CARE_MANAGER)
    with time_machine.travel(dt.datetime(2027, 2, 1, 7, tzinfo=JST), tick=False):
        other = ef.person(insurer=orgs["chiyoda"])
        ef.certification(person=other, valid_from=D(2026, 4, 1), valid_to=D(2027, 3, 31))
        application(person=other, kind="renewal", applied_on=D(2027, 2, 1))
        relationship(orgs["kyotaku"], other)
        assert tasks.send_renewal_reminders() == 1
    assert [m.to for m in mail.outbox] == [["bob@example.jp"]]


def test_the_care_manager_is_told_when_a_step_completes_and_the_decision_is_made(
    orgs, cast, uncertified, django_capture_on_commit_callbacks
):
    relationship(orgs["kyotaku"], uncertified)
    Relationship.objects.filter(person=uncertified).update(care_manager=cast["bob"])
    with time_machine.travel(dt.datetime(2026, 4, 20, 10, tzinfo=JST), tick=False):
        app = application(person=uncertified, applied_on=D(2026, 4, 1))
        with django_capture_on_commit_callbacks(execute=True):
            step = services.step_complete(
                application=app, kind=StepKind.SURVEY_REQUESTED, completed_on=D(2026, 4, 2), by=None
            )
        assert "「認定調査依頼」が完了しました" in mail.outbox[0].body
        assert tasks.send_step_notice(step.pk) == 0  # a retry sends nothing twice
    with time_machine.travel(dt.datetime(2026, 4, 20, 10, tzinfo=JST), tick=False):
        for kind in (
            StepKind.OPINION_REQUESTED,
            StepKind.SURVEY_RECEIVED,
            StepKind.OPINION_RECEIVED,
            StepKind.PRIMARY_JUDGEMENT,
        ):
            services.step_complete(application=app, kind=kind, completed_on=D(2026, 4, 10), by=None)
        services.step_complete(
            application=app,
            kind=StepKind.PANEL_ASSIGNED,
            completed_on=D(2026, 4, 10),
            by=None,
            panel_date=D(2026, 4, 17),
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.application_decide(
                application=app, care_level=CareLevel.KAIGO1, decided_on=D(2026, 4, 17), by=None
            )
    assert mail.outbox[-1].subject == "【介護情報基盤ポータル】要介護認定の結果が出ました"
    assert (
        "結果: 要介護1（令和8年4月1日（2026年4月1日）〜令和8年9月30日（2026年9月30日））"
        in mail.outbox[-1].body
    )
