"""Every write of opinion data: requests (from certification's signal), drafts, submission, corrections,
the municipality's receipt (screen, pull API or paper), and the overdue reminder."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone

from certification import services as certification_services
from certification.models import Application, StepKind
from eligibility.models import InsuredCategory, PersonVersion
from eligibility.selectors import current_versions
from kaigo_portal.accounts.models import CLINIC_ROLES, Membership, Organisation, OrganisationKind, User
from kaigo_portal.errors import ApplicationError
from kaigo_portal.validators import refuse_my_number

from . import form, pdfcheck, signature
from .models import (
    OPEN_STATUSES,
    Opinion,
    OpinionRequest,
    OpinionStatus,
    RequestStatus,
    Route,
    Sequence,
    SignatureStatus,
)

logger = logging.getLogger(__name__)


class OpinionInvalid(ApplicationError):
    """The document breaks the form's rules; `issues` say where and why, each with its code."""

    def __init__(self, issues: list[form.Issue]):
        fields: dict[str, list[str]] = {}
        for issue in issues:
            fields.setdefault(issue.path or "document", []).append(issue.message)
        super().__init__(
            f"意見書の内容に誤りがあります（{len(issues)}件）。", code="opinion.invalid", fields=fields
        )
        self.issues = issues


# --- requests ---------------------------------------------------------------------------------------


def _clinic_for(application: Application) -> Organisation | None:
    """The clinic named on the application; by exact name when the application has only the name and
    exactly one active clinic on the platform has it (else the request can only be answered on paper)."""
    if application.physician_institution_id:
        return application.physician_institution
    matches = list(
        Organisation.objects.filter(
            kind=OrganisationKind.CLINIC, is_active=True, name=application.physician_institution_name
        )[:2]
    )
    return matches[0] if len(matches) == 1 else None


def request_create_for_application(*, application_id: int) -> OpinionRequest:
    """主治医意見書依頼: the request to the application's physician, due in KAIGO_OPINION_DUE_DAYS days
    (the 依頼日 not counted). Safe to run twice: one request per application."""
    with transaction.atomic():
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("person", "physician_institution")
            .get(pk=application_id)
        )
        existing = OpinionRequest.objects.filter(application=application).first()
        if existing is not None:
            return existing
        step = application.steps.filter(kind=StepKind.OPINION_REQUESTED).first()
        requested_on = step.completed_on if step else timezone.localdate()
        clinic = _clinic_for(application)
        request = OpinionRequest.objects.create(
            application=application,
            person=application.person,
            insurer_id=application.person.insurer_id,
            clinic=clinic,
            clinic_name=clinic.name if clinic else application.physician_institution_name,
            physician_name=application.physician_name,
            requested_on=requested_on,
            due_on=requested_on + dt.timedelta(days=settings.KAIGO_OPINION_DUE_DAYS),
        )
    logger.info(
        "opinion request: id=%s application=%s clinic=%s", request.pk, application_id, clinic and clinic.pk
    )
    return request


def _check_requested_clinic(request: OpinionRequest, clinic: Organisation | None) -> None:
    """Only the clinic the insurer sent the request to may answer it (domain.md §11.37)."""
    if clinic is None or request.clinic_id != clinic.pk:
        raise ApplicationError(
            "この意見書の依頼先の医療機関ではないため、提出できません。",
            code="opinion.not_requested",
            status=403,
        )


def second_insured(request: OpinionRequest) -> bool:
    """第2号被保険者 on the day of the request (the person's 資格 version then)."""
    versions = current_versions(PersonVersion, request.person, request.requested_on)
    return bool(versions) and versions[-1].category == InsuredCategory.SECOND


# --- drafts and submission --------------------------------------------------------------------------


def _draft_of(request: OpinionRequest) -> Opinion | None:
    return Opinion.objects.filter(request=request, status=OpinionStatus.DRAFT).first()


def _next_version(request: OpinionRequest) -> int:
    return (Opinion.objects.filter(request=request).aggregate(m=Max("version"))["m"] or 0) + 1


