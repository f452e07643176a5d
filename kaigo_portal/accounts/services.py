"""Every write to organisations, users, memberships and API keys."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import time
from functools import partial

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from kaigo_portal import numbers
from kaigo_portal.errors import ApplicationError, unless_away
from kaigo_portal.offices import rules as office_rules

from .models import (
    ADMIN_ROLE_BY_KIND,
    SCOPE_KINDS,
    ApiKey,
    ApiScope,
    Membership,
    OfficeService,
    Organisation,
    OrganisationKind,
    Role,
    User,
    UserKind,
)

logger = logging.getLogger(__name__)

API_KEY_PREFIX = "kp_"


# --- organisations -----------------------------------------------------------------------------------


def organisation_create(
    *,
    kind: str,
    name: str,
    prefecture: str = "",
    insurer_number: str | None = None,
    office_number: str | None = None,
    medical_institution_code: str | None = None,
    service_types: list[str] | tuple[str, ...] = (),
    go_live_date: dt.date | None = None,
    name_kana: str = "",
) -> tuple[Organisation, list[numbers.NumberIssue]]:
    """Creates an organisation; numbers with errors are refused, warnings are returned to be shown."""
    org = Organisation(
        kind=kind,
        name=name,
        name_kana=name_kana,
        prefecture=prefecture or _prefecture_of(insurer_number or office_number or medical_institution_code),
        insurer_number=insurer_number or None,
        office_number=office_number or None,
        medical_institution_code=medical_institution_code or None,
        go_live_date=go_live_date,
    )
    issues = org.number_issues()
    errors = [issue for issue in issues if issue.severity == "error"]
    if errors:
        raise ApplicationError(
            "番号に誤りがあります：" + "、".join(issue.message for issue in errors), code=errors[0].code
        )
    with transaction.atomic():
        org.full_clean()
        org.save()
        OfficeService.objects.bulk_create(
            [OfficeService(organisation=org, code=code) for code in service_types]
        )
    return org, [issue for issue in issues if issue.severity == "warning"]


def _prefecture_of(number: str | None) -> str:
    return number[:2] if number else ""


# --- users and memberships ------------------------------------------------------------------------------


def _require_admin_of(by: User, organisation: Organisation) -> None:
    if not by.memberships.filter(
        organisation=organisation, is_active=True, role=_admin_role(organisation)
    ).exists():
        raise PermissionDenied("この組織のユーザーを管理する権限がありません。")


def _admin_role(organisation: Organisation) -> Role:
    return ADMIN_ROLE_BY_KIND[organisation.kind]


def membership_add(
    *, organisation: Organisation, email: str, name: str, role: str, by: User | None, invite: bool = True
) -> Membership:
    """Adds a staff user to an organisation (creating the user if new) and e-mails an invitation.

    `by` must be an admin of the organisation; None is for management commands and seed data.
    """
    if by is not None:
        _require_admin_of(by, organisation)
    if role not in organisation.allowed_roles():
        raise ApplicationError(
            f"この組織では「{Role(role).label}」の役割は設定できません。",
            code="membership.role_not_allowed",
            fields={"role": ["この組織では設定できない役割です。"]},
        )
    email = User.objects.normalize_email(email).lower()
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None, name=name, kind=UserKind.STAFF)
        elif user.is_person:
            raise ApplicationError(
                "このメールアドレスは本人用アカウントで使われています。",
                code="membership.email_taken",
                fields={"email": ["本人用アカウントのメールアドレスは職員として登録できません。"]},
            )
        membership, created = Membership.objects.get_or_create(
            user=user, organisation=organisation, defaults={"role": role, "created_by": by}
        )
        if not created and membership.is_active:
            raise ApplicationError(
                "このユーザーは既にこの組織に所属しています。",
                code="membership.exists",
                fields={"email": ["既に所属しています。"]},
            )
        if not created:  # re-activating a revoked membership
            membership.role, membership.is_active, membership.revoked_at, membership.revoked_by = (
                role,
                True,
                None,
                None,
            )
            membership.save(update_fields=["role", "is_active", "revoked_at", "revoked_by"])
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        if invite and not user.has_usable_password():
            transaction.on_commit(lambda: _send_invitation(user.pk, organisation.pk))
    logger.info(
        "membership added: org=%s user=%s role=%s by=%s", organisation.number, user.pk, role, by and by.pk
    )
    return membership


def _send_invitation(user_id: int, organisation_id: int) -> None:
    from .tasks import send_invitation

    send_invitation.delay(user_id, organisation_id)


def invitation_link(user: User) -> str:
    """A one-time link to set the first password (allauth's password-reset-from-key view)."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={"uidb36": user_pk_to_url_str(user), "key": default_token_generator.make_token(user)},
    )
    return settings.KAIGO_SITE_URL.rstrip("/") + path


def membership_revoke(*, membership: Membership, by: User | None) -> Membership:
    """Ends a membership; a user left with no organisation is deactivated and signed out everywhere."""
    if by is not None:
        _require_admin_of(by, membership.organisation)
        if membership.user_id == by.pk:
            raise ApplicationError("自分自身の所属は失効できません。", code="membership.self_revoke")
    if not membership.is_active:
        raise ApplicationError("この所属は既に失効しています。", code="membership.already_revoked")
    with transaction.atomic():
        membership.is_active, membership.revoked_at, membership.revoked_by = False, timezone.now(), by
        membership.save(update_fields=["is_active", "revoked_at", "revoked_by"])
        user = membership.user
        if not user.memberships.filter(is_active=True).exists():
            user.is_active = False
            user.save(update_fields=["is_active"])
    logger.info("membership revoked: id=%s by=%s", membership.pk, by and by.pk)
    return membership


