"""Consent: recorded with an application, on paper, by an office, and withdrawn."""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.db import transaction
from django.utils import timezone

from eligibility.models import InsuredPerson
from kaigo_portal.accounts.models import Organisation, OrganisationKind, User
from kaigo_portal.errors import ApplicationError
from kaigo_portal.validators import refuse_my_number

from .. import policy
from ..models import (
    Consent,
    ConsentSource,
    ConsentStatus,
    Relationship,
)
from .common import require_municipal_of

logger = logging.getLogger(__name__)

# Who may take consent on the municipality's behalf (domain.md §3.3, [CB-0421]): a care-management office
# (居宅介護支援 43, 介護予防支援 46, or a 地域包括支援センター) or a facility/residential office (施設・居住系).
# Facility/residential are the 居住・入所系 types of §6.3 where the person lives at the office:
# 32 認知症対応型共同生活介護, 33 特定施設入居者生活介護, 36 地域密着型特定施設入居者生活介護,
# 51 介護福祉施設, 52 介護保健施設, 54 地域密着型介護老人福祉施設入所者生活介護, 55 介護医療院.
# Not the short-stay variants (27, 28, 38: a short stay is not where the person lives) nor 59
# (特定入所者介護サービス費 is a benefit, not a kind of office). Every other provider may not.
FACILITY_RESIDENTIAL_SERVICE_TYPES = frozenset({"32", "33", "36", "51", "52", "54", "55"})


def _reference(prefix: str) -> str:
    return f"{prefix}-{secrets.token_hex(8)}"


# --- consent ----------------------------------------------------------------------------------------
def consent_record(
    *,
    person: InsuredPerson,
    status: str,
    source: str,
    by: User | None = None,
    office: Organisation | None = None,
    reference: str = "",
    note: str = "",
    on: dt.date | None = None,
) -> Consent:
    """Adds one consent event (history is never overwritten). A withdrawal tells the offices."""
    refuse_my_number(note=note)
    consent = Consent(
        person=person,
        status=status,
        source=source,
        office=office,
        recorded_by=by,
        recorded_by_name=by.name if by else "",
        reference=reference or _reference(source),
        note=note,
        effective_date=on or timezone.localdate(),
    )
    with transaction.atomic():
        consent.full_clean()
        consent.save()
        logger.info("consent %s: person=%s source=%s by=%s", status, person.pk, source, by and by.pk)
        if status == ConsentStatus.WITHDRAWN:
            transaction.on_commit(lambda: _notify_withdrawn(consent.pk))
    return consent


def _notify_withdrawn(consent_id: int) -> None:
    from ..tasks import send_withdrawal_notices

    send_withdrawal_notices.delay(consent_id)


APPLICATION_SOURCES = {
    "new": ConsentSource.APPLICATION_NEW,
    "renewal": ConsentSource.APPLICATION_RENEWAL,
    "change": ConsentSource.APPLICATION_CHANGE,
}


def consent_record_with_application(
    *, person: InsuredPerson, application_kind: str, granted: bool, by: User | None, reference: str = ""
) -> Consent:
    """包括同意 taken with a certification application (新規 / 更新 / 区分変更). The certification app calls
    this when it records an application."""
    if application_kind not in APPLICATION_SOURCES:
        raise ApplicationError("申請の種類が正しくありません。", code="consent.application_kind")
    return consent_record(
        person=person,
        status=ConsentStatus.GRANTED if granted else ConsentStatus.REFUSED,
        source=APPLICATION_SOURCES[application_kind],
        by=by,
        reference=reference,
    )


def consent_record_paper(
    *, person: InsuredPerson, status: str, by: User, note: str = "", on: dt.date | None = None
) -> Consent:
    """Municipal staff record a paper application: consent, refusal, or a withdrawal on request."""
    require_municipal_of(by, person)
    return consent_record(person=person, status=status, source=ConsentSource.PAPER, by=by, note=note, on=on)


def may_take_consent(office: Organisation) -> bool:
    """A 居宅介護支援事業所 (or 介護予防支援 / 地域包括) or a facility/residential office; no other provider."""
    if office.kind != OrganisationKind.CARE_OFFICE and not office.office_number:
        return False
    return office.is_care_management_office or bool(
        office.service_type_codes() & FACILITY_RESIDENTIAL_SERVICE_TYPES
    )


def consent_record_by_office(
    *, office: Organisation, person: InsuredPerson, granted: bool, by: User, note: str = ""
) -> Consent:
    """Consent taken on the municipality's behalf, by an office that serves the person."""
    require_may_take_consent_for(office, person)
    return consent_record(
        person=person,
        status=ConsentStatus.GRANTED if granted else ConsentStatus.REFUSED,
        source=ConsentSource.OFFICE,
        office=office,
        by=by,
        note=note,
    )


def require_may_take_consent_for(office: Organisation, person: InsuredPerson) -> None:
    """The office may take consent, and serves the person (404 otherwise: one answer with no such person)."""
    if not may_take_consent(office):
        raise ApplicationError(
            "同意の取得は居宅介護支援事業所・施設・居住系の事業所だけが行えます。",
            code="consent.office_not_allowed",
            status=403,
        )
    if (
        not Relationship.objects.filter(office=office, person=person)
        .filter(policy.live_relationship_q(timezone.now()))
        .exists()
    ):
        raise ApplicationError("担当事業所ではありません。", code="no_relationship", status=404)


def consent_withdraw(*, person: InsuredPerson, by: User, source: str, note: str = "") -> Consent:
    """撤回: blocks consent-gated reads from the next request; each office with a relationship is told."""
    if source == ConsentSource.PAPER:
        require_municipal_of(by, person)
    return consent_record(person=person, status=ConsentStatus.WITHDRAWN, source=source, by=by, note=note)
