"""Persons' accounts: invitations (one-time codes), representatives, disputes about the access log."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.password_validation import validate_password
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from eligibility.models import InsuredPerson, PersonVersion
from kaigo_portal import access
from kaigo_portal.accounts.models import User, UserKind
from kaigo_portal.audit.models import AccessLogEntry
from kaigo_portal.errors import ApplicationError
from kaigo_portal.validators import refuse_my_number

from ..models import Dispute, DisputeStatus, Invitation, InvitationKind, PersonAccount, Representative
from .common import require_municipal_of

INVITATION_DAYS = 14
# No 0/O, 1/I/L: a code read aloud or typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _hash(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().upper().encode()).hexdigest()


def invitation_create(
    *, person: InsuredPerson, by: User, representative: Representative | None = None, email: str = ""
) -> tuple[Invitation, str]:
    """After checking identity at the counter: a code valid for 14 days, used once. Returns the raw code
    (printed or e-mailed now; only its hash is kept)."""
    require_municipal_of(by, person, code="persons.not_municipal", doing="行えます")
    if representative is None and PersonAccount.objects.filter(person=person).exists():
        raise ApplicationError("この方は既にアカウントをお持ちです。", code="invitation.account_exists")
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    invitation = Invitation(
        kind=InvitationKind.REPRESENTATIVE if representative else InvitationKind.PERSON,
        person=person,
        representative=representative,
        code_hash=_hash(raw),
        email=email,
        created_by=by,
        expires_at=timezone.now() + dt.timedelta(days=INVITATION_DAYS),
    )
    code = "-".join(raw[i : i + 4] for i in range(0, 12, 4))
    with transaction.atomic():
        invitation.full_clean()
        invitation.save()
        if email:
            transaction.on_commit(lambda: _send_code(invitation.pk, code))
    return invitation, code


def _send_code(invitation_id: int, code: str) -> None:
    from ..tasks import send_invitation_code

    send_invitation_code.delay(invitation_id, code)


def invitation_check(code: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("person", "representative__user")
        .filter(code_hash=_hash(code))
        .first()
    )
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= timezone.now():
        # One message for unknown, used and expired codes: a guessed code learns nothing.
        raise ApplicationError(
            "招待コードが正しくないか、有効期限切れ・使用済みです。", code="invitation.invalid"
        )
    return invitation


def invitation_accept(*, code: str, email: str, name: str, password: str) -> User:
    """Sets up the account: a 本人 account linked to the person, or the representative's own account.
    The user then sets up TOTP (the MFA gate sends them there)."""
    with transaction.atomic():
        invitation = invitation_check(code)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.used_at is not None:
            raise ApplicationError("招待コードは使用済みです。", code="invitation.invalid")
        if invitation.kind == InvitationKind.REPRESENTATIVE:
            user = invitation.representative.user
        else:
            if User.objects.filter(email__iexact=email).exists():
                raise ApplicationError(
                    "このメールアドレスは既に使われています。",
                    code="invitation.email_taken",
                    fields={"email": ["既に使われています。"]},
                )
            user = User(email=email.lower(), name=name or invitation.person.name, kind=UserKind.PERSON)
        validate_password(password, user)
        user.set_password(password)
        user.save()
        if invitation.kind == InvitationKind.PERSON:
            try:
                PersonAccount.objects.create(user=user, person=invitation.person)
            except IntegrityError:
                raise ApplicationError(
                    "この方は既にアカウントをお持ちです。", code="invitation.account_exists"
                ) from None
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
    return user


def representative_register(
    *,
    person: InsuredPerson,
    by: User,
    name: str,
    email: str,
    document: str,
    valid_from: dt.date,
    valid_to: dt.date,
) -> tuple[Representative, str | None]:
    """代理人の登録. One representative may act for several persons: an existing account (same e-mail) is
    reused; a new one gets an invitation code (returned, else None)."""
    require_municipal_of(by, person, code="persons.not_municipal", doing="行えます")
    if valid_to < valid_from:
        raise ApplicationError("有効期間の終了日が開始日より前です。", code="representative.period_reversed")
    with transaction.atomic():
        user = User.objects.filter(email__iexact=email).first()
        if user is not None and not user.is_person:
            raise ApplicationError(
                "職員のアカウントは代理人にできません。", code="representative.staff_account"
            )
        new_account = user is None
        if new_account:
            user = User.objects.create_user(email=email, password=None, name=name, kind=UserKind.PERSON)
        representative = Representative(
            user=user,
            person=person,
            document=document,
            valid_from=valid_from,
            valid_to=valid_to,
            registered_by=by,
        )
        representative.full_clean()
        representative.save()
        code = None
        if new_account:
            _invitation, code = invitation_create(
                person=person, by=by, representative=representative, email=email
            )
    return representative, code


def representative_revoke(*, representative: Representative, by: User) -> Representative:
    require_municipal_of(by, representative.person, code="persons.not_municipal", doing="行えます")
    with transaction.atomic():
        representative.revoked_at = timezone.now()
        representative.save(update_fields=["revoked_at"])
    return representative


def dispute_open(*, person: InsuredPerson, entry_id: int, by: User, note: str = "") -> Dispute:
    """心当たりがない: a case about one access-log row of this person, for the municipality's queue."""
    refuse_my_number(note=note)
    entry = AccessLogEntry.objects.filter(
        pk=entry_id, insurer_number=person.insurer.insurer_number, insured_number=person.insured_number
    ).first()
    if entry is None:
        raise ApplicationError("閲覧記録が見つかりません。", code="dispute.no_entry", status=404)
    if entry.purpose == access.Purpose.OWN_DATA:
        raise ApplicationError(
            "ご本人・代理人による閲覧には申し出できません。", code="dispute.own_view", status=404
        )
    existing = Dispute.objects.filter(person=person, entry_id=entry_id, status=DisputeStatus.OPEN).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        return Dispute.objects.create(person=person, entry_id=entry_id, reported_by=by, note=note[:500])


