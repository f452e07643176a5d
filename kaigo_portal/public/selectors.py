"""Reads for the public portal, already scoped to who is asking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Case, Count, Q, QuerySet, Value, When
from django.db.models.fields import CharField
from django.shortcuts import get_object_or_404
from django.utils import timezone

from kaigo_portal.accounts.models import Organisation, OrganisationKind, Role, User

from .models import (
    ASKER_VISIBLE_KINDS,
    Audience,
    FaqEntry,
    Inquiry,
    InquiryMessage,
    InquiryStatus,
    NewsItem,
)

# --- rollout ---------------------------------------------------------------------------------------------


class RolloutStatus:
    """利用開始済 once the 利用開始日 has come; 準備中 before it, and while no date is registered."""

    LIVE = "live"
    PREPARING = "preparing"
    LABELS = {LIVE: "利用開始済", PREPARING: "準備中"}
    CHOICES = [(LIVE, LABELS[LIVE]), (PREPARING, LABELS[PREPARING])]


def rollout_insurers(
    *, today: dt.date | None = None, prefecture: str = "", name: str = "", status: str = ""
) -> QuerySet[Organisation]:
    """Every active insurer with `rollout_status` annotated, in prefecture and 保険者番号 order.

    `name` matches the name, its kana or the 保険者番号; filtering happens in the database.
    """
    today = today or timezone.localdate()
    insurers = Organisation.objects.filter(kind=OrganisationKind.INSURER, is_active=True).annotate(
        rollout_status=Case(
            When(go_live_date__lte=today, then=Value(RolloutStatus.LIVE)),
            default=Value(RolloutStatus.PREPARING),
            output_field=CharField(),
        )
    )
    if prefecture:
        insurers = insurers.filter(prefecture=prefecture)
    name = name.strip()
    if name:
        insurers = insurers.filter(
            Q(name__icontains=name) | Q(name_kana__icontains=name) | Q(insurer_number=name)
        )
    if status in RolloutStatus.LABELS:
        insurers = insurers.filter(rollout_status=status)
    return insurers.order_by("prefecture", "insurer_number")


@dataclass(frozen=True)
class RolloutSummary:
    total: int
    live: int
    dated: int  # 準備中 with a 利用開始日 registered
    undated: int  # 準備中 with no 利用開始日 yet


def rollout_summary(*, today: dt.date | None = None) -> RolloutSummary:
    today = today or timezone.localdate()
    counts = Organisation.objects.filter(kind=OrganisationKind.INSURER, is_active=True).aggregate(
        total=Count("id"),
        live=Count("id", filter=Q(go_live_date__lte=today)),
        dated=Count("id", filter=Q(go_live_date__gt=today)),
        undated=Count("id", filter=Q(go_live_date__isnull=True)),
    )
    return RolloutSummary(**counts)


# --- news and FAQ -----------------------------------------------------------------------------------------


def published_news() -> QuerySet[NewsItem]:
    return NewsItem.objects.published().order_by("-published_at", "-id")


def published_news_item(pk: int) -> NewsItem:
    """A published item, or 404: a draft or a scheduled item does not exist for the public."""
    return get_object_or_404(published_news(), pk=pk)


def published_faq(*, audience: str | None = None) -> QuerySet[FaqEntry]:
    entries = FaqEntry.objects.published()
    if audience:
        entries = entries.filter(audience=audience)
    return entries.order_by("audience", "sort_order", "id")


def faq_by_audience() -> list[tuple[str, str, list[FaqEntry]]]:
    """Published entries grouped as (audience value, label, entries), in the order of Audience."""
    groups: dict[str, list[FaqEntry]] = {value: [] for value in Audience.values}
    for entry in published_faq():
        groups[entry.audience].append(entry)
    return [(value, Audience(value).label, groups[value]) for value in Audience.values if groups[value]]


def news_for_operators() -> QuerySet[NewsItem]:
    """Every item, drafts and scheduled ones included, newest first, for the operators' list."""
    return NewsItem.objects.select_related("updated_by").order_by("-created_at", "-id")


def faq_for_operators() -> QuerySet[FaqEntry]:
    return FaqEntry.objects.select_related("updated_by").order_by("audience", "sort_order", "id")


# --- inquiries --------------------------------------------------------------------------------------------


def inquiries_of(user: User) -> QuerySet[Inquiry]:
    """The tickets this account submitted while signed in.

    Tickets sent without signing in are not shown even when the e-mail address is the same: an equal
    address is no proof that the account holder wrote them (sign-up does not verify addresses, and the
    form takes any address), and a ticket can carry personal matters.
    """
    return Inquiry.objects.filter(user=user).order_by("-created_at", "-id")


def inquiry_of(user: User, ticket_number: str) -> Inquiry:
    """The account's own ticket, or 404 (another person's ticket does not exist for them)."""
    return get_object_or_404(inquiries_of(user), ticket_number=ticket_number)


def asker_thread(inquiry: Inquiry) -> QuerySet[InquiryMessage]:
    """What the asker sees of the thread: replies and their own follow-ups, not notes or events."""
    return inquiry.messages.filter(kind__in=ASKER_VISIBLE_KINDS).select_related("author")


def operator_thread(inquiry: Inquiry) -> QuerySet[InquiryMessage]:
    return inquiry.messages.select_related("author")


QUEUE_FILTERS = {
    "open": Q(status__in=[InquiryStatus.NEW, InquiryStatus.IN_PROGRESS]),
    **{status.value: Q(status=status) for status in InquiryStatus},
    "all": Q(),
}


def inquiry_queue(
    *, status: str = "open", assignee: User | None = None, unassigned: bool = False, search: str = ""
) -> QuerySet[Inquiry]:
    """The operators' queue, oldest waiting first; `status` is a key of QUEUE_FILTERS."""
    inquiries = Inquiry.objects.filter(QUEUE_FILTERS.get(status, QUEUE_FILTERS["open"])).select_related(
        "assignee"
    )
    if assignee is not None:
        inquiries = inquiries.filter(assignee=assignee)
    if unassigned:
        inquiries = inquiries.filter(assignee__isnull=True)
    search = search.strip()
    if search:
        inquiries = inquiries.filter(
            Q(ticket_number__iexact=search) | Q(email__iexact=search) | Q(name__icontains=search)
        )
    return inquiries.order_by("created_at", "id")


def queue_counts() -> dict[str, int]:
    counts = Inquiry.objects.aggregate(
        **{status.value: Count("id", filter=Q(status=status)) for status in InquiryStatus}
    )
    counts["open"] = counts[InquiryStatus.NEW] + counts[InquiryStatus.IN_PROGRESS]
    return counts


def operators() -> QuerySet[User]:
    """Who can be assigned a ticket."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__role=Role.PLATFORM_OPERATOR,
            memberships__is_active=True,
            memberships__organisation__is_active=True,
        )
        .distinct()
        .order_by("name")
    )
