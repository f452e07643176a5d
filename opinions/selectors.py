"""Reads of opinion data, already scoped to who is asking. Every read of a person goes through
kaigo_portal.access: one person with `authorize`, lists with `filter_persons` + `log_listed` (one log
row per person shown, written in one statement)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import Http404

from eligibility.models import InsuredPerson, PersonVersion
from eligibility.selectors import current_versions
from kaigo_portal import access
from kaigo_portal.accounts.models import CLINIC_ROLES
from kaigo_portal.audit.models import Category
from kaigo_portal.errors import ApplicationError

from . import policy
from .models import OPEN_STATUSES, Opinion, OpinionRequest, OpinionStatus, RequestStatus, Route

PAGE_SIZE = 20
CLINIC_TABS = {"requested": "依頼", "draft": "下書き", "overdue": "期限超過", "submitted": "提出済み"}
INSURER_TABS = {
    "submitted": "未受付の意見書",
    "overdue": "期限超過の依頼",
    "open": "依頼中",
    "received": "受付済み",
}


def purpose_for(actor: access.Actor) -> str:
    if actor.role in CLINIC_ROLES:
        return access.Purpose.OPINION_WRITING
    if actor.is_municipal:
        return access.Purpose.INSURER_ADMINISTRATION
    return access.Purpose.CARE_MANAGEMENT


def _search(queryset: QuerySet, q: str, prefix: str = "person__") -> QuerySet:
    q = q.strip()
    if not q:
        return queryset
    if q.isdigit():
        return queryset.filter(**{f"{prefix}insured_number__startswith": q})
    return queryset.filter(Q(**{f"{prefix}name__contains": q}) | Q(**{f"{prefix}name_kana__contains": q}))


def _page(queryset: QuerySet, number) -> Page:
    return Paginator(queryset, PAGE_SIZE).get_page(number)


def _log_page(actor: access.Actor, rows, category: str) -> None:
    persons = {row.person_id: row.person for row in rows}
    if actor.role in CLINIC_ROLES and actor.organisation is not None:
        with policy.preloaded(actor.organisation, persons):
            access.log_listed(actor, persons.values(), category, purpose_for(actor))
    else:
        access.log_listed(actor, persons.values(), category, purpose_for(actor))


# --- the clinic -------------------------------------------------------------------------------------


def clinic_queue(actor: access.Actor, *, tab: str, today: dt.date, q: str = "", page=1) -> Page:
    """The clinic's requests: 依頼 (not started), 下書き, 期限超過 (open, past due), 提出済み."""
    requests = OpinionRequest.objects.filter(clinic=actor.organisation).select_related(
        "person__insurer", "insurer"
    )
    if tab == "submitted":
        category = Category.OPINION
        requests = requests.filter(status__in=(RequestStatus.SUBMITTED, RequestStatus.RECEIVED))
        requests = (
            requests.filter(opinions__clinic=actor.organisation).distinct().order_by("-requested_on", "-id")
        )
    else:
        category = Category.ELIGIBILITY
        statuses = {"requested": (RequestStatus.REQUESTED,), "draft": (RequestStatus.DRAFT,)}.get(
            tab, OPEN_STATUSES
        )
        requests = requests.filter(status__in=statuses).order_by("due_on", "id")
        if tab == "overdue":
            requests = requests.filter(due_on__lt=today)
    requests = access.filter_persons(actor, requests, category, prefix="person__")
    page = _page(_search(requests, q), page)
    _log_page(actor, page.object_list, category)
    return page


def clinic_counts(actor: access.Actor, today: dt.date) -> dict[str, int]:
    """Counts only (no personal data shown): not logged."""
    base = OpinionRequest.objects.filter(clinic=actor.organisation)
    return {
        "requested": base.filter(status=RequestStatus.REQUESTED).count(),
        "draft": base.filter(status=RequestStatus.DRAFT).count(),
        "overdue": base.filter(status__in=OPEN_STATUSES, due_on__lt=today).count(),
        "submitted": base.filter(status__in=(RequestStatus.SUBMITTED, RequestStatus.RECEIVED)).count(),
    }


