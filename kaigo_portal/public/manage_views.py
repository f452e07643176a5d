"""The platform operators' screens: news, FAQ and the inquiry queue (not Django admin)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from kaigo_portal.accounts.decorators import operator_required
from kaigo_portal.accounts.models import User
from kaigo_portal.errors import ApplicationError
from kaigo_portal.web import confirm

from . import selectors, services
from .forms import AssignForm, FaqForm, NewsForm, NoteForm, ReplyForm, StatusForm
from .models import FaqEntry, Inquiry, InquiryStatus, NewsItem


def _form_error(form, error: ApplicationError) -> None:
    if error.fields:
        for field, field_messages in error.fields.items():
            for message in field_messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, ValidationError(error.message, code=error.code))


@operator_required
def index(request):
    return render(request, "public/manage/index.html", {"counts": selectors.queue_counts()})


# --- news -------------------------------------------------------------------------------------------------


@operator_required
def news_list(request):
    page = Paginator(selectors.news_for_operators(), 25).get_page(request.GET.get("page"))
    return render(request, "public/manage/news_list.html", {"page": page, "now": timezone.now()})


@operator_required
@require_http_methods(["GET", "POST"])
def news_edit(request, pk: int | None = None):
    item = get_object_or_404(NewsItem, pk=pk) if pk else None
    fields = ("title", "body", "is_important", "published_at")
    return _edit(
        request,
        item,
        NewsForm,
        fields,
        create=services.news_create,
        update=services.news_update,
        name="item",
        template="public/manage/news_form.html",
        back="public:manage_news",
        saved=lambda item: f"お知らせ「{item.title}」を保存しました（{item.publication_state().label}）。",
    )


@operator_required
@require_POST
def news_delete(request, pk: int):
    item = get_object_or_404(NewsItem, pk=pk)
    if not confirm.confirmed(request):
        return confirm.ask(
            request,
            title="お知らせを削除しますか",
            question=f"お知らせ「{item.title}」を削除します。公開ポータルからも消え、元に戻せません。",
            button="削除する",
            back=reverse("public:manage_news"),
            danger=True,
        )
    services.news_delete(item=item, by=request.user)
    messages.success(request, f"お知らせ「{item.title}」を削除しました。")
    return redirect("public:manage_news")


# --- FAQ --------------------------------------------------------------------------------------------------


@operator_required
def faq_list(request):
    return render(
        request,
        "public/manage/faq_list.html",
        {"entries": selectors.faq_for_operators(), "now": timezone.now()},
    )


@operator_required
@require_http_methods(["GET", "POST"])
def faq_edit(request, pk: int | None = None):
    entry = get_object_or_404(FaqEntry, pk=pk) if pk else None
    fields = ("audience", "question", "answer", "sort_order", "published_at")
    return _edit(
        request,
        entry,
        FaqForm,
        fields,
        create=services.faq_create,
        update=services.faq_update,
        name="entry",
        template="public/manage/faq_form.html",
        back="public:manage_faq",
        saved=lambda entry: (
            f"よくある質問「{entry.question}」を保存しました（{entry.publication_state().label}）。"
        ),
    )


def _edit(request, obj, form_class, fields, *, create, update, name, template, back, saved):
    """The editor of a news item or an FAQ entry: a new one (obj None) or an existing one."""
    initial = {}
    if obj is not None:
        initial = {field: getattr(obj, field) for field in fields}
        initial["published_at"] = obj.published_at and timezone.localtime(obj.published_at)
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if obj is None:
            obj = create(by=request.user, **form.cleaned_data)
        else:
            update(**{name: obj}, by=request.user, **form.cleaned_data)
        messages.success(request, saved(obj))
        return redirect(back)
    return render(request, template, {"form": form, name: obj})


@operator_required
@require_POST
def faq_delete(request, pk: int):
    entry = get_object_or_404(FaqEntry, pk=pk)
    if not confirm.confirmed(request):
        return confirm.ask(
            request,
            title="よくある質問を削除しますか",
            question=f"よくある質問「{entry.question}」を削除します。公開ポータルからも消え、元に戻せません。",
            button="削除する",
            back=reverse("public:manage_faq"),
            danger=True,
        )
    services.faq_delete(entry=entry, by=request.user)
    messages.success(request, f"よくある質問「{entry.question}」を削除しました。")
    return redirect("public:manage_faq")


# --- the inquiry queue --------------------------------------------------------------------------------------


@operator_required
def inquiry_queue(request):
    status = request.GET.get("status", "open")
    if status not in selectors.QUEUE_FILTERS:
        status = "open"
    mine = request.GET.get("who") == "me"
    unassigned = request.GET.get("who") == "none"
    search = request.GET.get("q", "").strip()[:100]
    inquiries = selectors.inquiry_queue(
        status=status, assignee=request.user if mine else None, unassigned=unassigned, search=search
    )
    page = Paginator(inquiries, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "public/manage/inquiry_queue.html",
        {
            "page": page,
            "status": status,
            "who": request.GET.get("who", ""),
            "search": search,
            "query": query.urlencode(),
            "counts": selectors.queue_counts(),
            "statuses": [("open", "未完了（新規・対応中）"), *InquiryStatus.choices, ("all", "すべて")],
        },
    )


def _detail(request, inquiry: Inquiry, *, forms: dict | None = None, status: int = 200):
    operators = list(selectors.operators())
    forms = forms or {}
    context = {
        "ticket": inquiry,
        "thread": selectors.operator_thread(inquiry),
        "reply_form": forms.get("reply") or ReplyForm(prefix="reply"),
        "note_form": forms.get("note") or NoteForm(prefix="note"),
        "assign_form": forms.get("assign")
        or AssignForm(initial={"assignee": inquiry.assignee_id}, operators=operators, prefix="assign"),
        "status_form": forms.get("status") or StatusForm(initial={"status": inquiry.status}, prefix="status"),
    }
    return render(request, "public/manage/inquiry_detail.html", context, status=status)


def _ticket(ticket_number: str) -> Inquiry:
    return get_object_or_404(Inquiry.objects.select_related("assignee", "user"), ticket_number=ticket_number)


@operator_required
def inquiry_detail(request, ticket_number: str):
    return _detail(request, _ticket(ticket_number))


@operator_required
@require_POST
def inquiry_reply(request, ticket_number: str):
    ticket = _ticket(ticket_number)
    form = ReplyForm(request.POST, prefix="reply")
    if form.is_valid():
        try:
            services.inquiry_reply(inquiry=ticket, by=request.user, **form.cleaned_data)
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, f"{ticket.ticket_number} に回答し、問い合わせ者にメールを送りました。")
            return redirect("public:manage_inquiry", ticket_number=ticket.ticket_number)
    return _detail(request, ticket, forms={"reply": form}, status=400)


@operator_required
@require_POST
def inquiry_note(request, ticket_number: str):
    ticket = _ticket(ticket_number)
    form = NoteForm(request.POST, prefix="note")
    if form.is_valid():
        services.inquiry_add_note(inquiry=ticket, by=request.user, body=form.cleaned_data["body"])
        messages.success(request, "内部メモを記録しました。")
        return redirect("public:manage_inquiry", ticket_number=ticket.ticket_number)
    return _detail(request, ticket, forms={"note": form}, status=400)


@operator_required
@require_POST
def inquiry_assign(request, ticket_number: str):
    ticket = _ticket(ticket_number)
    form = AssignForm(request.POST, operators=list(selectors.operators()), prefix="assign")
    if form.is_valid():
        assignee_id = form.cleaned_data["assignee"]
        assignee = User.objects.get(pk=assignee_id) if assignee_id else None
        try:
            services.inquiry_assign(inquiry=ticket, assignee=assignee, by=request.user)
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, "担当者を更新しました。")
            return redirect("public:manage_inquiry", ticket_number=ticket.ticket_number)
    return _detail(request, ticket, forms={"assign": form}, status=400)


@operator_required
@require_POST
def inquiry_status(request, ticket_number: str):
    ticket = _ticket(ticket_number)
    form = StatusForm(request.POST, prefix="status")
    if form.is_valid():
        try:
            services.inquiry_set_status(inquiry=ticket, status=form.cleaned_data["status"], by=request.user)
        except ApplicationError as error:
            _form_error(form, error)
        else:
            messages.success(request, "対応状況を更新しました。")
            return redirect("public:manage_inquiry", ticket_number=ticket.ticket_number)
    return _detail(request, ticket, forms={"status": form}, status=400)
