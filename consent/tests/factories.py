"""Helpers for consent tests: more offices, a relationship, a consent, a person account."""

from __future__ import annotations

import datetime as dt

from conftest import make_org, make_user
from consent import services
from consent.models import ConsentSource, ConsentStatus, PersonAccount, Representative, RepresentativeDocument
from eligibility.models import InsuredPerson
from kaigo_portal.accounts.models import OrganisationKind, Role, User, UserKind


def more_offices() -> dict:
    """A 介護予防支援事業所 (46), a 地域包括支援センター, a 介護老人福祉施設 (51) and two more clinics."""
    return {
        "yobo": make_org(
            OrganisationKind.CARE_OFFICE,
            "介護予防支援センター神保町",
            office_number="1370100040",
            services=("46",),
        ),
        "houkatsu": make_org(
            OrganisationKind.CARE_OFFICE, "千代田区地域包括支援センター", office_number="1300100011"
        ),
        "tokuyou": make_org(
            OrganisationKind.CARE_OFFICE,
            "特別養護老人ホーム一番町",
            office_number="1370100057",
            services=("51",),
        ),
        "clinic_b": make_org(OrganisationKind.CLINIC, "神田整形外科", medical_institution_code="1310112340"),
        "clinic_c": make_org(OrganisationKind.CLINIC, "番町眼科", medical_institution_code="1310112350"),
    }


def consent(person: InsuredPerson, status: str = ConsentStatus.GRANTED, *, by: User | None = None, on=None):
    return services.consent_record(
        person=person, status=status, source=ConsentSource.APPLICATION_NEW, by=by, on=on
    )


def relationship(office, person: InsuredPerson, *, by: User | None = None):
    return services.relationship_verify_mynumber_card(office=office, person=person, by=by)


def person_user(email: str, person: InsuredPerson, **kwargs) -> User:
    user = make_user(email, kind=UserKind.PERSON, **kwargs)
    PersonAccount.objects.create(user=user, person=person)
    return user


def representative(
    user: User, person: InsuredPerson, *, valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2027, 12, 31)
) -> Representative:
    return Representative.objects.create(
        user=user,
        person=person,
        document=RepresentativeDocument.FAMILY,
        valid_from=valid_from,
        valid_to=valid_to,
    )


def care_manager(email: str, office) -> User:
    return make_user(email, org=office, role=Role.CARE_MANAGER)
