"""Reads for accounts, already scoped to who is asking."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from kaigo_portal import wareki

from .models import ApiKey, Membership, Organisation, OrganisationKind, Role


def members_of(
    organisation: Organisation, *, search: str = "", include_revoked: bool = False
) -> QuerySet[Membership]:
    """The organisation's memberships with each user's MFA state, for its admin's staff screen."""
    memberships = (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .annotate(
            has_mfa=Exists(Authenticator.objects.filter(user=OuterRef("user"), type=Authenticator.Type.TOTP))
        )
        .order_by("-is_active", "user__name")
    )
    if not include_revoked:
        memberships = memberships.filter(is_active=True)
    if search:
        memberships = memberships.filter(Q(user__name__icontains=search) | Q(user__email__icontains=search))
    return memberships


def api_keys_of(organisation: Organisation) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(organisation=organisation).select_related("created_by")


@dataclass(frozen=True)
class AttentionItem:
    """One line of "what needs my attention" on the home page."""

    level: str  # info, warning, error
    message: str
    url: str = ""


def attention_items(
    membership: Membership, *, has_mfa: bool, today: dt.date | None = None
) -> list[AttentionItem]:
    today = today or timezone.localdate()
    org = membership.organisation
    items: list[AttentionItem] = []
    if not has_mfa:
        items.append(
            AttentionItem(
                "error", "多要素認証（MFA）が未設定です。設定してください。", reverse("mfa_activate_totp")
            )
        )
    if membership.is_admin:
        items += _admin_items(org, today)
    if membership.role in (Role.MUNICIPAL_STAFF, Role.MUNICIPAL_ADMIN):
        items += _insurer_items(org, today)
    if membership.role == Role.PLATFORM_OPERATOR:
        items += _operator_items(today)
    return items


def _admin_items(org: Organisation, today: dt.date) -> list[AttentionItem]:
    items = []
    without_mfa = members_of(org).filter(has_mfa=False).count()
    if without_mfa:
        items.append(
            AttentionItem(
                "warning", f"多要素認証を未設定の職員が {without_mfa} 人います。", reverse("staff_list")
            )
        )
    soon = timezone.now() + dt.timedelta(days=30)
    expiring = api_keys_of(org).filter(
        revoked_at__isnull=True, expires_at__lte=soon, expires_at__gt=timezone.now()
    )
    for key in expiring:
        items.append(
            AttentionItem(
                "warning",
                f"API キー「{key.name}」の有効期限が {wareki.to_wareki_with_seireki(timezone.localtime(key.expires_at))} に切れます。",
                reverse("api_key_list"),
            )
        )
    return items


def _insurer_items(org: Organisation, today: dt.date) -> list[AttentionItem]:
    if org.go_live_date is None:
        return [AttentionItem("warning", "利用開始日が未登録です。運営者に連絡してください。")]
    if org.go_live_date > today:
        return [
            AttentionItem(
                "info",
                f"利用開始日は {wareki.to_wareki_with_seireki(org.go_live_date)} です。"
                "それまで事業所や本人からは閲覧できません。",
            )
        ]
    return []


def _operator_items(today: dt.date) -> list[AttentionItem]:
    items = []
    insurers = Organisation.objects.filter(kind=OrganisationKind.INSURER, is_active=True)
    unchecked = [org for org in insurers.filter(check_digit_override=False) if org.number_issues()]
    for org in unchecked:
        items.append(
            AttentionItem(
                "warning",
                f"{org.name}（{org.insurer_number}）の保険者番号の検証番号が一致しません。確認してください。",
            )
        )
    undated = insurers.filter(go_live_date__isnull=True).count()
    if undated:
        items.append(AttentionItem("info", f"利用開始日が未登録の保険者が {undated} あります。"))
    return items
