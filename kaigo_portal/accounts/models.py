"""Organisations, the people who sign in for them, and the API keys their systems use."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from kaigo_portal import numbers

from .prefectures import PREFECTURE_NAMES, PREFECTURES

# サービス種類コード of the care-management services: 43 居宅介護支援, 46 介護予防支援.
CARE_MANAGEMENT_SERVICE_TYPES = frozenset({"43", "46"})


class OrganisationKind(models.TextChoices):
    INSURER = "insurer", "保険者"
    CARE_OFFICE = "care_office", "介護事業所"
    CLINIC = "clinic", "医療機関"
    FEDERATION = "federation", "国民健康保険団体連合会"
    PLATFORM = "platform", "プラットフォーム運営者"


class Role(models.TextChoices):
    MUNICIPAL_STAFF = "municipal_staff", "市町村職員"
    MUNICIPAL_ADMIN = "municipal_admin", "市町村管理者"
    CARE_MANAGER = "care_manager", "介護支援専門員"
    PROVIDER_STAFF = "provider_staff", "事業所職員"
    OFFICE_ADMIN = "office_admin", "事業所管理者ユーザ"
    CLINIC_DOCTOR = "clinic_doctor", "医師"
    CLINIC_STAFF = "clinic_staff", "医療機関職員"
    PLATFORM_OPERATOR = "platform_operator", "プラットフォーム運営者"


MUNICIPAL_ROLES = frozenset({Role.MUNICIPAL_STAFF, Role.MUNICIPAL_ADMIN})
OFFICE_ROLES = frozenset({Role.CARE_MANAGER, Role.PROVIDER_STAFF, Role.OFFICE_ADMIN})
CLINIC_ROLES = frozenset({Role.CLINIC_DOCTOR, Role.CLINIC_STAFF})
# The admin role of each kind of organisation, who creates and revokes that organisation's users.
ADMIN_ROLE_BY_KIND = {
    OrganisationKind.INSURER: Role.MUNICIPAL_ADMIN,
    OrganisationKind.CARE_OFFICE: Role.OFFICE_ADMIN,
    OrganisationKind.CLINIC: Role.OFFICE_ADMIN,
    OrganisationKind.PLATFORM: Role.PLATFORM_OPERATOR,
}


class Organisation(models.Model):
    """組織 — an insurer, care office, clinic, 国保連合会 or the platform operator."""

    kind = models.CharField("種別", max_length=20, choices=OrganisationKind.choices)
    name = models.CharField("名称", max_length=200)
    name_kana = models.CharField("名称（カナ）", max_length=200, blank=True)
    prefecture = models.CharField("都道府県", max_length=2, choices=PREFECTURES, blank=True)
    insurer_number = models.CharField("保険者番号", max_length=6, unique=True, null=True, blank=True)
    office_number = models.CharField("介護保険事業所番号", max_length=10, unique=True, null=True, blank=True)
    medical_institution_code = models.CharField(
        "医療機関コード", max_length=10, unique=True, null=True, blank=True
    )
    go_live_date = models.DateField("利用開始日", null=True, blank=True)
    check_digit_override = models.BooleanField(
        "検証番号の不一致を承認済み",
        default=False,
        help_text="保険者番号の検証番号規則は介護について未確認のため、運営者が確認のうえ承認できます。",
    )
    is_active = models.BooleanField("有効", default=True)
    created_at = models.DateTimeField("登録日時", default=timezone.now)

    class Meta:
        verbose_name = "組織"
        verbose_name_plural = "組織"
        ordering = ["kind", "prefecture", "name"]
        constraints = [
            models.CheckConstraint(
                name="insurer_has_number",
                condition=~Q(kind=OrganisationKind.INSURER) | Q(insurer_number__isnull=False),
            ),
            models.CheckConstraint(
                name="care_office_has_number",
                condition=~Q(kind=OrganisationKind.CARE_OFFICE) | Q(office_number__isnull=False),
            ),
            models.CheckConstraint(
                name="clinic_has_code",
                condition=~Q(kind=OrganisationKind.CLINIC) | Q(medical_institution_code__isnull=False),
            ),
            models.UniqueConstraint(
                name="one_federation_per_prefecture",
                fields=["prefecture"],
                condition=Q(kind=OrganisationKind.FEDERATION),
            ),
            models.UniqueConstraint(
                name="one_platform_operator", fields=["kind"], condition=Q(kind=OrganisationKind.PLATFORM)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）"

    @property
    def number(self) -> str:
        """The organisation's own number, as `create_api_key --org` takes it."""
        match self.kind:
            case OrganisationKind.INSURER:
                return self.insurer_number or ""
            case OrganisationKind.CARE_OFFICE:
                return self.office_number or ""
            case OrganisationKind.CLINIC:
                return self.medical_institution_code or ""
            case OrganisationKind.FEDERATION:
                return self.prefecture
            case _:
                return "platform"

    @property
    def prefecture_name(self) -> str:
        return PREFECTURE_NAMES.get(self.prefecture, "")

    def service_type_codes(self) -> set[str]:
        return {service.code for service in self.services.all()}

    @property
    def is_office_or_clinic(self) -> bool:
        """A 介護事業所 or a 医療機関: the organisations whose staff work from terminals with certificates."""
        return self.kind in (OrganisationKind.CARE_OFFICE, OrganisationKind.CLINIC)

    @property
    def is_care_management_office(self) -> bool:
        """居宅介護支援 (43), 介護予防支援 (46) or a 地域包括支援センター (position 3 is 0, serial 0001–4999)."""
        if self.office_number is None:
            return False
        if numbers.is_community_support_center(self.office_number):
            return True
        return bool(self.service_type_codes() & CARE_MANAGEMENT_SERVICE_TYPES)

    def is_live(self, on: dt.date | None = None) -> bool:
        """Whether this insurer's data is visible on the platform (its 利用開始日 has come)."""
        on = on or timezone.localdate()
        return self.go_live_date is not None and self.go_live_date <= on

    def allowed_roles(self) -> frozenset[Role]:
        """The roles a user may hold in this organisation."""
        roles: set[Role] = set()
        if self.kind == OrganisationKind.INSURER:
            roles |= MUNICIPAL_ROLES
        if self.kind == OrganisationKind.PLATFORM:
            roles.add(Role.PLATFORM_OPERATOR)
        if self.kind == OrganisationKind.CLINIC:
            roles |= CLINIC_ROLES | {Role.OFFICE_ADMIN}
        if self.office_number:  # a care office, or a clinic that is also a みなし事業所
            roles |= {Role.PROVIDER_STAFF, Role.OFFICE_ADMIN}
            if self.is_care_management_office:
                roles.add(Role.CARE_MANAGER)
        return frozenset(roles)

    def office_role(self) -> Role:
        """The role an office's system acts with: care manager in a care-management office."""
        return Role.CARE_MANAGER if self.is_care_management_office else Role.PROVIDER_STAFF

    def clean(self) -> None:
        errors = [issue.message for issue in self.number_issues() if issue.severity == "error"]
        if errors:
            raise ValidationError(errors, code="number")

    def number_issues(self) -> list[numbers.NumberIssue]:
        """What the check-digit rules say about this organisation's numbers."""
        issues: list[numbers.NumberIssue] = []
        if self.insurer_number:
            issues += [
                issue
                for issue in numbers.check_insurer_number(self.insurer_number)
                if not (self.check_digit_override and issue.code == "insurer_number.check_digit")
            ]
        if self.office_number:
            issues += numbers.check_office_number(self.office_number)
        if self.medical_institution_code:
            issues += numbers.check_medical_institution_code(self.medical_institution_code)
        if self.kind == OrganisationKind.FEDERATION:
            issues += numbers.check_prefecture_number(self.prefecture)
        return issues