def dispute_close(*, dispute: Dispute, by: User, resolution: str) -> Dispute:
    refuse_my_number(resolution=resolution)
    require_municipal_of(by, dispute.person, code="persons.not_municipal", doing="行えます")
    if not resolution.strip():
        raise ApplicationError("対応結果を入力してください。", code="dispute.resolution_required")
    with transaction.atomic():
        dispute.status, dispute.closed_at, dispute.closed_by = DisputeStatus.CLOSED, timezone.now(), by
        dispute.resolution = resolution.strip()
        dispute.save(update_fields=["status", "closed_at", "closed_by", "resolution"])
    return dispute


def new_organisation_notice_set(*, account: PersonAccount, enabled: bool) -> PersonAccount:
    """Turns the e-mail about a new organisation's first look on or off. Turning it on starts from now:
    organisations that looked before are not news."""
    with transaction.atomic():
        account.notify_new_organisation = enabled
        if enabled:
            account.notified_through = _last_entry_id(account.person)
        account.save(update_fields=["notify_new_organisation", "notified_through"])
    return account


def _last_entry_id(person: InsuredPerson) -> int:
    last = (
        AccessLogEntry.objects.filter(
            insurer_number=person.insurer.insurer_number, insured_number=person.insured_number
        )
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return last or 0


def new_organisations_since(account: PersonAccount) -> tuple[list[AccessLogEntry], int]:
    """Granted reads after `notified_through` by organisations that had never read this person's data
    before: the first such row per organisation, and the last row id looked at."""
    person = account.person
    rows = AccessLogEntry.objects.filter(
        insurer_number=person.insurer.insurer_number, insured_number=person.insured_number
    )
    fresh = list(
        rows.filter(id__gt=account.notified_through, outcome="granted")
        .exclude(organisation_number="")
        .order_by("id")
    )
    if not fresh:
        return [], account.notified_through
    known = set(
        rows.filter(id__lte=account.notified_through, outcome="granted").values_list(
            "organisation_number", flat=True
        )
    )
    first: dict[str, AccessLogEntry] = {}
    for row in fresh:
        if row.organisation_number not in known and row.organisation_number not in first:
            first[row.organisation_number] = row
    return list(first.values()), fresh[-1].id


def accounts_follow_moves() -> int:
    """A person who moved keeps one account: when the new insurer's record names the old one (its import's
    転入前の番号) and the old record has an account, the user gets an account on the new record too, which
    follows from the old (`moved_from`). Consent does not follow: the new record starts without it, and the
    person's page asks for it (docs/moves.md). Safe to run twice; returns the accounts added."""
    # Only the new records whose old record has an account to follow: most persons never have one, so a
    # scan of every moved-in person with a look-up each would grow for ever (one query, then one insert each).
    old_accounts = PersonAccount.objects.filter(
        person__insurer__insurer_number=OuterRef("previous_insurer_number"),
        person__insured_number=OuterRef("previous_insured_number"),
        moved_to__isnull=True,
    ).values("pk")[:1]
    named = (
        PersonVersion.objects.filter(deleted=False, person__account__isnull=True)
        .exclude(previous_insured_number="")
        .annotate(old_account=Subquery(old_accounts))
        .filter(old_account__isnull=False)
        .values_list("person_id", "old_account")
        .distinct()
    )
    added = 0
    for person_id, old_account in named:
        old = PersonAccount.objects.select_related("user").get(pk=old_account)
        try:
            with transaction.atomic():
                PersonAccount.objects.create(
                    user=old.user,
                    person_id=person_id,
                    moved_from=old,
                    notify_new_organisation=old.notify_new_organisation,
                )
        except IntegrityError:  # another run linked it first
            continue
        added += 1
    return added
