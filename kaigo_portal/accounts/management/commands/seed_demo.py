"""manage.py seed_demo: the demo's organisations and one sign-in per role. Safe to run again."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kaigo_portal import demo
from kaigo_portal.accounts.models import (
    Membership,
    OfficeService,
    Organisation,
    OrganisationKind,
    Role,
    User,
    UserKind,
)

DEMO_PASSWORD = "kaigo-demo-2026"  # noqa: S105  (printed on purpose: demo only, refused with DEBUG off)

# 千代田区 (131011) is live; 日立市 (082024) starts in 令和10年3月 (source-material.md), so it is not yet.
ORGANISATIONS = [
    {"key": "platform", "kind": OrganisationKind.PLATFORM, "name": "介護情報基盤ポータル運営事務局"},
    {"key": "chiyoda", "kind": OrganisationKind.INSURER, "name": "千代田区", "insurer_number": "131011",
     "go_live_date": dt.date(2026, 4, 1)},
    {"key": "hitachi", "kind": OrganisationKind.INSURER, "name": "日立市", "insurer_number": "082024",
     "go_live_date": dt.date(2028, 3, 1)},
    {"key": "kyotaku", "kind": OrganisationKind.CARE_OFFICE, "name": "ケアプランセンター神田",
     "office_number": "1370100016", "services": ["43"]},
    {"key": "homon", "kind": OrganisationKind.CARE_OFFICE, "name": "訪問介護ステーション九段",
     "office_number": "1370100024", "services": ["11"]},
    {"key": "clinic", "kind": OrganisationKind.CLINIC, "name": "千代田内科クリニック",
     "medical_institution_code": "1310112345"},
    {"key": "kokuhoren", "kind": OrganisationKind.FEDERATION, "name": "東京都国民健康保険団体連合会",
     "prefecture": "13"},
]  # fmt: skip

USERS = [
    ("operator@example.jp", "運営 太郎", "platform", Role.PLATFORM_OPERATOR),
    ("reviewer@example.jp", "審査 担当", "platform", Role.PLATFORM_OPERATOR),  # reviews subsidy applications
    ("municipal.admin@example.jp", "千代田 管理子", "chiyoda", Role.MUNICIPAL_ADMIN),
    ("municipal@example.jp", "千代田 花子", "chiyoda", Role.MUNICIPAL_STAFF),
    ("hitachi@example.jp", "日立 一郎", "hitachi", Role.MUNICIPAL_STAFF),
    ("office.admin@example.jp", "神田 管理", "kyotaku", Role.OFFICE_ADMIN),
    ("caremanager@example.jp", "介護 支援子", "kyotaku", Role.CARE_MANAGER),
    ("provider@example.jp", "訪問 介護男", "homon", Role.PROVIDER_STAFF),
    ("homon.admin@example.jp", "九段 管理", "homon", Role.OFFICE_ADMIN),  # its subsidy application
    ("doctor@example.jp", "内科 医師", "clinic", Role.CLINIC_DOCTOR),
    ("clinic.staff@example.jp", "医療 事務子", "clinic", Role.CLINIC_STAFF),
]


class Command(BaseCommand):
    help = "Loads the demo organisations and one sign-in per role (idempotent; DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="do not print the sign-ins")
        parser.add_argument(
            "--sign-ins-only",
            metavar="URL",
            help="print only the sign-ins, with the URL the demo serves (make run ends with them)",
        )

    def handle(self, *args, quiet: bool = False, sign_ins_only: str | None = None, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo loads known passwords and is refused with DEBUG off.")
        if sign_ins_only:
            self._print_sign_ins(url=sign_ins_only)
            return
        with transaction.atomic():
            orgs = {spec["key"]: self._organisation(spec) for spec in ORGANISATIONS}
            for email, name, org_key, role in USERS:
                self._staff(email, name, orgs[org_key], role)
            self._user("person@example.jp", "介護 太郎", UserKind.PERSON)
            self._user("family@example.jp", "伊藤 恵子", UserKind.PERSON)  # a representative (consent links)
        for _name, seeder in demo.seeders():  # what the apps above the kernel add (persons, news, …)
            self.stdout.write(seeder())
        if not quiet:
            self._print_sign_ins()

    def _organisation(self, spec: dict) -> Organisation:
        spec = dict(spec)
        spec.pop("key")
        services = spec.pop("services", [])
        lookup = {"kind": spec["kind"]}
        for field in ("insurer_number", "office_number", "medical_institution_code"):
            if field in spec:
                lookup = {field: spec[field]}
        if spec["kind"] == OrganisationKind.FEDERATION:
            lookup["prefecture"] = spec["prefecture"]
        spec.setdefault(
            "prefecture",
            (
                spec.get("insurer_number")
                or spec.get("office_number")
                or spec.get("medical_institution_code")
                or "13"
            )[:2],
        )
        org, _ = Organisation.objects.update_or_create(**lookup, defaults=spec)
        org.full_clean()
        for code in services:
            OfficeService.objects.get_or_create(organisation=org, code=code)
        return org

    def _user(self, email: str, name: str, kind: str) -> User:
        user = User.objects.filter(email=email).first() or User(email=email)
        user.name, user.kind, user.is_active = name, kind, True
        user.set_password(DEMO_PASSWORD)
        user.save()
        return user

    def _staff(self, email: str, name: str, org: Organisation, role: Role) -> None:
        user = self._user(email, name, UserKind.STAFF)
        if role == Role.PLATFORM_OPERATOR and not user.is_staff:
            user.is_staff = user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        Membership.objects.update_or_create(
            user=user, organisation=org, defaults={"role": role, "is_active": True, "revoked_at": None}
        )

    def _print_sign_ins(self, url: str = "") -> None:
        self.stdout.write("")
        if url:
            self.stdout.write(f"デモを {url} で公開しています（終了は Ctrl+C）。")
        self.stdout.write(f"デモ用サインイン（パスワードはすべて {DEMO_PASSWORD}）:")
        for email, _name, org_key, role in USERS:
            org = next(spec["name"] for spec in ORGANISATIONS if spec["key"] == org_key)
            self.stdout.write(f"  {role.label:<16} {email:<30} {org}")
        self.stdout.write(f"  {'代理人':<15} {'family@example.jp':<30} 伊藤 恵子（ご本人の家族）")
        self.stdout.write(f"  {'本人':<16} {'person@example.jp':<30} {_person_name()}")
        self.stdout.write("")


def _person_name() -> str:
    """Whose account person@example.jp is (the consent seeder links it to the first demo person)."""
    user = User.objects.filter(email="person@example.jp").first()
    return f"{user.name}（被保険者本人）" if user and user.name else "（被保険者本人）"