def draft_save(*, request: OpinionRequest, document: dict, clinic: Organisation, by: User) -> Opinion:
    """Saves the web form as it is (a draft may be incomplete). Starts the draft on first save."""
    _check_requested_clinic(request, clinic)
    if not isinstance(document, dict):
        raise ApplicationError("意見書の形式が正しくありません。", code="opinion.invalid")
    if refused := form.my_number_issues(document):  # a draft may be incomplete, never hold a 個人番号
        raise OpinionInvalid(refused)
    with transaction.atomic():
        request = OpinionRequest.objects.select_for_update().get(pk=request.pk)
        draft = _draft_of(request)
        if draft is None:
            if not request.is_open:
                raise ApplicationError(
                    "この依頼には提出済みの意見書があります。訂正は「訂正版を作成」から行ってください。",
                    code="opinion.already_submitted",
                    status=409,
                )
            draft = Opinion(
                request=request,
                person_id=request.person_id,
                insurer_id=request.insurer_id,
                clinic=clinic,
                version=_next_version(request),
                route=Route.WEB,
                created_by=by,
            )
        draft.document = document
        draft.form_version = str(document.get("form_version", ""))[:10]
        draft.updated_at = timezone.now()
        draft.full_clean(exclude=["attachment"])
        draft.save()
        if request.status == RequestStatus.REQUESTED:
            request.status = RequestStatus.DRAFT
            request.save(update_fields=["status"])
    return draft


def correction_start(*, opinion: Opinion, reason: str, clinic: Organisation, by: User) -> Opinion:
    """訂正: a new draft version, a copy of the latest submitted one, with the reason."""
    refuse_my_number(correction_reason=reason)
    _check_requested_clinic(opinion.request, clinic)
    if not reason.strip():
        raise ApplicationError(
            "訂正の理由を入力してください。",
            code="opinion.correction_reason_required",
            fields={"correction_reason": ["必須です。"]},
        )
    with transaction.atomic():
        request = OpinionRequest.objects.select_for_update().get(pk=opinion.request_id)
        draft = _draft_of(request)
        if draft is not None:
            return draft
        latest = (
            Opinion.objects.filter(request=request, status=OpinionStatus.SUBMITTED)
            .order_by("-version")
            .first()
        )
        if latest is None or latest.route == Route.PAPER:
            raise ApplicationError(
                "訂正できる提出済みの意見書がありません。", code="opinion.nothing_to_correct"
            )
        return Opinion.objects.create(
            request=request,
            person_id=request.person_id,
            insurer_id=request.insurer_id,
            clinic=clinic,
            version=_next_version(request),
            route=Route.WEB,
            document=latest.document,
            form_version=latest.form_version,
            correction_reason=reason.strip(),
            created_by=by,
        )


def _check_document(request: OpinionRequest, document, clinic: Organisation) -> None:
    issues = form.validate(document, second_insured=second_insured(request))
    if isinstance(document, dict):
        person = request.person
        expected = {
            "basic.insurer_number": request.insurer.insurer_number,
            "basic.insured_number": person.insured_number,
            "basic.physician.medical_institution_code": clinic.medical_institution_code,
        }
        for path, value in expected.items():
            got = form.get(document, path)
            if got and got != value and not any(i.path == path for i in issues):
                issues.append(
                    form.Issue(
                        path,
                        "mismatch",
                        f"{form.FIELDS_BY_PATH[path].label}が依頼の内容（{value}）と一致しません。",
                    )
                )
    if issues:
        raise OpinionInvalid(issues)