class OfficeService(models.Model):
    """An office's サービス種類コード (for example 11 訪問介護, 43 居宅介護支援)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="services")
    code = models.CharField("サービス種類コード", max_length=2)

    class Meta:
        verbose_name = "提供サービス"
        verbose_name_plural = "提供サービス"
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="unique_office_service")]

    def __str__(self) -> str:
        return self.code


class UserKind(models.TextChoices):
    STAFF = "staff", "職員"
    PERSON = "person", "本人"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: staff of an organisation, or the insured person (本人) themself."""

    email = models.EmailField("メールアドレス", unique=True)
    name = models.CharField("氏名", max_length=100)
    kind = models.CharField("種別", max_length=10, choices=UserKind.choices, default=UserKind.STAFF)
    is_active = models.BooleanField("有効", default=True)
    # Django admin is for the platform operator only (see kaigo_portal.urls).
    is_staff = models.BooleanField("管理サイト", default=False)
    date_joined = models.DateTimeField("登録日時", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = "ユーザー"
        verbose_name_plural = "ユーザー"

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def is_person(self) -> bool:
        return self.kind == UserKind.PERSON

    def active_memberships(self) -> models.QuerySet[Membership]:
        return self.memberships.filter(is_active=True, organisation__is_active=True).select_related(
            "organisation"
        )


class Membership(models.Model):
    """所属 — a user's role in one organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField("役割", max_length=30, choices=Role.choices)
    is_active = models.BooleanField("有効", default=True)
    created_at = models.DateTimeField("登録日時", default=timezone.now)
    created_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="登録者"
    )
    revoked_at = models.DateTimeField("失効日時", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name="失効させた者"
    )

    class Meta:
        verbose_name = "所属"
        verbose_name_plural = "所属"
        ordering = ["organisation_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user.name} — {self.organisation.name}（{self.get_role_display()}）"

    @property
    def is_admin(self) -> bool:
        return self.is_active and ADMIN_ROLE_BY_KIND.get(self.organisation.kind) == self.role


class ApiScope(models.TextChoices):
    IMPORTS = "imports", "取込（保険者の介護保険事務システム）"
    CLAIMS = "claims", "請求実績（国保連合会）"
    READ = "read", "参照（事業所の介護ソフト）"
    DEVICE = "device", "カードリーダー（事業所の端末）"
    OPINIONS = "opinions", "主治医意見書（医療機関・保険者）"
    CAREPLANS = "careplans", "ケアプラン・LIFE（事業所の介護ソフト）"


# Which kind of organisation may hold a key of each scope.
SCOPE_KINDS: dict[str, frozenset[str]] = {
    ApiScope.IMPORTS: frozenset({OrganisationKind.INSURER}),
    ApiScope.CLAIMS: frozenset({OrganisationKind.FEDERATION}),
    ApiScope.READ: frozenset({OrganisationKind.CARE_OFFICE, OrganisationKind.CLINIC}),
    ApiScope.DEVICE: frozenset({OrganisationKind.CARE_OFFICE, OrganisationKind.CLINIC}),
    ApiScope.OPINIONS: frozenset({OrganisationKind.CLINIC, OrganisationKind.INSURER}),
    ApiScope.CAREPLANS: frozenset({OrganisationKind.CARE_OFFICE}),
}


class ApiKey(models.Model):
    """API キー — a system's credential, bound to one organisation and one scope. Only its hash is kept."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="api_keys")
    name = models.CharField("名前", max_length=100)
    scope = models.CharField("スコープ", max_length=20, choices=ApiScope.choices)
    prefix = models.CharField("識別子", max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField("発行日時", default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    expires_at = models.DateTimeField("有効期限")
    revoked_at = models.DateTimeField("失効日時", null=True, blank=True)
    last_used_at = models.DateTimeField("最終利用日時", null=True, blank=True)

    class Meta:
        verbose_name = "API キー"
        verbose_name_plural = "API キー"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now and self.organisation.is_active

    @property
    def acting_role(self) -> Role | None:
        """The role a key acts with: an office's key acts as a care manager or as provider staff."""
        org = self.organisation
        office_scopes = {ApiScope.READ, ApiScope.DEVICE, ApiScope.CAREPLANS}
        match org.kind:
            case OrganisationKind.INSURER:
                return Role.MUNICIPAL_STAFF
            case OrganisationKind.CARE_OFFICE:
                return org.office_role()
            case OrganisationKind.CLINIC if self.scope in office_scopes and org.office_number:
                return org.office_role()
            case OrganisationKind.CLINIC:
                return Role.CLINIC_STAFF
            case OrganisationKind.PLATFORM:
                return Role.PLATFORM_OPERATOR
            case _:
                return None
