"""Reads of care plans, already scoped to the actor.

Two layers, both needed:
1. the policy's category gate (`careplan`), through kaigo_portal.access: a live relationship and consent
   for offices, the insurer live for the person, the own insurer for municipal staff;
2. the object rules of this app, on top: a plan that is not delivered (原案, 同意・確認用登録, 同意済み) is
   seen only by its author office; the person (or their representative) also sees it while it is in
   同意・確認用登録. Delivered plans (交付用登録, and earlier delivered versions) are seen by whoever passes
   the gate. A receiving office of a sent plan passes the same gate (relationship + consent) at read time.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from certification.models import Application
from consent.models import PersonAccount, Relationship, Representative
from consent.policy import live_relationship_q
from eligibility.models import InsuredPerson
from eligibility.selectors import card_as_of
from kaigo_portal import access
from kaigo_portal.access import Actor, Category
from kaigo_portal.accounts.models import Organisation

from .models import DELIVERED_STATES, CarePlan, Delivery, PlanServiceRow, PlanStatus

CAREPLAN = Category.CAREPLAN
LIFE = Category.LIFE
DRAFT_OF_ANOTHER_OFFICE = "draft_of_another_office"
NOT_AWAITING_AGREEMENT = "draft_not_awaiting_agreement"


def _kind(actor: Actor) -> str:
    if actor.is_person:
        return "person"
    if actor.is_municipal:
        return "municipal"
    if actor.organisation is not None and actor.organisation.office_number:
        return "office"
    return "none"


def visible_q(actor: Actor, *, prefix: str = "") -> Q:
    """The object rule as a filter over CarePlan (the category gate is applied separately)."""
    delivered = Q(**{f"{prefix}status__in": DELIVERED_STATES})
    match _kind(actor):
        case "office":
            return delivered | Q(**{f"{prefix}author_office": actor.organisation})
        case "person":
            return delivered | Q(**{f"{prefix}status": PlanStatus.FOR_CONSENT})
        case "municipal":
            return delivered
    return Q(pk__in=[])


def may_see(actor: Actor, plan: CarePlan) -> bool:
    """The object rule for one plan (the same rule as `visible_q`)."""
    if plan.is_delivered:
        return _kind(actor) in ("office", "person", "municipal")
    if _kind(actor) == "office":
        return plan.author_office_id == actor.organisation.pk
    return _kind(actor) == "person" and plan.status == PlanStatus.FOR_CONSENT


def with_tables(queryset: QuerySet[CarePlan]) -> QuerySet[CarePlan]:
    return queryset.select_related("person__insurer", "author_office").prefetch_related(
        Prefetch("service_rows", queryset=PlanServiceRow.objects.select_related("office")),
        "weekly_entries",
        "events",
    )


def plan_for(actor: Actor, *, pk: int, purpose: str) -> CarePlan:
    """Fetches one plan and authorises the read: the category gate, then the object rule; one log row."""
    plan = with_tables(CarePlan.objects.filter(pk=pk)).first()
    if plan is None:
        raise access.NotVisible("no such plan")

    def object_rule() -> str | None:
        if may_see(actor, plan):
            return None
        return DRAFT_OF_ANOTHER_OFFICE if _kind(actor) == "office" else NOT_AWAITING_AGREEMENT

    access.authorize(actor, plan.person, CAREPLAN, purpose, object_rule=object_rule)
    return plan


def plans_for(actor: Actor) -> QuerySet[CarePlan]:
    """Plans the actor may see: persons through the gate's filter, plans through the object rule."""
    plans = access.filter_persons(actor, CarePlan.objects.all(), CAREPLAN, prefix="person__")
    return plans.filter(visible_q(actor)).select_related("person__insurer", "author_office")


def log_plans_listed(actor: Actor, plans, purpose: str) -> None:
    """One log row per person shown (a person with several plans is logged once), in one statement."""
    persons = {plan.person_id: plan.person for plan in plans}
    access.log_listed(actor, persons.values(), CAREPLAN, purpose)


def inbox_for(actor: Actor) -> QuerySet[Delivery]:
    """Plans sent to the actor's office, for persons it still may see (relationship + consent)."""
    persons = access.filter_persons(actor, InsuredPerson.objects.all(), CAREPLAN)
    return (
        Delivery.objects.filter(office=actor.organisation, plan__person__in=persons)
        .select_related("plan__person__insurer", "plan__author_office")
        .order_by("-sent_at", "-id")
    )


def person_for(
    actor: Actor, *, insurer_number: str, insured_number: str, category: str, purpose: str
) -> InsuredPerson:
    """Fetches a person by numbers and authorises the read of `category` (logged; no such person is the same
    404, logged under the numbers asked for)."""
    person, _nothing = access.read(actor, access.Numbers(insurer_number, insured_number), category, purpose)
    return person


def serving_offices(person: InsuredPerson, on: dt.date | None = None) -> QuerySet[Organisation]:
    """The offices that serve the person now (a live relationship): the editor offers these, so that
    nobody types an office the platform already knows."""
    live = Relationship.objects.filter(person=person).filter(live_relationship_q(timezone.now()))
    return Organisation.objects.filter(pk__in=live.values("office_id")).order_by("office_number")


def may_receive(office: Organisation, person: InsuredPerson) -> bool:
    """Whether `office` would pass the careplan gate for `person` (relationship + consent, insurer live).
    Asked through the policy's filter, not authorize: the office reads nothing here, so nothing is logged."""
    return person.pk in receivable(office, [person])


def receivable(office: Organisation, persons) -> set[int]:
    """The pks of `persons` whom `office` would pass the careplan gate for (one statement, not logged)."""
    receiver = Actor(user=None, organisation=office, role=office.office_role())
    wanted = InsuredPerson.objects.filter(pk__in=[p.pk for p in persons])
    return set(access.filter_persons(receiver, wanted, CAREPLAN).values_list("pk", flat=True))


def certification_facts(person: InsuredPerson, on: dt.date) -> dict:
    """What 第1表 takes from the platform: the care level and its validity, the 審査会意見, and whether
    an application is under way (申請中) — the care manager never types these."""
    certification = card_as_of(person, on).certification
    pending = Application.objects.filter(person=person, decided_on__isnull=True).exists()
    return {
        "certification_status": "2" if pending or certification is None else "1",
        "care_level": certification.care_level if certification else "",
        "certified_on": certification.certified_on if certification else None,
        "valid_from": certification.valid_from if certification else None,
        "valid_to": certification.valid_to if certification else None,
        "panel_opinion": _panel_opinion(person, certification),
    }


def _panel_opinion(person: InsuredPerson, certification) -> str:
    """The card's 審査会意見 (and サービスの種類の指定); failing that, the latest decided application's."""
    if certification is not None and certification.panel_opinion:
        return certification.panel_opinion
    decided = (
        Application.objects.filter(person=person, decided_on__isnull=False).order_by("-decided_on").first()
    )
    return decided.panel_opinion if decided else ""


def series_versions(plan: CarePlan) -> QuerySet[CarePlan]:
    return CarePlan.objects.filter(series_id=plan.series_id).order_by("version")


def acts_for(user, person: InsuredPerson) -> bool:
    """Whether a 本人 user is the person or their representative today."""
    if user is None:
        return False
    if PersonAccount.objects.filter(user=user, person=person).exists():
        return True
    today = timezone.localdate()
    return Representative.objects.filter(
        user=user, person=person, revoked_at__isnull=True, valid_from__lte=today, valid_to__gte=today
    ).exists()
