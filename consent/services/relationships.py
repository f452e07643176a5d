"""Relationships of offices with persons: 本人確認 by card or 被保険者証, break-glass, their end, the sweep
and the 国保連 claims that keep them alive."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Sequence

from django.conf import settings
from django.db import models, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from eligibility import selectors as eligibility_selectors
from eligibility.forms import normalise_kana
from eligibility.models import InsuredPerson
from kaigo_portal import access, fastsql
from kaigo_portal.accounts.models import Organisation, OrganisationKind, Role, User
from kaigo_portal.audit.models import Category
from kaigo_portal.errors import ApplicationError
from kaigo_portal.offices import rules as office_rules
from kaigo_portal.prepared import Prepared
from kaigo_portal.validators import refuse_my_number

from .. import policy, selectors
from ..models import (
    DisasterPeriod,
    EndReason,
    LookupForm,
    Relationship,
    VerificationAttempt,
    VerificationMethod,
)
from .common import require_municipal_of

BREAK_GLASS_MAX = dt.timedelta(days=7)
logger = logging.getLogger(__name__)


# --- relationships ----------------------------------------------------------------------------------
def _open_new(
    *,
    office: Organisation,
    person: InsuredPerson,
    method: str,
    by: User | None,
    also: Sequence[models.Model] = (),
    **extra,
) -> Relationship:
    """Ends the office's open relationship with the person (if any) and opens a new one; `also` are new
    rows that belong to the same step (the card attempt's log row), written in the same statement."""
    if office.office_number:
        office_rules.require_listed(office.office_number, what="本人確認をする事業所")
    now = timezone.now()
    end_open = fastsql.update_sql(
        Relationship.objects.filter(office_id=office.pk, person_id=person.pk, ended_at__isnull=True),
        ended_at=now,
        end_reason=EndReason.REPLACED,
        ended_by_id=by.pk if by else None,
    )
    relationship = Relationship(
        office=office,
        person=person,
        method=method,
        verified_at=now,
        verified_by=by,
        verified_by_name=by.name if by else "",
        anchor_on=timezone.localdate(now),
        care_manager=by if by and _is_care_manager_of(by, office) else None,
        **extra,
    )
    # The office and the person are rows already in hand: no need to look them up again to validate.
    relationship.full_clean(exclude=["office", "person"], validate_constraints=False)
    return fastsql.insert(relationship, before=[end_open, *map(fastsql.insert_sql, also)])


def _is_care_manager_of(user: User, office: Organisation) -> bool:
    return user.memberships.filter(organisation=office, role=Role.CARE_MANAGER, is_active=True).exists()


def _require_office_member(by: User | None, office: Organisation) -> None:
    if office.office_number is None:
        raise ApplicationError(
            "介護事業所だけが本人確認を行えます。", code="verification.not_office", status=403
        )
    if by is not None and not by.memberships.filter(organisation=office, is_active=True).exists():
        raise ApplicationError("この事業所の職員ではありません。", code="verification.not_member", status=403)


# Every 本人確認 asks it: compiled once (kaigo_portal.prepared).
_QUALIFIED = Prepared(
    lambda pk, today: InsuredPerson.objects.filter(pk=pk).values_list(
        eligibility_selectors.qualified_on(today), flat=True
    )
)


def _qualified(person: InsuredPerson, today: dt.date) -> bool:
    return _QUALIFIED.bind(pk=person.pk, today=today).run() == [True]


def relationship_verify_mynumber_card(
    *,
    office: Organisation,
    person: InsuredPerson,
    by: User | None,
    also: Sequence[models.Model] = (),
    qualified: bool | None = None,
) -> Relationship:
    """本人確認 by the My Number card. The card issue's endpoint calls this with the person it has already
    resolved from a verified card signature; no card logic lives here. `qualified` is the answer to the
    資格 check when the caller asked it (`eligibility.selectors.qualified_on`) in the statement that found
    the person."""
    _require_office_member(by, office)
    if not (qualified if qualified is not None else _qualified(person, timezone.localdate())):
        raise ApplicationError("資格のない被保険者です。", code="verification.not_qualified")
    with transaction.atomic(savepoint=False):  # inside the card check's transaction: no savepoint round trips
        return _open_new(
            office=office, person=person, method=VerificationMethod.MYNUMBER_CARD, by=by, also=also
        )


def _failures_since(**filters) -> int:
    since = timezone.now() - dt.timedelta(seconds=settings.KAIGO_VERIFY_LOCK_SECONDS)
    return VerificationAttempt.objects.filter(succeeded=False, at__gte=since, **filters).count()


def verification_locked(*, office: Organisation, user: User, address: str = "") -> bool:
    """Locked after a few failures of the look-up forms (本人確認, 緊急閲覧), added up over both, per user,
    per office and per client address, for KAIGO_VERIFY_LOCK_SECONDS."""
    return (
        _failures_since(user=user) >= settings.KAIGO_VERIFY_MAX_FAILURES_USER
        or _failures_since(office=office) >= settings.KAIGO_VERIFY_MAX_FAILURES_OFFICE
        or (bool(address) and _failures_since(address=address) >= settings.KAIGO_VERIFY_MAX_FAILURES_ADDRESS)
    )


def _locked_error() -> ApplicationError:
    return ApplicationError(
        "番号による照会の失敗が続いたため、しばらく利用できません。時間をおいてお試しください。",
        code="verification.locked",
        status=429,
    )


def _office_actor(office: Organisation, by: User, actor: access.Actor | None) -> access.Actor:
    if actor is not None:
        return actor
    membership = by.memberships.filter(organisation=office, is_active=True).first()
    return access.Actor(user=by, organisation=office, role=membership.role if membership else None)


def _normalised_kana(value: str) -> str:
    """Katakana without spaces: ｶｲｺﾞ, かいご and カイゴ　ハナコ compare alike."""
    return "".join(normalise_kana(value).split())


def relationship_verify_insurance_card(
    *,
    office: Organisation,
    by: User,
    insurer_number: str,
    insured_number: str,
    name_kana: str,
    birth_date: dt.date,
    address: str = "",
    actor: access.Actor | None = None,
) -> Relationship:
    """本人確認 by the 被保険者証 (4情報): all four must match. Browser-only (never in the API).

    Every failure is counted (per user, per office and per address) and says only "does not match", so the
    form cannot be used to find out who is insured; after a few failures it is locked for a while. Every
    try writes its access-log row under the numbers typed, matched or not.
    """
    _require_office_member(by, office)
    if verification_locked(office=office, user=by, address=address):
        raise _locked_error()
    person = (
        InsuredPerson.objects.select_related("insurer")
        .filter(insurer__insurer_number=insurer_number, insured_number=insured_number)
        .first()
    )
    today = timezone.localdate()
    matches = (
        person is not None
        and person.birth_date == birth_date
        and _normalised_kana(person.name_kana) == _normalised_kana(name_kana)
        and _qualified(person, today)
    )
    relationship = None
    with transaction.atomic():
        VerificationAttempt.objects.create(
            office=office, user=by, succeeded=matches, address=address, form=LookupForm.INSURANCE_CARD
        )
        if matches:
            relationship = _open_new(
                office=office, person=person, method=VerificationMethod.INSURANCE_CARD, by=by
            )
    access.log_lookup(
        _office_actor(office, by, actor),
        insurer_number,
        insured_number,
        Category.ELIGIBILITY,
        access.Purpose.CARE_MANAGEMENT,
        granted=matches,
        method=VerificationMethod.INSURANCE_CARD,
        reason="verification.ok" if matches else "verification.mismatch",
    )
    if relationship is not None:
        return relationship
    raise ApplicationError(
        "入力された内容と一致する被保険者が見つかりません。被保険者証の記載をご確認ください。",
        code="verification.mismatch",
    )


def disaster_period_declare(
    *, insurer: Organisation, by: User, starts_on: dt.date, ends_on: dt.date, reason: str
) -> DisasterPeriod:
    """A municipal admin declares a disaster period (災害救助法の適用等) for the insurer."""
    refuse_my_number(reason=reason)
    if not by.memberships.filter(organisation=insurer, role=Role.MUNICIPAL_ADMIN, is_active=True).exists():
        raise ApplicationError("市町村管理者だけが宣言できます。", code="disaster.not_admin", status=403)
    if not reason.strip():
        raise ApplicationError(
            "理由を入力してください。", code="disaster.reason_required", fields={"reason": ["必須です。"]}
        )
    if ends_on < starts_on:
        raise ApplicationError("終了日が開始日より前です。", code="disaster.period_reversed")
    period = DisasterPeriod(
        insurer=insurer, declared_by=by, starts_on=starts_on, ends_on=ends_on, reason=reason
    )
    with transaction.atomic():
        period.full_clean()
        period.save()
    return period


def _check_break_glass_request(*, office: Organisation, by: User, reason: str) -> None:
    """What both ways into 緊急閲覧 need before any person is looked up: an office member and a reason."""
    refuse_my_number(reason=reason)
    _require_office_member(by, office)
    if not reason.strip():
        raise ApplicationError(
            "緊急閲覧の理由を入力してください。",
            code="break_glass.reason_required",
            fields={"reason": ["必須です。"]},
        )


def relationship_break_glass(
    *, office: Organisation, person: InsuredPerson, by: User, reason: str
) -> Relationship:
    """災害時の緊急閲覧: stands in for 本人確認 for at most 7 days inside a declared disaster period. The
    municipality's privacy contact is alerted at once and the use waits in the review queue."""
    _check_break_glass_request(office=office, by=by, reason=reason)
    now = timezone.now()
    period = selectors.active_disaster_period(person.insurer_id, timezone.localdate(now))
    if period is None:
        raise ApplicationError(
            "災害時の特例期間が宣言されていません。", code="break_glass.no_disaster", status=403
        )
    if (
        Relationship.objects.filter(office=office, person=person)
        .filter(policy.live_relationship_q(now))
        .exists()
    ):
        raise ApplicationError("既に担当事業所です。緊急閲覧は不要です。", code="break_glass.not_needed")
    with transaction.atomic():
        return _open_break_glass(office=office, person=person, by=by, reason=reason, period=period, now=now)


def _open_break_glass(
    *,
    office: Organisation,
    person: InsuredPerson,
    by: User,
    reason: str,
    period: DisasterPeriod,
    now: dt.datetime,
) -> Relationship:
    """Inside the caller's transaction: the relationship, at most 7 days and not past the period, and the
    privacy contact's alert after commit."""
    period_end = timezone.make_aware(dt.datetime.combine(period.ends_on + dt.timedelta(days=1), dt.time()))
    relationship = _open_new(
        office=office,
        person=person,
        method=VerificationMethod.DISASTER,
        by=by,
        expires_at=min(now + BREAK_GLASS_MAX, period_end),
        disaster_period=period,
        reason=reason.strip(),
    )
    transaction.on_commit(lambda: _alert_break_glass(relationship.pk))
    return relationship


BREAK_GLASS_REFUSED = (
    "緊急閲覧を開始できませんでした。保険者番号・被保険者番号をご確認ください。"
    "緊急閲覧できるのは、災害時の特例期間を宣言している保険者（この画面の一覧）の被保険者だけです。"
)


def break_glass_by_numbers(
    *,
    office: Organisation,
    by: User,
    insurer_number: str,
    insured_number: str,
    reason: str,
    address: str = "",
    actor: access.Actor | None = None,
) -> tuple[Relationship, bool]:
    """緊急閲覧 for a person named by the numbers typed in: the relationship, and whether it is new.

    One answer for every refusal (docs/access-policy.md, "One answer"): no such person, another insurer's
    number, an insurer not live, and no declared period all raise the same `break_glass.refused`, after
    the same look-ups, so neither the message nor the work done tells whether the person exists. Which
    insurers have declared a period is public (the form lists them), so nothing else needs saying. An
    office that already serves the person is sent to the person's page. Every try is counted (the lock of
    `verification_locked`) and writes its access-log row, granted or denied.
    """
    _check_break_glass_request(office=office, by=by, reason=reason)
    if verification_locked(office=office, user=by, address=address):
        raise _locked_error()
    now = timezone.now()
    today = timezone.localdate(now)
    # The same three look-ups whatever the answer, so that its timing says nothing either.
    person = (
        InsuredPerson.objects.select_related("insurer")
        .filter(insurer__insurer_number=insurer_number, insured_number=insured_number)
        .first()
    )
    period = (
        DisasterPeriod.objects.filter(
            insurer__insurer_number=insurer_number,
            starts_on__lte=today,
            ends_on__gte=today,
            closed_at__isnull=True,
        )
        .order_by("-ends_on")
        .first()
    )
    serving = (
        Relationship.objects.filter(
            office=office,
            person__insurer__insurer_number=insurer_number,
            person__insured_number=insured_number,
        )
        .filter(policy.live_relationship_q(now))
        .first()
    )
    if person is None:
        refusal = "no_such_person"
    elif not person.insurer.is_live(today):
        refusal = "insurer_not_live"
    elif period is None:
        refusal = "no_disaster_period"
    else:
        refusal = ""
    relationship, opened = serving, False
    with transaction.atomic():
        VerificationAttempt.objects.create(
            office=office, user=by, succeeded=not refusal, address=address, form=LookupForm.BREAK_GLASS
        )
        if not refusal and serving is None:
            relationship = _open_break_glass(
                office=office, person=person, by=by, reason=reason, period=period, now=now
            )
            opened = True
    access.log_lookup(
        _office_actor(office, by, actor),
        insurer_number,
        insured_number,
        Category.ELIGIBILITY,
        access.Purpose.DISASTER,
        granted=not refusal,
        method=VerificationMethod.DISASTER,
        reason=refusal or ("break_glass.opened" if opened else "break_glass.already_serving"),
    )
    if refusal:
        raise ApplicationError(BREAK_GLASS_REFUSED, code="break_glass.refused")
    return relationship, opened


def _alert_break_glass(relationship_id: int) -> None:
    from ..tasks import send_break_glass_alert

    send_break_glass_alert.delay(relationship_id)


def break_glass_review_close(*, relationship: Relationship, by: User, note: str) -> Relationship:
    """Someone at the municipality has looked at a break-glass use and closes it in the queue."""
    refuse_my_number(note=note)
    if relationship.method != VerificationMethod.DISASTER:
        raise ApplicationError("緊急閲覧ではありません。", code="break_glass.not_break_glass")
    require_municipal_of(by, relationship.person)
    if not note.strip():
        raise ApplicationError(
            "確認結果を入力してください。", code="break_glass.note_required", fields={"note": ["必須です。"]}
        )
    with transaction.atomic():
        relationship.reviewed_at, relationship.reviewed_by, relationship.review_note = (
            timezone.now(),
            by,
            note.strip(),
        )
        relationship.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    return relationship


def relationship_end(
    *, relationship: Relationship, by: User | None, reason: str = EndReason.OFFICE
) -> Relationship:
    """The office ends its relationship: from the next request it sees nothing of the person."""
    if (
        by is not None
        and not by.memberships.filter(organisation=relationship.office_id, is_active=True).exists()
    ):
        raise ApplicationError("この事業所の職員ではありません。", code="relationship.not_member", status=403)
    with transaction.atomic():
        updated = Relationship.objects.filter(pk=relationship.pk, ended_at__isnull=True).update(
            ended_at=timezone.now(), end_reason=reason, ended_by=by
        )
        if not updated:
            raise ApplicationError("既に終了しています。", code="relationship.already_ended")
    relationship.refresh_from_db()
    return relationship


def relationships_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """Ends (for the record) what the policy already treats as over: lapsed relationships, expired
    break-glass, and relationships of persons whose 資格 has ended. Safe to run twice."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    open_ = Relationship.objects.filter(ended_at__isnull=True)
    counts = {}
    with transaction.atomic():
        counts["lapsed"] = (
            open_.exclude(method=VerificationMethod.DISASTER)
            .filter(anchor_on__lt=policy.lapse_cutoff(today))
            .update(ended_at=now, end_reason=EndReason.LAPSED)
        )
        counts["expired"] = open_.filter(method=VerificationMethod.DISASTER, expires_at__lte=now).update(
            ended_at=now, end_reason=EndReason.EXPIRED
        )
        disqualified = [r.pk for r in open_.select_related("person") if not _qualified(r.person, today)]
        counts["disqualified"] = Relationship.objects.filter(pk__in=disqualified).update(
            ended_at=now, end_reason=EndReason.DISQUALIFIED
        )
    return counts


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def claims_ingest(*, federation: Organisation, rows: list[dict]) -> dict:
    """Monthly claims (office, insurer, insured number, service month) keep relationships alive: each
    moves the relationship's anchor to the end of the claimed month. Rows naming no open relationship are
    counted, not errors (a claim can come before or without 本人確認)."""
    if federation.kind != OrganisationKind.FEDERATION:
        raise ApplicationError(
            "請求実績は国保連合会だけが送れます。", code="claims.not_federation", status=403
        )
    matched = unmatched = 0
    with transaction.atomic():
        for row in rows:
            anchor = month_end(row["service_month"])
            relationships = Relationship.objects.filter(
                ended_at__isnull=True,
                office__office_number=row["office_number"],
                person__insurer__insurer_number=row["insurer_number"],
                person__insured_number=row["insured_number"],
            ).exclude(method=VerificationMethod.DISASTER)
            month = row["service_month"]
            updated = relationships.update(
                anchor_on=Greatest("anchor_on", Value(anchor)),
                last_claim_month=Greatest(Coalesce("last_claim_month", Value(month)), Value(month)),
            )
            if updated:
                matched += 1
            else:
                unmatched += 1
    return {"rows": len(rows), "matched": matched, "unmatched": unmatched}
