"""Reads for the consent screens, already scoped to the actor through the door."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from eligibility.models import CertificationVersion, InsuredPerson
from kaigo_portal import access
from kaigo_portal.audit.models import AccessLogEntry, Category

from .models import (
    CardCertificate,
    Consent,
    DisasterPeriod,
    Dispute,
    DisputeStatus,
    Relationship,
    Representative,
)
from .policy import consent_events, lapse_cutoff, live_relationships

MUNICIPAL = access.Purpose.INSURER_ADMINISTRATION

RENEWAL_WINDOW_DAYS = 60


def _current_certification(today: dt.date) -> QuerySet:
    """The person's certification in force today: the latest version effective on or before today whose
    period covers today. (A later deletion of that record is not looked at here: the card page is exact.)"""
    return CertificationVersion.objects.filter(
        person=OuterRef("pk"),
        effective_date__lte=today,
        valid_from__lte=today,
        valid_to__gte=today,
        deleted=False,
    ).order_by("-valid_from", "-effective_date", "-id")


def caseload_for(actor: access.Actor) -> QuerySet[InsuredPerson]:
    """The persons with a live relationship to the actor's office, with care level and validity: one query."""
    today = timezone.localdate()
    current = _current_certification(today)
    relationships = live_relationships(  # the access policy's own definition
        office_id=actor.organisation.pk, now=timezone.now(), cutoff=lapse_cutoff(today), person=OuterRef("pk")
    )
    persons = access.filter_persons(
        actor, InsuredPerson.objects.select_related("insurer"), Category.ELIGIBILITY
    )
    return persons.annotate(
        care_level=Subquery(current.values("care_level")[:1]),
        valid_to=Subquery(current.values("valid_to")[:1]),
        relationship_id=Subquery(relationships.order_by("-verified_at").values("pk")[:1]),
        relationship_method=Subquery(relationships.order_by("-verified_at").values("method")[:1]),
    ).order_by("name_kana", "insured_number")


def renewal_due(valid_to: dt.date | None, today: dt.date) -> bool:
    return valid_to is not None and today <= valid_to <= today + dt.timedelta(days=RENEWAL_WINDOW_DAYS)


def access_history(person: InsuredPerson, *, since: dt.datetime | None) -> QuerySet[AccessLogEntry]:
    """Who looked at the person's data (every channel: pages, lists, API, PDF), newest first."""
    rows = AccessLogEntry.objects.filter(
        insurer_number=person.insurer.insurer_number, insured_number=person.insured_number
    )
    if since is not None:
        rows = rows.filter(at__gte=since)
    return rows.order_by("-at", "-id")


def open_relationships(office) -> QuerySet[Relationship]:
    return Relationship.objects.filter(office=office, ended_at__isnull=True)


def _seen(actor: access.Actor, queryset: QuerySet, category: str = Category.ELIGIBILITY) -> QuerySet:
    """The rows of `queryset` whose person the actor may read (the door's filter)."""
    return access.filter_persons(actor, queryset, category, prefix="person__")


def _one_for(actor: access.Actor, queryset: QuerySet, pk: int, *, purpose: str = MUNICIPAL):
    return access.fetch(
        actor, queryset.select_related("person__insurer"), Category.ELIGIBILITY, purpose, pk=pk
    )


def break_glass_queue_for(actor: access.Actor) -> QuerySet[Relationship]:
    """緊急閲覧 not yet reviewed, of the persons the actor may read (a municipality: its own)."""
    return (
        _seen(actor, Relationship.objects.filter(method="disaster", reviewed_at__isnull=True))
        .select_related("office", "person__insurer")
        .order_by("verified_at")
    )


def break_glass_for(actor: access.Actor, pk: int) -> Relationship:
    return _one_for(actor, Relationship.objects.filter(method="disaster"), pk)


def open_disputes_for(actor: access.Actor) -> QuerySet[Dispute]:
    return (
        _seen(actor, Dispute.objects.filter(status=DisputeStatus.OPEN))
        .select_related("person__insurer")
        .order_by("created_at")
    )


def dispute_for(actor: access.Actor, pk: int) -> Dispute:
    return _one_for(actor, Dispute.objects.all(), pk)


def representatives_for(actor: access.Actor) -> QuerySet[Representative]:
    return _seen(actor, Representative.objects.all()).select_related("user", "person__insurer")


def card_certificates_for(actor: access.Actor) -> QuerySet[CardCertificate]:
    return _seen(actor, CardCertificate.objects.all()).select_related("person__insurer")


def own_person_for(actor: access.Actor, insured_number: str) -> InsuredPerson | None:
    """A person of the actor's own insurer by 被保険者番号 (the municipal pickers). A number that is none of
    theirs is the same "not this insurer's" for every reason, and the miss is logged under the number asked
    for, as every look-up is."""
    insurer = actor.organisation
    persons = access.filter_persons(
        actor, InsuredPerson.objects.select_related("insurer"), Category.ELIGIBILITY
    )
    person = persons.filter(insurer=insurer, insured_number=insured_number.strip()).first()
    if person is None:
        access.log_lookup(
            actor,
            insurer.insurer_number,
            insured_number.strip(),
            Category.ELIGIBILITY,
            MUNICIPAL,
            granted=False,
            reason="not_this_insurers",
        )
    return person


def consent_current(person: InsuredPerson, on: dt.date | None = None) -> Consent | None:
    """The consent event in force on `on` (today by default): the rule of the access policy."""
    return consent_events(on=on or timezone.localdate(), person=person.pk).first()


def active_disaster_period(insurer_id: int, today: dt.date) -> DisasterPeriod | None:
    return (
        DisasterPeriod.objects.filter(
            insurer_id=insurer_id, starts_on__lte=today, ends_on__gte=today, closed_at__isnull=True
        )
        .order_by("-ends_on")
        .first()
    )


def declared_disaster_periods(today: dt.date) -> QuerySet:
    """The disaster periods in force today, with their insurer: public facts (a municipality announces
    them), shown on the 緊急閲覧 form so that its one refusal need not say which check failed."""
    return (
        DisasterPeriod.objects.filter(starts_on__lte=today, ends_on__gte=today, closed_at__isnull=True)
        .select_related("insurer")
        .order_by("insurer__insurer_number", "starts_on")
    )