# --- API keys -------------------------------------------------------------------------------------------


def _hash_key(raw: str) -> str:
    # The key is 240 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


def api_key_create(
    *, organisation: Organisation, scope: str, name: str, days: int = 365, by: User | None
) -> tuple[ApiKey, str]:
    """Issues a key; returns the row and the raw key, which is shown once and never stored."""
    if by is not None:
        _require_admin_of(by, organisation)
    if scope not in ApiScope.values:
        raise ApplicationError(f"不明なスコープです：{scope}", code="api_key.unknown_scope")
    if organisation.kind not in SCOPE_KINDS[scope]:
        raise ApplicationError(
            f"この組織（{organisation.get_kind_display()}）には「{scope}」スコープの API キーを発行できません。",
            code="api_key.scope_not_allowed",
        )
    if not 1 <= days <= 3 * 365:
        raise ApplicationError("有効期間は1日から3年までです。", code="api_key.bad_expiry")
    if organisation.office_number:
        office_rules.require_listed(organisation.office_number, what="API キーを発行する事業所")
    prefix = secrets.token_hex(4)
    raw = f"{API_KEY_PREFIX}{prefix}.{secrets.token_urlsafe(30)}"
    key = ApiKey(
        organisation=organisation,
        name=name,
        scope=scope,
        prefix=prefix,
        key_hash=_hash_key(raw),
        created_by=by,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    key.full_clean()
    key.save()
    logger.info("api key issued: org=%s scope=%s prefix=%s", organisation.number, scope, prefix)
    return key, raw


def api_key_revoke(*, key: ApiKey, by: User | None) -> ApiKey:
    if by is not None:
        _require_admin_of(by, key.organisation)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        logger.info("api key revoked: prefix=%s", key.prefix)
    return key


# Keys this process has checked, by prefix, with the generation they were read under. Any change to a key,
# an organisation or its services moves the shared generation (accounts.apps connects the signals), so a
# revoked key stops working in every process at its next call; KEY_CACHE_SECONDS bounds the rest.
_key_cache: dict[str, tuple[float, str | None, ApiKey]] = {}
KEY_GENERATION = "kaigo:api-keys:generation"
KEY_CACHE_SECONDS = 60.0
_UNKNOWN = object()  # the generation, while the cache cannot be reached


def api_key_generation_bump(**_signal_kwargs) -> None:
    """Makes every process read its keys again (called on any change to keys and organisations)."""
    _key_cache.clear()
    # Without Redis the change stands: other processes read keys anew while it is away (below), and
    # KEY_CACHE_SECONDS bounds what they had read before.
    unless_away(
        partial(cache.set, KEY_GENERATION, secrets.token_hex(8), timeout=None),
        note="api key generation not moved",
    )


def _key_by_prefix(prefix: str) -> ApiKey | None:
    # Without Redis a revocation elsewhere cannot be seen: the key is read anew.
    generation = unless_away(lambda: cache.get(KEY_GENERATION), _UNKNOWN)
    cached = _key_cache.get(prefix)
    if (
        cached is not None
        and generation is not _UNKNOWN
        and cached[1] == generation
        and time.monotonic() - cached[0] < KEY_CACHE_SECONDS
    ):
        return cached[2]
    key = (
        ApiKey.objects.select_related("organisation")
        .prefetch_related("organisation__services")
        .filter(prefix=prefix)
        .first()
    )
    if key is not None:
        _key_cache[prefix] = (time.monotonic(), generation, key)
    return key


def api_key_authenticate(raw: str) -> ApiKey | None:
    """The usable key a raw key names, or None (unknown, wrong secret, revoked, expired)."""
    if not raw.startswith(API_KEY_PREFIX) or "." not in raw:
        return None
    prefix = raw[len(API_KEY_PREFIX) :].split(".", 1)[0]
    key = _key_by_prefix(prefix)
    if key is None or not hmac.compare_digest(key.key_hash, _hash_key(raw)):
        return None
    now = timezone.now()
    if not key.is_usable(now):
        return None
    if key.last_used_at is None or now - key.last_used_at > dt.timedelta(minutes=5):
        key.last_used_at = now  # written at most every five minutes, not on every call
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)  # not save(): no signal, no cache reset
    return key


def organisation_by_number(number: str) -> Organisation:
    """Finds an organisation by its own number: 保険者番号, 事業所番号, 医療機関コード, 国保連 prefecture, `platform`."""
    number = number.strip()
    if number == "platform":
        candidates = Organisation.objects.filter(kind=OrganisationKind.PLATFORM)
    elif len(number) == 2:
        candidates = Organisation.objects.filter(kind=OrganisationKind.FEDERATION, prefecture=number)
    elif len(number) == 6:
        candidates = Organisation.objects.filter(insurer_number=number)
    else:
        candidates = Organisation.objects.filter(Q(office_number=number) | Q(medical_institution_code=number))
    found = list(candidates[:2])
    if not found:
        raise ApplicationError(
            f"番号 {number} の組織は見つかりません。", code="organisation.not_found", status=404
        )
    if len(found) > 1:
        raise ApplicationError(
            f"番号 {number} に当たる組織が複数あります。", code="organisation.ambiguous", status=409
        )
    return found[0]
