"""Requests, drafts, submission, immutability and corrections, receipt, the paper route, the reminder."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone
from pypdf import PdfWriter

from certification.models import StepKind
from consent.tests.factories import more_offices
from kaigo_portal.errors import ApplicationError
from opinions import services, tasks
from opinions.models import Opinion, OpinionRequest, OpinionStatus, RequestStatus, Route

from .factories import document, opinion_request, submitted


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_completing_the_request_step_sends_a_request_to_the_named_clinic_due_in_14_days(request_, orgs):
    assert request_.clinic == orgs["clinic"]
    assert request_.physician_name == "千代田 一郎"
    assert request_.status == RequestStatus.REQUESTED
    assert request_.due_on == request_.requested_on + dt.timedelta(days=14)
    # The receiver is safe to run twice: still one request.
    services.request_create_for_application(application_id=request_.application_id)
    assert OpinionRequest.objects.filter(application=request_.application).count() == 1


def test_the_due_days_are_a_setting(person, orgs, settings):
    settings.KAIGO_OPINION_DUE_DAYS = 7
    request = opinion_request(person=person, clinic=orgs["clinic"])
    assert request.due_on - request.requested_on == dt.timedelta(days=7)


def test_an_application_naming_a_clinic_not_on_the_platform_can_only_be_answered_on_paper(person):
    from certification import services as cs
    from certification.tests.factories import application

    app = application(person=person, applied_on=timezone.localdate())
    app.physician_institution_name = "どこにもない医院"
    app.save(update_fields=["physician_institution_name"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        cs.step_complete(
            application=app, kind=StepKind.OPINION_REQUESTED, completed_on=timezone.localdate(), by=None
        )
    request = OpinionRequest.objects.get(application=app)
    assert request.clinic is None and request.clinic_name == "どこにもない医院"


def test_a_draft_is_saved_as_it_is_and_submitted_when_complete(request_, cast, orgs):
    incomplete = document(request_)
    del incomplete["life_function"]
    draft = services.draft_save(request=request_, document=incomplete, clinic=orgs["clinic"], by=cast["dan"])
    assert draft.status == OpinionStatus.DRAFT and draft.version == 1
    request_.refresh_from_db()
    assert request_.status == RequestStatus.DRAFT
    # Saving again updates the same draft.
    again = services.draft_save(request=request_, document=incomplete, clinic=orgs["clinic"], by=cast["dan"])
    assert again.pk == draft.pk
    with pytest.raises(services.OpinionInvalid) as refused:
        services.opinion_submit(
            request=request_, document=incomplete, clinic=orgs["clinic"], route=Route.WEB, by=cast["dan"]
        )
    assert {i.path for i in refused.value.issues} >= {"life_function.outlook", "life_function.infection"}
    opinion = services.opinion_submit(
        request=request_, document=document(request_), clinic=orgs["clinic"], route=Route.WEB, by=cast["dan"]
    )
    assert opinion.pk == draft.pk and opinion.status == OpinionStatus.SUBMITTED and opinion.sequence == 1
    request_.refresh_from_db()
    assert request_.status == RequestStatus.SUBMITTED


def test_the_document_must_name_the_requested_person_and_clinic(request_, orgs):
    wrong = document(request_)
    wrong["basic"]["insured_number"] = "9999999999"
    wrong["basic"]["physician"]["medical_institution_code"] = "1310112340"
    with pytest.raises(services.OpinionInvalid) as refused:
        services.opinion_submit(request=request_, document=wrong, clinic=orgs["clinic"], route=Route.API)
    assert [(i.path, i.code) for i in refused.value.issues] == [
        ("basic.insured_number", "mismatch"),
        ("basic.physician.medical_institution_code", "mismatch"),
    ]


def test_a_second_insured_persons_opinion_needs_a_specified_disease(second_person, orgs):
    request = opinion_request(person=second_person, clinic=orgs["clinic"])
    doc = document(request)
    doc["diagnoses"]["items"] = [{"name": "高血圧症", "onset": "2015"}]
    with pytest.raises(services.OpinionInvalid) as refused:
        services.opinion_submit(request=request, document=doc, clinic=orgs["clinic"], route=Route.API)
    assert [i.code for i in refused.value.issues] == ["specified_disease_required"]


def test_only_the_requested_clinic_may_answer(request_, orgs, cast):
    other = more_offices()["clinic_b"]
    for call in (
        lambda: services.opinion_submit(
            request=request_, document=document(request_), clinic=other, route=Route.API
        ),
        lambda: services.draft_save(request=request_, document={}, clinic=other, by=cast["dan"]),
    ):
        with pytest.raises(ApplicationError) as refused:
            call()
        assert (refused.value.code, refused.value.status) == ("opinion.not_requested", 403)
    assert not Opinion.objects.exists()


def test_a_submitted_opinion_is_immutable_and_a_correction_is_the_next_version(request_, orgs, cast):
    first = submitted(request_, by=cast["dan"])
    first.document["notes"] = {"text": "書き換え"}
    with pytest.raises(ValueError, match="immutable"):
        first.save()
    with pytest.raises(ValueError, match="immutable"):
        first.delete()
    with pytest.raises(ApplicationError) as refused:  # a second submission needs a reason
        submitted(request_)
    assert refused.value.code == "opinion.already_submitted"
    with pytest.raises(ApplicationError):
        services.correction_start(opinion=first, reason=" ", clinic=orgs["clinic"], by=cast["dan"])
    draft = services.correction_start(
        opinion=first, reason="発症日の誤り", clinic=orgs["clinic"], by=cast["dan"]
    )
    assert (draft.version, draft.status, draft.document) == (
        2,
        OpinionStatus.DRAFT,
        Opinion.objects.get(pk=first.pk).document,
    )
    fixed = document(request_)
    fixed["diagnoses"]["items"][0]["onset"] = "2024-03-11"
    second = services.opinion_submit(
        request=request_, document=fixed, clinic=orgs["clinic"], route=Route.WEB, by=cast["dan"]
    )
    assert (second.pk, second.version, second.correction_reason) == (draft.pk, 2, "発症日の誤り")
    assert Opinion.objects.get(pk=first.pk).document["diagnoses"]["items"][0]["onset"] == "2024-03-10"
    assert list(Opinion.objects.filter(request=request_).values_list("version", "status")) == [
        (1, "submitted"),
        (2, "submitted"),
    ]


def test_an_ehr_correction_names_its_reason(request_, orgs):
    first = submitted(request_)
    second = services.opinion_submit(
        request=request_,
        document=document(request_),
        clinic=orgs["clinic"],
        route=Route.API,
        corrects=first,
        correction_reason="投薬内容の追記",
    )
    assert (second.version, second.correction_reason, second.sequence) == (2, "投薬内容の追記", 2)


def test_receiving_an_opinion_completes_the_step_once(request_, cast):
    opinion = submitted(request_)
    services.opinion_receive(opinion=opinion, by=cast["alice"])
    services.opinion_receive(opinion=opinion, by=cast["alice"])  # again: nothing changes
    application = request_.application
    assert list(
        application.steps.filter(kind=StepKind.OPINION_RECEIVED).values_list("source", flat=True)
    ) == ["opinions"]
    opinion.refresh_from_db()
    assert opinion.received_by == cast["alice"]
    request_.refresh_from_db()
    assert request_.status == RequestStatus.RECEIVED


def test_the_paper_route_completes_the_same_step_and_is_marked_paper(request_, cast, orgs):
    services.draft_save(request=request_, document=document(request_), clinic=orgs["clinic"], by=cast["dan"])
    opinion = services.paper_record(
        request=request_, scan=blank_pdf(), received_on=timezone.localdate(), by=cast["alice"]
    )
    assert (opinion.route, opinion.get_route_display(), opinion.status) == (
        Route.PAPER,
        "紙",
        OpinionStatus.SUBMITTED,
    )
    assert opinion.attachment and opinion.received_at is not None
    step = request_.application.steps.get(kind=StepKind.OPINION_RECEIVED)
    assert step.completed_on == timezone.localdate() and step.completed_by == cast["alice"]
    assert not Opinion.objects.filter(status=OpinionStatus.DRAFT).exists()  # the clinic's draft is gone
    for extra in ({}, {"correction_reason": "電子で再送"}):
        with pytest.raises(ApplicationError) as refused:
            submitted(request_, **extra)  # the clinic can no longer answer electronically
        assert refused.value.code == "opinion.already_submitted"


def test_the_paper_route_refuses_a_scan_that_is_not_a_pdf(request_, cast):
    with pytest.raises(ApplicationError) as refused:
        services.paper_record(
            request=request_,
            scan=b"\x89PNG\r\n\x1a\n" + b"0" * 100,
            received_on=timezone.localdate(),
            by=cast["alice"],
        )
    assert refused.value.code == "opinion.pdf_not_pdf" and "scan" in refused.value.fields


def test_the_overdue_reminder_is_sent_once_even_if_the_task_runs_twice(person, orgs, cast, mailoutbox):
    overdue = opinion_request(person=person, clinic=orgs["clinic"], days_ago=20)
    assert overdue.due_on < timezone.localdate()
    assert tasks.send_overdue_reminders() == 1
    assert tasks.send_overdue_reminders() == 0
    assert services.reminder_send(request_id=overdue.pk) is False
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["cathy@example.jp", "dan@example.jp"]
    assert "提出期限" in message.subject and person.name not in message.body  # no personal data by email
    overdue.refresh_from_db()
    assert overdue.reminder_sent_at is not None


def test_no_reminder_before_the_due_date_or_once_answered(request_, orgs, mailoutbox):
    assert tasks.send_overdue_reminders() == 0  # request_ is 3 days old
    submitted(request_)
    OpinionRequest.objects.filter(pk=request_.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    assert tasks.send_overdue_reminders() == 0  # past due, but answered
    assert mail.outbox == []


def test_a_failed_send_leaves_the_reminder_for_the_next_run(person, orgs, cast, monkeypatch):
    overdue = opinion_request(person=person, clinic=orgs["clinic"], days_ago=20)

    def broken(**kwargs):
        raise ConnectionError("smtp down")

    monkeypatch.setattr(services, "send_mail", broken)
    with pytest.raises(ConnectionError):
        services.reminder_send(request_id=overdue.pk)
    overdue.refresh_from_db()
    assert overdue.reminder_sent_at is None