def _take_sequence(insurer_id: int) -> int:
    counter, _created = Sequence.objects.get_or_create(insurer_id=insurer_id)
    counter = Sequence.objects.select_for_update().get(pk=counter.pk)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def opinion_submit(
    *,
    request: OpinionRequest,
    document,
    clinic: Organisation,
    route: str,
    by: User | None = None,
    by_key: str = "",
    source: bytes | None = None,
    pdf: bytes | None = None,
    signature_der: bytes | None = None,
    corrects: Opinion | None = None,
    correction_reason: str = "",
) -> Opinion:
    """Submits an opinion (web: the draft; API: the document as sent). Final: it never changes again."""
    _check_requested_clinic(request, clinic)
    _check_document(request, document, clinic)
    if pdf is not None:
        pdfcheck.check_pdf(pdf, field="pdf")
    checked = signature.Result(SignatureStatus.NONE, "")
    if signature_der is not None:
        if source is None:
            raise ApplicationError(
                "電子署名は送信したJSONとともに送ってください。", code="signature.without_document"
            )
        try:
            checked = signature.verify(source, signature_der)
        except signature.SignatureInvalid as error:
            raise ApplicationError(
                error.message, code=error.code, fields={"signature": [error.message]}
            ) from error
    with transaction.atomic():
        request = OpinionRequest.objects.select_for_update().select_related("insurer").get(pk=request.pk)
        draft = _draft_of(request)
        latest = (
            Opinion.objects.filter(request=request, status=OpinionStatus.SUBMITTED)
            .order_by("-version")
            .first()
        )
        has_submitted = latest is not None
        if latest is not None and latest.route == Route.PAPER:
            raise ApplicationError(
                "この依頼は紙の意見書で受け付け済みです。", code="opinion.already_submitted", status=409
            )
        reason = (draft.correction_reason if draft else "") or correction_reason.strip()
        if has_submitted and not reason:
            raise ApplicationError(
                "この依頼には提出済みの意見書があります。訂正版として理由を添えて提出してください。",
                code="opinion.already_submitted",
                status=409,
            )
        if corrects is not None and corrects.request_id != request.pk:
            raise ApplicationError("訂正する意見書が依頼と一致しません。", code="opinion.corrects_mismatch")
        opinion = draft or Opinion(
            request=request,
            person_id=request.person_id,
            insurer_id=request.insurer_id,
            version=_next_version(request),
            created_by=by,
        )
        opinion.clinic = clinic
        opinion.route = route
        opinion.document = document
        opinion.form_version = document["form_version"]
        opinion.correction_reason = reason
        opinion.source = source
        opinion.signature = signature_der
        opinion.signature_status, opinion.signer = checked.status, checked.signer
        opinion.status = OpinionStatus.SUBMITTED
        opinion.submitted_at = opinion.updated_at = timezone.now()
        opinion.submitted_by, opinion.submitted_by_key = by, by_key
        opinion.sequence = _take_sequence(request.insurer_id)
        if pdf is not None:
            opinion.attachment.save(
                f"opinion_{request.pk}_v{opinion.version}.pdf", ContentFile(pdf), save=False
            )
        opinion.save()
        if request.is_open:
            request.status = RequestStatus.SUBMITTED
            request.save(update_fields=["status"])
    logger.info(
        "opinion submitted: id=%s request=%s version=%s route=%s",
        opinion.pk,
        request.pk,
        opinion.version,
        route,
    )
    return opinion


# --- the municipality -------------------------------------------------------------------------------


def opinion_receive(*, opinion: Opinion, by: User | None, on: dt.date | None = None) -> Opinion:
    """受付: records the receipt once and completes 意見書入手 through certification (once per application).
    Safe to call again: a received opinion is returned as it is."""
    with transaction.atomic():
        request = (
            OpinionRequest.objects.select_for_update()
            .select_related("application")
            .get(pk=opinion.request_id)
        )
        opinion = Opinion.objects.get(pk=opinion.pk)
        if opinion.status != OpinionStatus.SUBMITTED:
            raise ApplicationError("下書きの意見書は受け付けられません。", code="opinion.not_submitted")
        if opinion.received_at is not None:
            return opinion
        opinion.received_at, opinion.received_by = timezone.now(), by
        opinion.save(update_fields=["received_at", "received_by"])
        if not request.application.steps.filter(kind=StepKind.OPINION_RECEIVED).exists():
            received_on = max(on or timezone.localdate(), request.requested_on)
            certification_services.opinion_receive(
                application=request.application, received_on=received_on, by=by
            )
        if request.status != RequestStatus.RECEIVED:
            request.status = RequestStatus.RECEIVED
            request.save(update_fields=["status"])
    return opinion