def clinic_written(actor: access.Actor, *, q: str = "", page=1) -> Page:
    """過去の意見書: every submitted version the clinic wrote, newest first."""
    opinions = (
        Opinion.objects.filter(clinic=actor.organisation, status=OpinionStatus.SUBMITTED)
        .exclude(route=Route.PAPER)
        .select_related("person__insurer", "request")
        .order_by("-submitted_at", "-id")
    )
    opinions = access.filter_persons(actor, opinions, Category.OPINION, prefix="person__")
    page = _page(_search(opinions, q), page)
    _log_page(actor, page.object_list, Category.OPINION)
    return page


@dataclass(frozen=True)
class BasicDetails:
    """What a clinic may see of a person it holds an open request for."""

    name: str
    name_kana: str
    birth_date: dt.date | None
    sex: str
    sex_label: str
    address: str
    second_insured: bool


def request_for_clinic(actor: access.Actor, pk: int) -> tuple[OpinionRequest, BasicDetails]:
    """The clinic's request with the person's basic details: under `eligibility` while the request is
    open, under `opinion` (as the author of a correction) after submission."""
    request = (
        OpinionRequest.objects.select_related("person__insurer", "insurer", "application")
        .filter(pk=pk, clinic=actor.organisation)
        .first()
    )
    if request is None or actor.organisation is None:
        raise access.NotVisible("no such request for this clinic")
    category = Category.ELIGIBILITY if request.is_open else Category.OPINION
    access.authorize(actor, request.person, category, access.Purpose.OPINION_WRITING)
    return request, basic_details(request)


def basic_details(request: OpinionRequest) -> BasicDetails:
    """The caller has authorised the read."""
    versions = current_versions(PersonVersion, request.person, request.requested_on)
    version = versions[-1] if versions else None
    person = request.person
    return BasicDetails(
        name=version.name if version else person.name,
        name_kana=version.name_kana if version else person.name_kana,
        birth_date=version.birth_date if version else person.birth_date,
        sex=version.sex if version else "",
        sex_label=version.get_sex_display() if version else "",
        address=version.address if version else "",
        second_insured=bool(version and version.category == "2"),
    )


# --- one opinion, for anyone the policy lets through ------------------------------------------------


def opinion_for(actor: access.Actor, pk: int) -> Opinion:
    """An opinion, authorised under `opinion` (logged either way). A clinic may read only the opinions it
    wrote itself; a draft exists only for its clinic (for anyone else it is as absent as an unknown id)."""
    opinion = (
        Opinion.objects.select_related("person__insurer", "request__insurer", "clinic").filter(pk=pk).first()
    )
    is_clinic = actor.role in CLINIC_ROLES
    if opinion is None or (opinion.status == OpinionStatus.DRAFT and not is_clinic):
        raise access.NotVisible("no such opinion")
    with policy.reading_opinion(opinion.pk):
        access.authorize(actor, opinion.person, Category.OPINION, purpose_for(actor))
    return opinion


def history(opinion: Opinion) -> list[Opinion]:
    """Every submitted version of the same request, oldest first (the caller has authorised the read)."""
    return list(
        Opinion.objects.filter(request_id=opinion.request_id, status=OpinionStatus.SUBMITTED).order_by(
            "version"
        )
    )


def person_opinions(actor: access.Actor, *, insurer_number: str, insured_number: str):
    """A person's submitted opinions (latest version of each request) for a care manager or the insurer."""
    person = (
        InsuredPerson.objects.select_related("insurer")
        .filter(insurer__insurer_number=insurer_number, insured_number=insured_number)
        .first()
    )
    if person is None:
        raise access.NotVisible("no such person")
    access.authorize(actor, person, Category.OPINION, purpose_for(actor))
    opinions = Opinion.objects.filter(person=person, status=OpinionStatus.SUBMITTED).order_by(
        "-submitted_at", "-version"
    )
    latest: dict[int, Opinion] = {}
    for opinion in opinions:
        latest.setdefault(opinion.request_id, opinion)
    return person, list(latest.values())


