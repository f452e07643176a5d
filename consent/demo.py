"""Demo data for consent: the demo person's account, relationships and consents (idempotent)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from eligibility.models import InsuredPerson
from kaigo_portal.accounts.models import Organisation, User

from .models import (
    Consent,
    ConsentSource,
    ConsentStatus,
    PersonAccount,
    Relationship,
    Representative,
    RepresentativeDocument,
    VerificationMethod,
)


def seed() -> str:
    chiyoda = Organisation.objects.filter(insurer_number="131011").first()
    kyotaku = Organisation.objects.filter(office_number="1370100016").first()
    homon = Organisation.objects.filter(office_number="1370100024").first()
    if chiyoda is None or kyotaku is None:
        return "同意・担当事業所: skipped (no demo organisations)"
    persons = list(InsuredPerson.objects.filter(insurer=chiyoda).order_by("insured_number")[:20])
    if not persons or Relationship.objects.filter(office=kyotaku).exists():
        return "同意・担当事業所: already loaded"
    today = timezone.localdate()
    with transaction.atomic():
        Relationship.objects.bulk_create(
            [
                Relationship(
                    office=kyotaku,
                    person=p,
                    method=VerificationMethod.MYNUMBER_CARD,
                    anchor_on=today,
                    verified_by_name="デモ",
                )
                for p in persons
            ]
            + [
                Relationship(
                    office=homon,
                    person=p,
                    method=VerificationMethod.INSURANCE_CARD,
                    anchor_on=today,
                    verified_by_name="デモ",
                )
                for p in persons[:5]
                if homon is not None
            ]
        )
        Consent.objects.bulk_create(
            [
                Consent(
                    person=p,
                    reference=f"DEMO-{p.insured_number}",
                    status=ConsentStatus.GRANTED,
                    source=ConsentSource.APPLICATION_RENEWAL,
                    effective_date=today,
                    recorded_by_name="デモ",
                )
                for p in persons[:10]
            ]
        )
        person_user = User.objects.filter(email="person@example.jp").first()
        if person_user is not None and not PersonAccount.objects.filter(user=person_user).exists():
            PersonAccount.objects.get_or_create(person=persons[0], defaults={"user": person_user})
        if person_user is not None and person_user.name != persons[0].name:
            person_user.name = persons[0].name  # the account is the person's own: one name on every page
            person_user.save(update_fields=["name"])
        family = User.objects.filter(email="family@example.jp").first()
        if family is not None:  # a daughter who acts for the demo person (the representative's day)
            Representative.objects.get_or_create(
                user=family,
                person=persons[0],
                defaults={
                    "document": RepresentativeDocument.FAMILY,
                    "valid_from": today - dt.timedelta(days=30),
                    "valid_to": today + dt.timedelta(days=365),
                },
            )
    return (
        f"同意・担当事業所: 担当 {len(persons)} 人（同意 10 人）、本人アカウント person@example.jp → "
        f"{persons[0].name}（{persons[0].insured_number}）、代理人 family@example.jp"
    )
