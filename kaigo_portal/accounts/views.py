"""Screens for an organisation's admin: its staff users and its API keys."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from kaigo_portal.errors import ApplicationError
from kaigo_portal.web import confirm

from . import selectors, services
from .forms import ApiKeyCreateForm, StaffAddForm
from .models import SCOPE_KINDS, ApiKey, Membership


def org_admin_required(view):
    """Only the admin of the request's current organisation (管理者ユーザ or 市町村管理者) gets in."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        membership = getattr(request, "membership", None)
        if membership is None or not membership.is_admin:
            raise PermissionDenied("組織の管理者だけが利用できます。")
        return view(request, membership.organisation, *args, **kwargs)

    return wrapper


def form_error(form, error: ApplicationError) -> None:
    if error.fields:
        for field, field_messages in error.fields.items():
            for message in field_messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, error.message)


@org_admin_required
def staff_list(request, organisation):
    search = request.GET.get("q", "").strip()
    memberships = selectors.members_of(
        organisation, search=search, include_revoked=request.GET.get("all") == "1"
    )
    page = Paginator(memberships, 25).get_page(request.GET.get("page"))
    return render(
        request, "accounts/staff_list.html", {"page": page, "search": search, "organisation": organisation}
    )


@org_admin_required
def staff_add(request, organisation):
    form = StaffAddForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.membership_add(
                organisation=organisation, by=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, f"{membership.user.name} さんを登録し、案内メールを送りました。")
            return redirect("staff_list")
    return render(request, "accounts/staff_add.html", {"form": form, "organisation": organisation})


@org_admin_required
@require_POST
def staff_revoke(request, organisation, membership_id: int):
    # Scoped to the admin's own organisation: another office's membership is simply not found.
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_id, organisation=organisation
    )
    if membership.is_active and membership.user_id != request.user.pk and not confirm.confirmed(request):
        return confirm.ask(
            request,
            title="職員の所属を失効させますか",
            question=f"{membership.user.name} さんは、{organisation.name} の職員としてサインインできなくなります。"
            "使用中の画面もすぐに使えなくなります。",
            details=[("氏名", membership.user.name), ("メールアドレス", membership.user.email)],
            button="失効させる",
            back=reverse("staff_list"),
            danger=True,
        )
    try:
        services.membership_revoke(membership=membership, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{membership.user.name} さんの所属を失効させました。")
    return redirect("staff_list")


@org_admin_required
def api_key_list(request, organisation):
    scopes = [scope for scope, kinds in SCOPE_KINDS.items() if organisation.kind in kinds]
    form = ApiKeyCreateForm(request.POST or None, scopes=scopes)
    raw_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _key, raw_key = services.api_key_create(
                organisation=organisation, by=request.user, **form.cleaned_data
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            form = ApiKeyCreateForm(scopes=scopes)
    keys = selectors.api_keys_of(organisation)
    return render(
        request,
        "accounts/api_keys.html",
        {"form": form, "keys": keys, "raw_key": raw_key, "organisation": organisation, "scopes": scopes},
    )


@org_admin_required
@require_POST
def api_key_revoke(request, organisation, key_id: int):
    key = get_object_or_404(ApiKey, pk=key_id, organisation=organisation)
    if key.revoked_at is None and not confirm.confirmed(request):
        return confirm.ask(
            request,
            title="API キーを失効させますか",
            question=f"API キー「{key.name}」を使うシステムは、すぐにポータルへ接続できなくなります。"
            "失効したキーは元に戻せません。",
            details=[("名前", key.name), ("スコープ", key.get_scope_display())],
            button="失効させる",
            back=reverse("api_key_list"),
            danger=True,
        )
    services.api_key_revoke(key=key, by=request.user)
    messages.success(request, f"API キー「{key.name}」を失効させました。")
    return redirect("api_key_list")