# --- the municipality -------------------------------------------------------------------------------


def insurer_queue(actor: access.Actor, *, tab: str, today: dt.date, q: str = "", page=1) -> Page:
    """未受付の意見書 (submitted, not received), 期限超過 / 依頼中 requests, 受付済み."""
    if tab in ("overdue", "open"):
        rows = OpinionRequest.objects.filter(insurer=actor.organisation, status__in=OPEN_STATUSES)
        if tab == "overdue":
            rows = rows.filter(due_on__lt=today)
        rows = rows.select_related("person__insurer", "clinic").order_by("due_on", "id")
    else:
        rows = Opinion.objects.filter(insurer=actor.organisation, status=OpinionStatus.SUBMITTED)
        rows = rows.filter(received_at__isnull=tab != "received").select_related(
            "person__insurer", "request", "clinic"
        )
        rows = rows.order_by("-received_at" if tab == "received" else "submitted_at", "id")
    rows = access.filter_persons(actor, rows, Category.OPINION, prefix="person__")
    page = _page(_search(rows, q), page)
    _log_page(actor, page.object_list, Category.OPINION)
    return page


def insurer_counts(actor: access.Actor, today: dt.date) -> dict[str, int]:
    requests = OpinionRequest.objects.filter(insurer=actor.organisation, status__in=OPEN_STATUSES)
    return {
        "submitted": Opinion.objects.filter(
            insurer=actor.organisation, status=OpinionStatus.SUBMITTED, received_at__isnull=True
        ).count(),
        "overdue": requests.filter(due_on__lt=today).count(),
        "open": requests.count(),
    }


def insurer_request(actor: access.Actor, pk: int) -> OpinionRequest:
    request = (
        OpinionRequest.objects.select_related("person__insurer", "clinic", "application")
        .filter(pk=pk)
        .first()
    )
    if request is None or not actor.is_municipal:
        raise access.NotVisible("no such request")
    access.authorize(actor, request.person, Category.OPINION, access.Purpose.INSURER_ADMINISTRATION)
    return request


# --- the pull API -----------------------------------------------------------------------------------


def encode_cursor(sequence: int) -> str:
    return base64.urlsafe_b64encode(f"s:{sequence}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        if kind != "s" or not value.isdigit():
            raise ValueError(text)
        return int(value)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApplicationError(
            "cursor が正しくありません。", code="opinion.cursor", fields={"cursor": ["不正な値です。"]}
        ) from None


def pull_page(actor: access.Actor, *, after: int, limit: int) -> tuple[list[Opinion], int | None]:
    """Submitted, not yet acknowledged opinions of the insurer, in submission order after `after`.
    Returns the page and the last sequence on it when more may follow."""
    opinions = (
        Opinion.objects.filter(
            insurer=actor.organisation,
            status=OpinionStatus.SUBMITTED,
            acknowledged_at__isnull=True,
            sequence__gt=after,
        )
        .exclude(route=Route.PAPER)
        .select_related("person__insurer", "request", "clinic")
        .order_by("sequence")
    )
    opinions = access.filter_persons(actor, opinions, Category.OPINION, prefix="person__")
    rows = list(opinions[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    _log_page(actor, rows, Category.OPINION)
    return rows, (rows[-1].sequence if more else None)


def insurer_opinion(actor: access.Actor, pk: int) -> Opinion:
    """For the pull API's acknowledge: another insurer's opinion does not exist (404)."""
    opinion = (
        Opinion.objects.select_related("person__insurer")
        .filter(pk=pk, status=OpinionStatus.SUBMITTED)
        .first()
    )
    if opinion is None:
        raise Http404
    access.authorize(actor, opinion.person, Category.OPINION, access.Purpose.INSURER_ADMINISTRATION)
    return opinion
