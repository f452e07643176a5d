"""Demo data for opinions (idempotent): the requests for the demo's applications, one of them past its
due date, a draft, a submitted opinion and a paper one."""

from __future__ import annotations

import copy
import datetime as dt

from django.db import transaction
from django.utils import timezone

from certification.models import Application, StepKind

from . import form, services
from .models import Opinion, OpinionRequest, Route


def _document(request: OpinionRequest) -> dict:
    document = copy.deepcopy(form.EXAMPLE)
    person = request.person
    document["basic"].update(
        {
            "insurer_number": request.insurer.insurer_number,
            "insured_number": person.insured_number,
            "written_on": timezone.localdate().isoformat(),
            "last_examined_on": timezone.localdate().isoformat(),
        }
    )
    document["basic"]["applicant"].update(
        {
            "name": person.name,
            "name_kana": person.name_kana or "カナ",
            "birth_date": person.birth_date.isoformat() if person.birth_date else "1940-01-01",
        }
    )
    document["basic"]["physician"].update(
        {
            "institution_name": request.clinic.name,
            "medical_institution_code": request.clinic.medical_institution_code,
        }
    )
    return document


def _scan() -> bytes:
    """A one-page PDF standing in for a scanned paper opinion."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def seed() -> str:
    applications = Application.objects.filter(steps__kind=StepKind.OPINION_REQUESTED).order_by(
        "applied_on", "id"
    )
    if not applications.exists():
        return "主治医意見書: skipped (no applications with 主治医意見書依頼)"
    if Opinion.objects.exists():
        return "主治医意見書: already loaded"
    today = timezone.localdate()
    with transaction.atomic():
        requests = [services.request_create_for_application(application_id=a.pk) for a in applications]
        received = [
            r for r in requests if r.application.steps.filter(kind=StepKind.OPINION_RECEIVED).exists()
        ]
        waiting = [r for r in requests if r not in received and r.clinic is not None]
        overdue = 0
        for request in waiting[:1]:  # the oldest: past its due date, not started
            OpinionRequest.objects.filter(pk=request.pk).update(
                requested_on=today - dt.timedelta(days=30), due_on=today - dt.timedelta(days=16)
            )
            overdue = 1
        drafted = 0
        for request in waiting[1:2]:  # a draft the doctor has begun
            doctor = request.clinic.memberships.filter(role="clinic_doctor").first()
            if doctor is not None:
                document = _document(request)
                document["diagnoses"]["course_and_medication"] = ""
                services.draft_save(request=request, document=document, clinic=request.clinic, by=doctor.user)
                drafted = 1
        # Where certification's demo already has 意見書入手: the newest came from the clinic's EHR and waits
        # in the municipality's queue; the others came on paper.
        submitted = paper = 0
        for request in reversed(received):
            if not submitted and request.clinic is not None:
                services.opinion_submit(
                    request=request,
                    document=_document(request),
                    clinic=request.clinic,
                    route=Route.API,
                    by_key="demo",
                )
                submitted = 1
            else:
                services.paper_record(request=request, scan=_scan(), received_on=today, by=None)
                paper += 1
    return f"主治医意見書: 依頼 {len(requests)} 件（期限超過 {overdue}、下書き {drafted}、電子提出 {submitted}、紙 {paper}）"
