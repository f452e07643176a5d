"""Django admin, for the platform operator only (see kaigo_portal.urls).

The operator sees no insured person (domain.md, the access policy): no personal data is registered here,
and the accounts of persons and their representatives (UserKind.PERSON) are left out of every list,
search, change page and related look-up, allauth's e-mail addresses and authenticators included. Such an
account's page answers as a page that does not exist. tests/test_authorization_matrix.py holds the rows.
"""

from allauth.account.admin import EmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.admin import AuthenticatorAdmin
from allauth.mfa.models import Authenticator
from django.contrib import admin, messages

from . import services
from .models import ApiKey, Membership, OfficeService, Organisation, User, UserKind


class StaffOnly:
    """A ModelAdmin mixin: rows of persons' accounts are not there (`user_path` reaches the user)."""

    user_path = "user"

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(**{f"{self.user_path}kind": UserKind.PERSON})


class OfficeServiceInline(admin.TabularInline):
    model = OfficeService
    extra = 1


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "number", "prefecture", "go_live_date", "is_active"]
    list_filter = ["kind", "prefecture", "is_active"]
    search_fields = ["name", "name_kana", "insurer_number", "office_number", "medical_institution_code"]
    inlines = [OfficeServiceInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for issue in obj.number_issues():
            if issue.severity == "warning":
                messages.warning(request, f"{obj.name}: {issue.message}")


@admin.register(User)
class UserAdmin(StaffOnly, admin.ModelAdmin):
    """Staff accounts only: a person's account is made by invitation (consent) and never seen here."""

    user_path = ""
    list_display = ["email", "name", "is_active", "date_joined"]
    list_filter = ["is_active"]
    search_fields = ["email", "name"]
    fields = ["email", "name", "is_active", "is_staff", "date_joined", "last_login"]
    readonly_fields = ["date_joined", "last_login"]


admin.site.unregister(EmailAddress)
admin.site.unregister(Authenticator)


@admin.register(EmailAddress)
class StaffEmailAddressAdmin(StaffOnly, EmailAddressAdmin):
    user_path = "user__"


@admin.register(Authenticator)
class StaffAuthenticatorAdmin(StaffOnly, AuthenticatorAdmin):
    """A staff member's lost authenticator can be removed here; its secret is never shown."""

    user_path = "user__"
    exclude = ["data"]


@admin.register(Membership)
class MembershipAdmin(StaffOnly, admin.ModelAdmin):
    user_path = "user__"

    list_display = ["user", "organisation", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "user__name", "organisation__name"]
    raw_id_fields = ["user", "organisation", "created_by", "revoked_by"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "scope", "prefix", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["scope"]
    search_fields = ["name", "prefix", "organisation__name"]
    exclude = ["key_hash"]
    readonly_fields = ["organisation", "name", "scope", "prefix", "created_at", "created_by", "expires_at",
                       "revoked_at", "last_used_at"]  # fmt: skip
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False  # keys are issued with `manage.py create_api_key` or the organisation's screen

    @admin.action(description="選択した API キーを失効させる")
    def revoke(self, request, queryset):
        for key in queryset:
            services.api_key_revoke(key=key, by=None)
        messages.success(request, f"{queryset.count()} 件の API キーを失効させました。")