def opinion_acknowledge(*, opinion: Opinion) -> Opinion:
    """The 介護保険事務システム took the opinion in: received (if not yet) and acknowledged, once."""
    opinion = opinion_receive(opinion=opinion, by=None)
    updated = Opinion.objects.filter(pk=opinion.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=timezone.now()
    )
    if updated:
        logger.info("opinion acknowledged: id=%s", opinion.pk)
    return Opinion.objects.get(pk=opinion.pk)


def paper_record(*, request: OpinionRequest, scan: bytes, received_on: dt.date, by: User) -> Opinion:
    """紙: the municipality records a paper opinion's receipt with its scan; completes 意見書入手."""
    pdfcheck.check_pdf(scan, field="scan")
    if received_on > timezone.localdate() or received_on < request.requested_on:
        raise ApplicationError(
            "受付日は依頼日から今日までの日付にしてください。",
            code="opinion.paper_date",
            fields={"received_on": ["依頼日から今日までの日付にしてください。"]},
        )
    with transaction.atomic():
        request = OpinionRequest.objects.select_for_update().get(pk=request.pk)
        if Opinion.objects.filter(request=request, status=OpinionStatus.SUBMITTED).exists():
            raise ApplicationError(
                "この依頼には提出済みの意見書があります。", code="opinion.already_submitted", status=409
            )
        Opinion.objects.filter(
            request=request, status=OpinionStatus.DRAFT
        ).delete()  # the clinic's unfinished draft
        opinion = Opinion(
            request=request,
            person_id=request.person_id,
            insurer_id=request.insurer_id,
            clinic=request.clinic,
            version=_next_version(request),
            route=Route.PAPER,
            status=OpinionStatus.SUBMITTED,
            submitted_at=timezone.now(),
            submitted_by=by,
            created_by=by,
            sequence=None,
        )
        opinion.attachment.save(f"opinion_{request.pk}_paper.pdf", ContentFile(scan), save=False)
        opinion.save()
        opinion_receive(opinion=opinion, by=by, on=received_on)
        # Recorded by the municipality itself: nothing for its system to pull.
        Opinion.objects.filter(pk=opinion.pk).update(acknowledged_at=timezone.now())
    return Opinion.objects.get(pk=opinion.pk)


# --- the overdue reminder ---------------------------------------------------------------------------


def overdue_requests(today: dt.date):
    return OpinionRequest.objects.filter(status__in=OPEN_STATUSES, due_on__lt=today, clinic__isnull=False)


def reminder_send(*, request_id: int, today: dt.date | None = None) -> bool:
    """Emails the clinic's doctors and staff that a request is past its due date, once: the marker is set
    by a conditional update in the same transaction as the send, so a second run (or a concurrent one)
    finds it set and sends nothing; a failed send rolls the marker back for the next run."""
    today = today or timezone.localdate()
    with transaction.atomic():
        claimed = (
            overdue_requests(today)
            .filter(pk=request_id, reminder_sent_at__isnull=True)
            .update(reminder_sent_at=timezone.now())
        )
        if not claimed:
            return False
        request = OpinionRequest.objects.select_related("clinic", "insurer").get(pk=request_id)
        addresses = sorted(
            set(
                Membership.objects.filter(
                    organisation=request.clinic, role__in=CLINIC_ROLES, is_active=True, user__is_active=True
                ).values_list("user__email", flat=True)
            )
        )
        if addresses:
            body = render_to_string(
                "opinions/email/reminder.txt", {"request": request, "site": settings.KAIGO_SITE_URL}
            )
            send_mail(
                subject="【介護情報基盤】主治医意見書の提出期限を過ぎています",
                message=body,
                from_email=None,
                recipient_list=addresses,
            )
    logger.info("opinion reminder: request=%s to=%s", request_id, len(addresses))
    return True


def reminders_send(today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    ids = list(overdue_requests(today).filter(reminder_sent_at__isnull=True).values_list("pk", flat=True))
    return sum(reminder_send(request_id=pk, today=today) for pk in ids)
