"""Fixtures shared by every test: the named cast of organisations and users, one per role."""

from __future__ import annotations

import datetime as dt

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache

from kaigo_portal.accounts.models import Membership, OfficeService, Organisation, OrganisationKind, Role, User, UserKind
from kaigo_portal.celery import app as celery_app


@pytest.fixture(autouse=True)
def _isolated(settings):
    """Each test starts with an empty cache (rate limits, used TOTP codes), the MFA rule on, and a fast
    password hasher."""
    cache.clear()
    settings.KAIGO_REQUIRE_MFA = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, in tests only
    yield
    cache.clear()


@pytest.fixture(autouse=True, scope="session")
def _celery_in_process():
    """Tasks queued in tests run in-process when their transaction commits (the real worker is tested
    separately in kaigo_portal/tests/test_celery.py)."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


def make_org(kind: str, name: str, *, services: tuple[str, ...] = (), **numbers) -> Organisation:
    prefecture = numbers.pop("prefecture", None) or next(iter(numbers.values()), "13")[:2]
    org = Organisation.objects.create(kind=kind, name=name, prefecture=prefecture, **numbers)
    OfficeService.objects.bulk_create([OfficeService(organisation=org, code=code) for code in services])
    return org


def make_user(email: str, *, org: Organisation | None = None, role: str | None = None, mfa: bool = True,
              kind: str = UserKind.STAFF, name: str = "") -> User:  # fmt: skip
    user = User.objects.create_user(email=email, password="correct-horse-battery", name=name or email.split("@")[0], kind=kind)
    if org is not None:
        Membership.objects.create(user=user, organisation=org, role=role)
    if role == Role.PLATFORM_OPERATOR:  # the operator's model permissions in Django admin
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    if mfa and kind == UserKind.STAFF:
        TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def orgs(db):
    """千代田区 (live), 日立市 (not live yet), a 居宅介護支援事業所, a 訪問介護 office, another 居宅, a clinic,
    a 国保連 and the platform operator."""
    return {
        "chiyoda": make_org(OrganisationKind.INSURER, "千代田区", insurer_number="131011", go_live_date=dt.date(2026, 4, 1)),
        "hitachi": make_org(OrganisationKind.INSURER, "日立市", insurer_number="082024", go_live_date=dt.date(2028, 3, 1)),
        "kyotaku": make_org(OrganisationKind.CARE_OFFICE, "ケアプランセンター神田", office_number="1370100016", services=("43",)),
        "homon": make_org(OrganisationKind.CARE_OFFICE, "訪問介護ステーション九段", office_number="1370100024", services=("11",)),
        "kyotaku2": make_org(OrganisationKind.CARE_OFFICE, "ケアプランセンター番町", office_number="1370100032", services=("43",)),
        "clinic": make_org(OrganisationKind.CLINIC, "千代田内科クリニック", medical_institution_code="1310112345"),
        "kokuhoren": make_org(OrganisationKind.FEDERATION, "東京都国民健康保険団体連合会", prefecture="13"),
        "platform": make_org(OrganisationKind.PLATFORM, "運営事務局", prefecture="13"),
    }  # fmt: skip


@pytest.fixture
def cast(orgs):
    """One user per role, by name: alice (municipal staff, 千代田区) ... and a person."""
    return {
        "alice": make_user("alice@example.jp", org=orgs["chiyoda"], role=Role.MUNICIPAL_STAFF),
        "amy": make_user("amy@example.jp", org=orgs["chiyoda"], role=Role.MUNICIPAL_ADMIN),
        "hank": make_user("hank@example.jp", org=orgs["hitachi"], role=Role.MUNICIPAL_STAFF),
        "bob": make_user("bob@example.jp", org=orgs["kyotaku"], role=Role.CARE_MANAGER),
        "olive": make_user("olive@example.jp", org=orgs["kyotaku"], role=Role.OFFICE_ADMIN),
        "oscar": make_user("oscar@example.jp", org=orgs["kyotaku2"], role=Role.OFFICE_ADMIN),
        "carol": make_user("carol@example.jp", org=orgs["homon"], role=Role.PROVIDER_STAFF),
        "dan": make_user("dan@example.jp", org=orgs["clinic"], role=Role.CLINIC_DOCTOR),
        "cathy": make_user("cathy@example.jp", org=orgs["clinic"], role=Role.CLINIC_STAFF),
        "pat": make_user("pat@example.jp", org=orgs["platform"], role=Role.PLATFORM_OPERATOR),
        "pia": make_user("pia@example.jp", kind=UserKind.PERSON),
    }


@pytest.fixture
def login(client):
    """Signs a user in through the session (the MFA stage itself is tested in test_auth.py)."""

    def _login(user: User):
        client.force_login(user)
        return client

    return _login


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL=postgres://...)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)
