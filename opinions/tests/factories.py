"""Requests made the way production makes them (an application, its 主治医意見書依頼 step, certification's
signal), and documents that pass the form's rules for a given request."""

from __future__ import annotations

import copy
import datetime as dt
import itertools

from django.test import TestCase
from django.utils import timezone

from certification import services as certification_services
from certification.models import StepKind
from certification.tests.factories import application
from eligibility.tests import factories as ef
from opinions import form, services
from opinions.models import OpinionRequest, Route

_numbers = itertools.count(9_000_000_001)


def person(**kwargs):
    """An insured person numbered 9000000001 onwards: eligibility's shared counter stays where other
    apps' tests expect it (some mix it with fixed numbers)."""
    kwargs.setdefault("insured_number", f"{next(_numbers):010d}")
    return ef.person(**kwargs)


def opinion_request(*, person, clinic, days_ago: int = 3, **kwargs) -> OpinionRequest:
    """An application naming `clinic`, its 主治医意見書依頼 completed `days_ago` days ago."""
    on = timezone.localdate() - dt.timedelta(days=days_ago)
    app = application(person=person, applied_on=on, physician_institution=clinic, **kwargs)
    # certification sends its signal after commit: run the callbacks as a committed transaction would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        certification_services.step_complete(
            application=app, kind=StepKind.OPINION_REQUESTED, completed_on=on, by=None
        )
    return OpinionRequest.objects.get(application=app)


def document(request: OpinionRequest, **sections) -> dict:
    """The example document, made to fit `request`; `sections` replace whole sections."""
    doc = copy.deepcopy(form.EXAMPLE)
    doc["basic"]["insurer_number"] = request.insurer.insurer_number
    doc["basic"]["insured_number"] = request.person.insured_number
    doc["basic"]["written_on"] = doc["basic"]["last_examined_on"] = timezone.localdate().isoformat()
    if request.clinic is not None:
        doc["basic"]["physician"]["medical_institution_code"] = request.clinic.medical_institution_code
    doc.update(sections)
    return doc


def submitted(request: OpinionRequest, *, by=None, **kwargs):
    return services.opinion_submit(
        request=request, document=document(request), clinic=request.clinic, route=Route.WEB, by=by, **kwargs
    )
