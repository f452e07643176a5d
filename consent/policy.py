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

`decide` answers for one person; `person_filter` is the same rules as a queryset filter, so that a list
never shows a person `decide` would refuse; `decide_many` answers for a page of persons in a fixed
number of queries.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from eligibility.models import InsuredPerson
from kaigo_portal.access import Actor, Decision, PersonLike
from kaigo_portal.accounts.models import CLINIC_ROLES, OFFICE_ROLES, Role
from kaigo_portal.audit.models import Category

from .models import Consent, ConsentStatus, PersonAccount, Relationship, Representative, VerificationMethod

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


# The 403 codes an office's API client can get, with their meaning (documented in the OpenAPI schema).
FORBIDDEN_CODES = {
    Reason.INSURER_NOT_LIVE: "保険者の利用開始日前です。",
    Reason.CARE_MANAGERS_ONLY: "認定情報は居宅介護支援・介護予防支援・地域包括支援センターのケアマネジャーだけが閲覧できます。",
    Reason.NO_CONSENT: "本人の同意がありません（撤回・不同意を含む）。",
}


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


def live_relationship_q(now: dt.datetime, *, prefix: str = "") -> Q:
    today = timezone.localdate(now)
    disaster = Q(**{f"{prefix}method": VerificationMethod.DISASTER, f"{prefix}expires_at__gt": now})
    ordinary = ~Q(**{f"{prefix}method": VerificationMethod.DISASTER}) & Q(
        **{f"{prefix}anchor_on__gte": lapse_cutoff(today)}
    )
    return Q(**{f"{prefix}ended_at__isnull": True}) & (disaster | ordinary)


def consents_in_force(today: dt.date):
    """Consent events that are in force today: a grant with no later event (by date, then order)."""
    later = Consent.objects.filter(
        person=OuterRef("person"), deleted=False, effective_date__lte=today
    ).filter(
        Q(effective_date__gt=OuterRef("effective_date"))
        | Q(effective_date=OuterRef("effective_date"), id__gt=OuterRef("id"))
    )
    return Consent.objects.filter(
        deleted=False, effective_date__lte=today, status=ConsentStatus.GRANTED
    ).exclude(Exists(later))


def consent_in_force_ids(person_ids: Iterable[int], today: dt.date) -> set[int]:
    return set(
        consents_in_force(today).filter(person_id__in=list(person_ids)).values_list("person_id", flat=True)
    )


def _person_key(person: PersonLike) -> Q:
    pk = getattr(person, "pk", None)
    if pk is not None:
        return Q(person_id=pk)
    return Q(person__insurer_id=person.insurer_id, person__insured_number=person.insured_number)


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
    """What decide needs beyond the person row, loaded per person or in bulk for a list."""

    relationship_method: str | None
    consent: bool
    own: str | None  # "own" or "representative" for a person actor


