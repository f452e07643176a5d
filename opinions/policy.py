"""The clinic part of the access policy (registered into consent.policy in OpinionsConfig.ready).

- A clinic holding an OPEN request (依頼中 or 下書き) for a person sees the person's basic details
  (category `eligibility`: name, kana, birth date, sex, address) to write the opinion; nothing else (403).
- A clinic sees the opinions it wrote (category `opinion`, drafts included); nothing else (403). Paper
  opinions recorded by the municipality are not "written" on the platform and grant nothing.
- Any other clinic has no say here: consent.policy answers 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db.models import Q

from kaigo_portal.access import Decision, PersonLike
from kaigo_portal.audit.models import Category

from .models import OPEN_STATUSES, Opinion, OpinionRequest, Route

OPINION_REQUEST = "opinion_request"
OPINION_AUTHOR = "opinion_author"
BASIC_DETAILS_ONLY = "clinic_basic_details_only"
NOT_THIS_CATEGORY = "clinic_not_this_category"


def _person_q(person: PersonLike) -> Q:
    pk = getattr(person, "pk", None)
    if pk is not None:
        return Q(person_id=pk)
    return Q(person__insurer_id=person.insurer_id, person__insured_number=person.insured_number)


def open_requests(organisation):
    return OpinionRequest.objects.filter(clinic=organisation, status__in=OPEN_STATUSES)


def authored(organisation):
    return Opinion.objects.filter(clinic=organisation).exclude(route=Route.PAPER)


# consent.policy asks a clinic provider person by person, even for a list (log_listed): a page of N
# persons would cost 2N queries. A list preloads what decide needs for its persons in two queries; the
# preload lives for that one call only, so a change of status is seen by the next read.
_preloaded: ContextVar[tuple[int, set[int], set[int], set[int]] | None] = ContextVar(
    "opinions_clinic", default=None
)


@contextmanager
def preloaded(organisation, person_ids) -> Iterator[None]:
    ids = set(person_ids)
    requested = set(open_requests(organisation).filter(person_id__in=ids).values_list("person_id", flat=True))
    wrote = set(authored(organisation).filter(person_id__in=ids).values_list("person_id", flat=True))
    token = _preloaded.set((organisation.pk, ids, requested, wrote))
    try:
        yield
    finally:
        _preloaded.reset(token)


# A read of one opinion asks whether the clinic wrote THAT opinion, not just one about the person.
_one_opinion: ContextVar[int | None] = ContextVar("opinions_clinic_one", default=None)


@contextmanager
def reading_opinion(opinion_id: int) -> Iterator[None]:
    token = _one_opinion.set(opinion_id)
    try:
        yield
    finally:
        _one_opinion.reset(token)


def _known(organisation, person: PersonLike) -> tuple[bool, bool]:
    preload = _preloaded.get()
    pk = getattr(person, "pk", None)
    if preload is not None and preload[0] == organisation.pk and pk in preload[1]:
        return pk in preload[2], pk in preload[3]
    wrote = authored(organisation).filter(_person_q(person))
    if (opinion_id := _one_opinion.get()) is not None:
        wrote = wrote.filter(pk=opinion_id)
    return open_requests(organisation).filter(_person_q(person)).exists(), wrote.exists()


class ClinicOpinionAccess:
    """consent.policy.ClinicAccessProvider for the opinions app."""

    def decide(self, organisation, person: PersonLike, category: str) -> Decision | None:
        if organisation is None:
            return None
        requested, wrote = _known(organisation, person)
        if requested and category == Category.ELIGIBILITY:
            return Decision.grant(OPINION_REQUEST, method=OPINION_REQUEST)
        if wrote and category == Category.OPINION:
            return Decision.grant(OPINION_AUTHOR, method=OPINION_AUTHOR)
        if requested:
            return Decision.forbid(BASIC_DETAILS_ONLY, method=OPINION_REQUEST)
        if wrote:
            return Decision.forbid(NOT_THIS_CATEGORY, method=OPINION_AUTHOR)
        return None

    def person_filter(self, organisation, category: str, *, prefix: str = "") -> Q:
        if organisation is None:
            return Q(pk__in=[])
        if category == Category.ELIGIBILITY:
            return Q(**{f"{prefix}pk__in": open_requests(organisation).values("person_id")})
        if category == Category.OPINION:
            return Q(**{f"{prefix}pk__in": authored(organisation).values("person_id")})
        return Q(pk__in=[])


provider = ClinicOpinionAccess()
