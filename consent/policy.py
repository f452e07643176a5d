"""The access policy: who may see which category of whose data. Plugged into kaigo_portal.access.

The decision table is domain.md "Decisions where the spec is silent" (who sees what). Every gate that
applies to the actor must pass:

- municipal staff: their own insurer's persons, every category, live or not; another insurer's: 404;
- the platform operator: no personal data (404);
- offices (care managers, provider staff, office admins, office API keys): a live relationship (else
  404), then the insurer live (else 403 insurer_not_live), then certification data (survey, opinion,
  certification_progress) for care managers only (403 care_managers_only), then consent in force for
  survey, opinion, careplan and life (403 no_consent). Break-glass (`disaster`) is a relationship;
- clinics: what the registered clinic access providers grant (the opinions app registers one); none
  registered means a clinic sees nothing;
- the person or their representative: eligibility from 2026-04-01; certification_progress,
  home_modification, careplan and life once the insurer is live; never survey or opinion (disclosed by
  request to the municipality, outside the portal).

`decide` answers for one person, `find` for a person named by numbers (the read API), `decide_many` for a
page of persons; all three load what they decide on with one loader (`_loaded`: the person with the facts
as ORM expressions, compiled once per process for the one-person paths). `person_filter` builds the same
rules as a queryset filter from the same expressions, so that a list never shows a person `decide` would
refuse.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import Exact
from django.utils import timezone

from eligibility.models import InsuredPerson
from kaigo_portal.access import Actor, Decision, PersonLike
from kaigo_portal.accounts.models import CLINIC_ROLES, OFFICE_ROLES, Role
from kaigo_portal.audit.models import Category
from kaigo_portal.prepared import Prepared

from .models import (
    ActingAs,
    Consent,
    ConsentStatus,
    PersonAccount,
    Relationship,
    Representative,
    VerificationMethod,
)

# マイナポータル shows the 資格情報 from this date (domain.md §3.4, [T1]).
PERSON_ELIGIBILITY_FROM = dt.date(2026, 4, 1)

CONSENT_GATED = frozenset({Category.SURVEY, Category.OPINION, Category.CAREPLAN, Category.LIFE})
CARE_MANAGERS_ONLY = frozenset({Category.SURVEY, Category.OPINION, Category.CERTIFICATION_PROGRESS})
PERSON_AFTER_GO_LIVE = frozenset(
    {Category.CERTIFICATION_PROGRESS, Category.HOME_MODIFICATION, Category.CAREPLAN, Category.LIFE}
)
PERSON_NEVER = frozenset({Category.SURVEY, Category.OPINION})


class Reason:
    """Stable reason codes: written to the access log and returned by the API as error codes."""

    OWN_INSURER = "own_insurer"
    OTHER_INSURER = "other_insurer"
    NO_PERSONAL_DATA = "operator_sees_no_personal_data"
    RELATIONSHIP = "relationship"
    NO_RELATIONSHIP = "no_relationship"
    INSURER_NOT_LIVE = "insurer_not_live"
    CARE_MANAGERS_ONLY = "care_managers_only"
    NO_CONSENT = "no_consent"
    OWN_DATA = "own_data"
    NOT_OWN_DATA = "not_own_data"
    BEFORE_SERVICE_START = "before_service_start"
    DISCLOSED_ON_REQUEST = "disclosed_on_request"
    CLINIC_NO_GRANT = "clinic_no_grant"
    CLINIC_NOT_THIS_CATEGORY = "clinic_not_this_category"
    NO_RULE = "no_rule_grants_access"


# The 403 codes an office's API client can get are documented in kaigo_portal.api.responses
# (READ_FORBIDDEN_CODES); consent/tests/test_policy.py holds the two to each other.


class ClinicAccessProvider(Protocol):
    """What a clinic may see comes from the app that knows its opinion requests (issue 8)."""

    def decide(self, organisation, person: PersonLike, category: str) -> Decision | None:
        """A grant (or a 403 for a person the clinic knows), or None when this provider has no say."""

    def person_filter(self, organisation, category: str, *, prefix: str = "") -> Q:
        """The persons this provider grants `category` of, for the clinic."""


_clinic_providers: list[ClinicAccessProvider] = []


def register_clinic_access_provider(provider: ClinicAccessProvider) -> None:
    if provider not in _clinic_providers:
        _clinic_providers.append(provider)


def unregister_clinic_access_provider(provider: ClinicAccessProvider) -> None:
    if provider in _clinic_providers:
        _clinic_providers.remove(provider)


def lapse_cutoff(today: dt.date) -> dt.date:
    """A relationship anchored before this date has had no claim for N months: it has lapsed."""
    return _months_before(today, settings.KAIGO_RELATIONSHIP_LAPSE_MONTHS)


@functools.lru_cache(maxsize=64)
def _months_before(today: dt.date, months: int) -> dt.date:
    return today - relativedelta(months=months)


def live_relationship_q(now: dt.datetime, *, cutoff: dt.date | None = None, prefix: str = "") -> Q:
    """A relationship in force at `now`: not ended, and a break-glass one not expired, any other anchored
    on or after the lapse cutoff (by default the one of `now`'s day)."""
    if cutoff is None:
        cutoff = lapse_cutoff(timezone.localdate(now))
    disaster = Q(**{f"{prefix}method": VerificationMethod.DISASTER, f"{prefix}expires_at__gt": now})
    ordinary = ~Q(**{f"{prefix}method": VerificationMethod.DISASTER}) & Q(
        **{f"{prefix}anchor_on__gte": cutoff}
    )
    return Q(**{f"{prefix}ended_at__isnull": True}) & (disaster | ordinary)


# --- the office rule: one definition, used by the decisions and by the lists ---------------------------
# `person` is what names the person in the query the expression goes into: OuterRef("pk") over persons,
# OuterRef("person__pk") over their applications, or a pk.


def live_relationships(
    *, office_id: int, now: dt.datetime, cutoff: dt.date, person
) -> QuerySet[Relationship]:
    """The office's relationships with the person that are in force. An office has at most one open
    relationship with a person (the one_open_relationship constraint), so at most one is live."""
    return Relationship.objects.filter(person_id=person, office_id=office_id).filter(
        live_relationship_q(now, cutoff=cutoff)
    )


def consent_events(*, on: dt.date, person) -> QuerySet[Consent]:
    """The person's consent events that count on `on`, the one in force first (by date, then order)."""
    return Consent.objects.filter(person_id=person, deleted=False, effective_date__lte=on).order_by(
        "-effective_date", "-id"
    )


def consent_status_in_force(*, on: dt.date, person) -> Subquery:
    """The status of the consent in force on `on` (None: the person never answered)."""
    return Subquery(consent_events(on=on, person=person).values("status")[:1])


def _office_facts(*, office_id: int, now: dt.datetime, cutoff: dt.date, today: dt.date, person) -> dict:
    return {
        "relationship_method": Subquery(
            live_relationships(office_id=office_id, now=now, cutoff=cutoff, person=person).values("method")[
                :1
            ]
        ),
        "consent_status": consent_status_in_force(on=today, person=person),
    }


def _office_values(actor: Actor) -> dict:
    now = timezone.now()
    today = timezone.localdate(now)
    return {"office_id": actor.organisation.pk, "now": now, "cutoff": lapse_cutoff(today), "today": today}


def _person_facts(*, user_id: int, today: dt.date, person) -> dict:
    """A person actor's own account on the person, and a representation in force today."""
    return {
        "own_account": Exists(PersonAccount.objects.filter(person_id=person, user_id=user_id)),
        "representing": Exists(_representatives(today).filter(person_id=person, user_id=user_id)),
    }


def _person_values(actor: Actor) -> dict:
    return {"user_id": actor.user.pk, "today": timezone.localdate()}


_FACTS = {"office": (_office_facts, _office_values), "person": (_person_facts, _person_values)}


def _loaded(kind: str, *, where: dict, values: dict) -> QuerySet[InsuredPerson]:
    """The one loader: the persons `where` names, with their insurer and the facts the rules need for an
    actor of this kind (`values`: what the facts are of, from `_office_values` / `_person_values`)."""
    persons = InsuredPerson.objects.select_related("insurer").filter(**where)
    if kind not in _FACTS:
        return persons
    facts, _values = _FACTS[kind]
    return persons.annotate(**facts(**values, person=OuterRef("pk")))


_BY_NUMBERS = {"insurer__insurer_number": "insurer_number", "insured_number": "insured_number"}


def _prepared_load(kind: str, **given) -> QuerySet[InsuredPerson]:
    where = {lookup: given.pop(name) for lookup, name in _BY_NUMBERS.items() if name in given}
    if "pk" in given:
        where["pk"] = given.pop("pk")
    return _loaded(kind, where=where, values=given)


# The loader compiled once per actor kind and way of naming the person: every page's and API's decision.
_LOADERS = {kind: Prepared(functools.partial(_prepared_load, kind)) for kind in ("office", "person", "other")}


def _values_for(actor: Actor, kind: str) -> dict:
    return _FACTS[kind][1](actor) if kind in _FACTS else {}


def _known(kind: str, person) -> _Known | None:
    if kind == "office":
        method = person.relationship_method
        return _Known(method, method is not None and person.consent_status == ConsentStatus.GRANTED, None)
    if kind == "person":
        return _Known(
            None,
            False,
            ActingAs.OWN if person.own_account else ActingAs.REPRESENTATIVE if person.representing else None,
        )
    return None


def is_care_manager(actor: Actor) -> bool:
    """A user, or an API key, of a care-management office, acting as care manager."""
    org = actor.organisation
    return actor.role == Role.CARE_MANAGER and org is not None and org.is_care_management_office


def _kind_of(actor: Actor) -> str:
    if actor.is_person:
        return "person"
    if actor.is_municipal:
        return "municipal"
    if actor.role == Role.PLATFORM_OPERATOR:
        return "operator"
    if actor.role in CLINIC_ROLES:
        return "clinic"
    if actor.role in OFFICE_ROLES and actor.organisation is not None and actor.organisation.office_number:
        return "office"
    return "none"


@dataclass
class _Known:
    """What decide needs beyond the person row, from the loader."""

    relationship_method: str | None
    consent: bool
    own: str | None  # ActingAs, for a person actor


class ConsentRules:
    """The rule set registered into the door (see the module docstring)."""

    def decide(self, actor: Actor, person: PersonLike, category: str) -> Decision:
        kind = _kind_of(actor)
        known = None
        if kind in _FACTS:
            pk = getattr(person, "pk", None)
            if pk is not None:
                where = {"pk": pk}
            else:  # a person named by numbers only (PersonRef), who may have no row at all
                where = {
                    "insurer_number": person.insurer.insurer_number,
                    "insured_number": person.insured_number,
                }
            found = _LOADERS[kind].bind(**where, **_values_for(actor, kind)).run()
            known = _known(kind, found[0]) if found else _Known(None, False, None)
        return self._decide(actor, kind, person, category, known)

    def find(self, actor: Actor, insurer_number: str, insured_number: str, category: str):
        """The person named by the numbers, with the decision, from one statement (None, None: no such
        person)."""
        kind = _kind_of(actor)
        loader = _LOADERS[kind if kind in _FACTS else "other"]
        found = loader.bind(
            insurer_number=insurer_number, insured_number=insured_number, **_values_for(actor, kind)
        ).run()
        if not found:
            return None, None
        person = found[0]
        return person, self._decide(actor, kind, person, category, _known(kind, person))

    def decide_many(self, actor: Actor, persons: Sequence[PersonLike], category: str) -> list[Decision]:
        kind = _kind_of(actor)
        known: dict[int, _Known] = {}
        if kind in _FACTS:
            ids = [p.pk for p in persons if getattr(p, "pk", None) is not None]
            loaded = _loaded(kind, where={"pk__in": ids}, values=_values_for(actor, kind))
            known = {p.pk: _known(kind, p) for p in loaded}
        return [self._decide(actor, kind, p, category, known.get(getattr(p, "pk", None))) for p in persons]

    def _decide(self, actor, kind, person, category, known: _Known | None) -> Decision:
        match kind:
            case "municipal":
                if actor.organisation is not None and actor.organisation.pk == person.insurer_id:
                    return Decision.grant(Reason.OWN_INSURER, method="insurer")
                return Decision.not_visible(Reason.OTHER_INSURER)
            case "operator":
                return Decision.not_visible(Reason.NO_PERSONAL_DATA)
            case "office":
                return self._office(actor, person, category, known)
            case "person":
                return self._person(person, category, known)
            case "clinic":
                return self._clinic(actor, person, category)
        return Decision.not_visible(Reason.NO_RULE)

    def _office(self, actor, person, category, known: _Known | None) -> Decision:
        if known is None or known.relationship_method is None:
            return Decision.not_visible(Reason.NO_RELATIONSHIP)
        method = known.relationship_method
        if not person.insurer.is_live():
            return Decision.forbid(Reason.INSURER_NOT_LIVE, method=method)
        if category in CARE_MANAGERS_ONLY and not is_care_manager(actor):
            return Decision.forbid(Reason.CARE_MANAGERS_ONLY, method=method)
        if category in CONSENT_GATED and not known.consent:
            return Decision.forbid(Reason.NO_CONSENT, method=method)
        return Decision.grant(Reason.RELATIONSHIP, method=method)

    def _person(self, person, category, known: _Known | None) -> Decision:
        if known is None or known.own is None:
            return Decision.not_visible(Reason.NOT_OWN_DATA)
        method = known.own
        if category in PERSON_NEVER:
            return Decision.forbid(Reason.DISCLOSED_ON_REQUEST, method=method)
        if category == Category.ELIGIBILITY:
            if timezone.localdate() < PERSON_ELIGIBILITY_FROM:
                return Decision.forbid(Reason.BEFORE_SERVICE_START, method=method)
            return Decision.grant(Reason.OWN_DATA, method=method)
        if not person.insurer.is_live():
            return Decision.forbid(Reason.INSURER_NOT_LIVE, method=method)
        return Decision.grant(Reason.OWN_DATA, method=method)

    def _clinic(self, actor, person, category) -> Decision:
        refusal = None
        for provider in _clinic_providers:
            decision = provider.decide(actor.organisation, person, category)
            if decision is not None and decision.granted:
                return decision
            refusal = refusal or decision
        return refusal or Decision.not_visible(Reason.CLINIC_NO_GRANT)

    # --- the same rules as a queryset filter, from the same expressions -----------------------------
    def person_filter(self, actor: Actor, category: str, *, prefix: str = "") -> Q:
        nothing = Q(pk__in=[])
        kind = _kind_of(actor)
        today = timezone.localdate()
        live_insurer = Q(**{f"{prefix}insurer__go_live_date__lte": today})
        person = OuterRef(f"{prefix}pk")
        match kind:
            case "municipal":
                return Q(**{f"{prefix}insurer_id": actor.organisation.pk})
            case "office":
                if category in CARE_MANAGERS_ONLY and not is_care_manager(actor):
                    return nothing
                live = live_relationships(
                    office_id=actor.organisation.pk,
                    now=timezone.now(),
                    cutoff=lapse_cutoff(today),
                    person=person,
                )
                q = Q(Exists(live)) & live_insurer
                if category in CONSENT_GATED:
                    q &= Q(Exact(consent_status_in_force(on=today, person=person), ConsentStatus.GRANTED))
                return q
            case "person":
                if category in PERSON_NEVER:
                    return nothing
                facts = _person_facts(**_person_values(actor), person=person)
                q = Q(facts["own_account"]) | Q(facts["representing"])
                if category == Category.ELIGIBILITY:
                    return q if today >= PERSON_ELIGIBILITY_FROM else nothing
                return q & live_insurer
            case "clinic":
                q = nothing
                for provider in _clinic_providers:
                    q |= provider.person_filter(actor.organisation, category, prefix=prefix)
                return q
        return nothing


def _representatives(today: dt.date):
    return Representative.objects.filter(revoked_at__isnull=True, valid_from__lte=today, valid_to__gte=today)
