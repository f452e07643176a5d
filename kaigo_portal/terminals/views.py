"""The office's admin manages its terminals' certificates; the proxy fetches the CRL."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from kaigo_portal.accounts.views import form_error, org_admin_required
from kaigo_portal.errors import ApplicationError
from kaigo_portal.wareki import to_wareki_with_seireki
from kaigo_portal.web import confirm

from . import ca, services
from .forms import RevokeForm, TerminalIssueForm
from .models import RevocationReason, Terminal


def _issued(request, terminal: Terminal, passphrase: str):
    """The page that shows the one-time passphrase: rendered once, never stored, never cached."""
    response = render(request, "terminals/issued.html", {"terminal": terminal, "passphrase": passphrase})
    response["Cache-Control"] = "no-store"
    return response


@org_admin_required
def terminal_list(request, organisation):
    if not organisation.is_office_or_clinic:
        raise PermissionDenied("端末のクライアント証明書は、介護事業所と医療機関の管理者ユーザが管理します。")
    form = TerminalIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            terminal, passphrase = services.terminal_issue(
                organisation=organisation,
                by=request.user,
                request_id=getattr(request, "request_id", ""),
                **form.cleaned_data,
            )
        except ApplicationError as error:
            form_error(form, error)
        else:
            return _issued(request, terminal, passphrase)
    show_all = request.GET.get("all") == "1"
    terminals = Terminal.objects.filter(organisation=organisation).select_related("issued_by")
    if not show_all:
        terminals = terminals.filter(revoked_at__isnull=True)
    page = Paginator(terminals.order_by("name", "-issued_at"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "terminals/list.html",
        {
            "form": form,
            "page": page,
            "organisation": organisation,
            "show_all": show_all,
            "no_ca": None if ca.configured() else services.NO_CA,
        },
    )


@org_admin_required
def terminal_detail(request, organisation, terminal_id: int):
    terminal = get_object_or_404(
        Terminal.objects.select_related("renewed_from"), pk=terminal_id, organisation=organisation
    )
    events = terminal.events.select_related("by")
    return render(
        request,
        "terminals/detail.html",
        {"terminal": terminal, "events": events, "revoke_form": RevokeForm()},
    )


@org_admin_required
@never_cache
def terminal_download(request, organisation, terminal_id: int):
    terminal = get_object_or_404(Terminal, pk=terminal_id, organisation=organisation)
    try:
        bundle = services.terminal_download(
            terminal=terminal, by=request.user, request_id=getattr(request, "request_id", "")
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("terminals:detail", terminal.pk)
    response = HttpResponse(bundle, content_type="application/x-pkcs12")
    response["Content-Disposition"] = f'attachment; filename="terminal-{terminal.serial[:16]}.p12"'
    return response


@org_admin_required
@require_POST
def terminal_renew(request, organisation, terminal_id: int):
    terminal = get_object_or_404(Terminal, pk=terminal_id, organisation=organisation, revoked_at__isnull=True)
    if not confirm.confirmed(request):
        return confirm.ask(
            request,
            title="証明書を更新しますか",
            question=f"「{terminal.name}」に新しい証明書を発行し、今の証明書はすぐに失効させます。"
            "この端末で新しい証明書を取り込むまで、この端末からは業務画面を使えません。端末の前で更新してください。",
            details=[
                ("端末名", terminal.name),
                ("有効期限", to_wareki_with_seireki(terminal.not_after.date())),
            ],
            button="更新する",
            back=reverse("terminals:detail", args=[terminal.pk]),
        )
    try:
        new, passphrase = services.terminal_renew(
            terminal=terminal, by=request.user, request_id=getattr(request, "request_id", "")
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("terminals:detail", terminal.pk)
    return _issued(request, new, passphrase)


@org_admin_required
@require_POST
def terminal_revoke(request, organisation, terminal_id: int):
    terminal = get_object_or_404(Terminal, pk=terminal_id, organisation=organisation)
    form = RevokeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "失効の理由を選んでください。")
        return redirect("terminals:detail", terminal.pk)
    if terminal.revoked_at is None and not confirm.confirmed(request):
        return confirm.ask(
            request,
            title="証明書を失効させますか",
            question=f"「{terminal.name}」からは、すぐに業務画面と API を使えなくなります。失効は元に戻せません。",
            details=[
                ("端末名", terminal.name),
                ("理由", RevocationReason(form.cleaned_data["reason"]).label),
            ],
            button="失効させる",
            back=reverse("terminals:detail", args=[terminal.pk]),
            danger=True,
        )
    services.terminal_revoke(
        terminal=terminal,
        by=request.user,
        reason=form.cleaned_data["reason"],
        request_id=getattr(request, "request_id", ""),
    )
    messages.success(request, f"「{terminal.name}」の証明書を失効させました。")
    return redirect("terminals:list")


def crl(request):
    """The CRL, for the TLS proxy (public, as CRLs are: it names serial numbers only)."""
    if not ca.configured():
        raise Http404("no terminal CA is configured")
    response = HttpResponse(services.crl_pem(), content_type="application/pkix-crl")
    response["Cache-Control"] = "max-age=300"
    return response