class ConsentRules:
    """The rule set registered into the door (see the module docstring)."""

    # --- one person -------------------------------------------------------------------------------
    def decide(self, actor: Actor, person: PersonLike, category: str) -> Decision:
        kind = _kind_of(actor)
        if kind in ("office", "person"):
            return self._decide(actor, kind, person, category, self._load(actor, kind, person, category))
        return self._decide(actor, kind, person, category, None)

    def find_and_decide(self, actor: Actor, insurer_number: str, insured_number: str, category: str):
        """For an office: the person and the decision from one statement (the read API's hot path).
        None for other actors: the door then looks the person up and asks `decide`."""
        if _kind_of(actor) != "office":
            return None
        from eligibility.selectors import person_by_numbers_with

        person, facts = person_by_numbers_with(
            insurer_number, insured_number, extra=_OFFICE_COLUMNS,
            extra_params=_office_columns_params(actor.organisation.pk, timezone.now()),
        )  # fmt: skip
        if person is None:
            return None, None
        known = _known_from(*facts)
        return person, self._decide(actor, "office", person, category, known)

    def decide_many(self, actor: Actor, persons: Sequence[PersonLike], category: str) -> list[Decision]:
        kind = _kind_of(actor)
        known = self._load_many(actor, kind, persons, category) if kind in ("office", "person") else {}
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

    # --- what decide needs ------------------------------------------------------------------------
    def _load(self, actor, kind, person, category) -> _Known:
        now = timezone.now()
        if kind == "office":
            if getattr(person, "pk", None) is not None:
                return _office_known(actor.organisation.pk, person.pk, now)
            methods = list(
                Relationship.objects.filter(_person_key(person), office=actor.organisation)
                .filter(live_relationship_q(now))
                .values_list("method", flat=True)
            )
            method = _preferred(methods)
            consent = False
            if method is not None and category in CONSENT_GATED:
                consent = consents_in_force(timezone.localdate(now)).filter(_person_key(person)).exists()
            return _Known(method, consent, None)
        return _Known(None, False, self._own(actor, person))

    def _own(self, actor, person) -> str | None:
        if PersonAccount.objects.filter(_person_key(person), user=actor.user).exists():
            return "own"
        today = timezone.localdate()
        if _representatives(today).filter(_person_key(person), user=actor.user).exists():
            return "representative"
        return None

    def _load_many(self, actor, kind, persons, category) -> dict[int, _Known]:
        ids = [p.pk for p in persons if getattr(p, "pk", None) is not None]
        now = timezone.now()
        if kind == "office":
            methods: dict[int, list[str]] = {}
            rows = (
                Relationship.objects.filter(person_id__in=ids, office=actor.organisation)
                .filter(live_relationship_q(now))
                .values_list("person_id", "method")
            )
            for person_id, method in rows:
                methods.setdefault(person_id, []).append(method)
            consented = (
                consent_in_force_ids(ids, timezone.localdate(now)) if category in CONSENT_GATED else set()
            )
            return {pid: _Known(_preferred(methods.get(pid, [])), pid in consented, None) for pid in ids}
        own = set(
            PersonAccount.objects.filter(user=actor.user, person_id__in=ids).values_list(
                "person_id", flat=True
            )
        )
        represented = set(
            _representatives(timezone.localdate())
            .filter(user=actor.user, person_id__in=ids)
            .values_list("person_id", flat=True)
        )
        return {
            pid: _Known(
                None, False, "own" if pid in own else "representative" if pid in represented else None
            )
            for pid in ids
        }

    # --- the same rules as a queryset filter ------------------------------------------------------
    def person_filter(self, actor: Actor, category: str, *, prefix: str = "") -> Q:
        nothing = Q(pk__in=[])
        kind = _kind_of(actor)
        today = timezone.localdate()
        live_insurer = Q(**{f"{prefix}insurer__go_live_date__lte": today})
        match kind:
            case "municipal":
                return Q(**{f"{prefix}insurer_id": actor.organisation.pk})
            case "office":
                if category in CARE_MANAGERS_ONLY and not is_care_manager(actor):
                    return nothing
                related = Relationship.objects.filter(office=actor.organisation).filter(
                    live_relationship_q(timezone.now())
                )
                q = Q(**{f"{prefix}pk__in": related.values("person_id")}) & live_insurer
                if category in CONSENT_GATED:
                    q &= Q(**{f"{prefix}pk__in": consents_in_force(today).values("person_id")})
                return q
            case "person":
                if category in PERSON_NEVER:
                    return nothing
                own = PersonAccount.objects.filter(user=actor.user).values("person_id")
                rep = _representatives(today).filter(user=actor.user).values("person_id")
                q = Q(**{f"{prefix}pk__in": own}) | Q(**{f"{prefix}pk__in": rep})
                if category == Category.ELIGIBILITY:
                    return q if today >= PERSON_ELIGIBILITY_FROM else nothing
                return q & live_insurer
            case "clinic":
                q = nothing
                for provider in _clinic_providers:
                    q |= provider.person_filter(actor.organisation, category, prefix=prefix)
                return q
        return nothing


# An office's live relationship with a person and the latest consent event in force, as two scalar
# columns over the person row (alias p): the same rules as live_relationship_q and consents_in_force.
# An office has at most one open relationship with a person (the one_open_relationship constraint), so
# one method is all there is. `decide` asks them by the person's pk; the read API asks them in the
# statement that finds the person (find_and_decide).
_OFFICE_COLUMNS = f"""
(SELECT r.method FROM {Relationship._meta.db_table} r
 WHERE r.person_id = p.id AND r.office_id = %s AND r.ended_at IS NULL
   AND ((r.method = %s AND r.expires_at > %s) OR (r.method <> %s AND r.anchor_on >= %s)) LIMIT 1),
(SELECT c.status FROM {Consent._meta.db_table} c
 WHERE c.person_id = p.id AND c.deleted = %s AND c.effective_date <= %s
 ORDER BY c.effective_date DESC, c.id DESC LIMIT 1)
"""  # noqa: S608
_OFFICE_KNOWN = f"SELECT {_OFFICE_COLUMNS} FROM {InsuredPerson._meta.db_table} p WHERE p.id = %s"  # noqa: S608


def _office_columns_params(office_id: int, now: dt.datetime) -> list:
    ops = connection.ops
    today = timezone.localdate(now)
    disaster = str(VerificationMethod.DISASTER)
    return [
        office_id, disaster, ops.adapt_datetimefield_value(now), disaster,
        ops.adapt_datefield_value(lapse_cutoff(today)), False, ops.adapt_datefield_value(today),
    ]  # fmt: skip


def _known_from(method: str | None, consent: str | None) -> _Known:
    return _Known(method, method is not None and consent == ConsentStatus.GRANTED, None)


def _office_known(office_id: int, person_id: int, now: dt.datetime) -> _Known:
    with connection.cursor() as cursor:
        cursor.execute(_OFFICE_KNOWN, [*_office_columns_params(office_id, now), person_id])
        row = cursor.fetchone()
    return _known_from(*row) if row is not None else _Known(None, False, None)


def _preferred(methods: list[str]) -> str | None:
    """An ordinary relationship is named in the log before a break-glass one."""
    for method in (
        VerificationMethod.MYNUMBER_CARD,
        VerificationMethod.INSURANCE_CARD,
        VerificationMethod.DISASTER,
    ):
        if method in methods:
            return str(method)
    return None


def _representatives(today: dt.date):
    return Representative.objects.filter(revoked_at__isnull=True, valid_from__lte=today, valid_to__gte=today)
