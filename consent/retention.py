"""Retention of withdrawn consents (kaigo_portal.operations.retention): a person's consent events are
deleted KAIGO_CONSENT_WITHDRAWN_KEEP_YEARS after a withdrawal that nothing followed, when the record of
what was allowed is no longer needed to read the access log of those years."""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import OuterRef, Subquery

from kaigo_portal.operations.retention import Rule

from .models import Consent, ConsentStatus


def purge_withdrawn_consents(now: dt.datetime, apply: bool) -> int:
    cutoff = now.date() - relativedelta(years=settings.KAIGO_CONSENT_WITHDRAWN_KEEP_YEARS)  # 2月29日 too
    latest = Consent.objects.filter(person=OuterRef("person"), deleted=False).order_by(
        "-effective_date", "-id"
    )
    ended = (
        # Only the old withdrawals are candidates; for each, whether it is still the person's latest event.
        Consent.objects.filter(deleted=False, status=ConsentStatus.WITHDRAWN, effective_date__lt=cutoff)
        .annotate(latest_status=Subquery(latest.values("status")[:1]))
        .annotate(latest_date=Subquery(latest.values("effective_date")[:1]))
        .filter(latest_status=ConsentStatus.WITHDRAWN, latest_date__lt=cutoff)
        .values("person")
    )
    events = Consent.objects.filter(person__in=ended)
    count = events.count()
    if apply:
        events.delete()
    return count


RULE = Rule(
    name="withdrawn_consents",
    what="撤回された同意の記録（その方の同意の履歴すべて）",
    keep=f"撤回から{settings.KAIGO_CONSENT_WITHDRAWN_KEEP_YEARS}年（その後に同意がない場合）",
    basis="[decision] アクセスログを保存する期間、閲覧がどの同意にもとづいたかを示せるように",
    purge=purge_withdrawn_consents,
)
