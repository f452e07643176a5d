"""Reads for the consent screens, already scoped to the actor through the door."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import CharField, Count, Max, Min, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Coalesce, NullIf, TruncDate
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


def _logged_for(person: InsuredPerson, since: dt.datetime | None) -> QuerySet[AccessLogEntry]:
    rows = AccessLogEntry.objects.filter(
        insurer_number=person.insurer.insurer_number, insured_number=person.insured_number
    )
    return rows if since is None else rows.filter(at__gte=since)


def _page_view() -> Coalesce:
    """The page view (request) that wrote a log row: its request id, or the row itself where none was kept."""
    return Coalesce(NullIf("request_id", Value("")), Cast("id", CharField()))


def views_by_others(person: InsuredPerson, *, since: dt.datetime | None) -> QuerySet:
    """Reads of the person's data by anyone but the person and their representatives, one item per page view
    and outcome (a page writes a row per category it shows), newest first: dicts of view, outcome, first
    (the first row's id: the one a dispute names) and last_at. `view_rows` fills in a page of them."""
    rows = _logged_for(person, since).exclude(purpose=access.Purpose.OWN_DATA)
    return (
        rows.annotate(view=_page_view())
        .values("view", "outcome")
        .annotate(first=Min("id"), last_at=Max("at"))
        .order_by("-last_at", "-first")
    )


def view_rows(person: InsuredPerson, views: list[dict]) -> list[dict]:
    """The items of `views_by_others` with their first row (`entry`) and every category they read."""
    keys = {item["view"] for item in views}
    rows = (
        _logged_for(person, None)
        .exclude(purpose=access.Purpose.OWN_DATA)
        .annotate(view=_page_view())
        .filter(view__in=keys)
        .order_by("id")
    )
    by_view: dict[tuple, list[AccessLogEntry]] = {}
    for row in rows:
        by_view.setdefault((row.view, row.outcome), []).append(row)
    filled = []
    for item in views:
        group = by_view.get((item["view"], item["outcome"]), [])
        if not group:
            continue
        categories = list(dict.fromkeys(row.get_category_display() for row in group))
        filled.append({**item, "entry": group[0], "categories": categories, "rows": len(group)})
    return filled


def disputable_entry(person: InsuredPerson, entry_id: int) -> AccessLogEntry | None:
    """A log row of the person's that they may dispute: anyone's read but their own and their representatives'."""
    return _logged_for(person, None).exclude(purpose=access.Purpose.OWN_DATA).filter(pk=entry_id).first()


def own_views_by_day(person: InsuredPerson, *, since: dt.datetime | None) -> QuerySet:
    """The person's own reads and their representatives', folded into one item per day and reader (Japan
    time): dicts of day, method, actor_name, views (page views) and last_at, newest day first."""
    rows = _logged_for(person, since).filter(purpose=access.Purpose.OWN_DATA)
    return (
        rows.annotate(day=TruncDate("at", tzinfo=ZoneInfo("Asia/Tokyo")), view=_page_view())
        .values("day", "method", "actor_name")
        .annotate(views=Count("view", distinct=True), last_at=Max("at"))
        .order_by("-day", "-last_at")
    )


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
