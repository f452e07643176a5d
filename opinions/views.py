"""Screens: the clinic (queue, the web form, past opinions, corrections), the municipality (receipt
queue, paper receipt) and anyone the policy lets read an opinion. Every read goes through the door."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from eligibility import pdf as eligibility_pdf
from kaigo_portal import access, links
from kaigo_portal.accounts.decorators import municipal_required, roles_required
from kaigo_portal.accounts.models import CLINIC_ROLES
from kaigo_portal.errors import ApplicationError
from kaigo_portal.web import confirm
from kaigo_portal.web.search import held_search

from . import form, pdf, selectors, services, webform
from .models import OpinionStatus, Route

clinic_required = roles_required(CLINIC_ROLES, "医療機関の医師・職員だけが利用できます。")


def _actor(request, **kwargs) -> access.Actor:
    return access.Actor.for_request(request, **kwargs)


class SearchForm(forms.Form):
    q = forms.CharField(label="氏名・カナ・被保険者番号で検索", required=False, max_length=100)


def _search(request, key: str) -> tuple[HttpResponseRedirect | None, forms.Form, str]:
    """The queue's search term, posted and held in the session (never in a URL: kaigo_portal.web.search)."""
    search = held_search(request, key, SearchForm, keep=("tab",))
    return search.redirect, search.form, (search.terms or {}).get("q", "").strip()


@clinic_required
def clinic_queue(request):
    actor, today = _actor(request), timezone.localdate()
    tab = request.GET.get("tab", "requested")
    tab = tab if tab in selectors.CLINIC_TABS else "requested"
    redirect_to, search_form, q = _search(request, "opinions:clinic_queue")
    if redirect_to:
        return redirect_to
    page = selectors.clinic_queue(actor, tab=tab, today=today, q=q, page=request.GET.get("page"))
    counts = selectors.clinic_counts(actor, today)
    return render(
        request,
        "opinions/clinic_queue.html",
        {
            "page": page,
            "tab": tab,
            "q": q,
            "search_form": search_form,
            "today": today,
            "tabs": [(key, label, counts[key]) for key, label in selectors.CLINIC_TABS.items()],
        },
    )


@clinic_required
def clinic_written(request):
    redirect_to, search_form, q = _search(request, "opinions:clinic_written")
    if redirect_to:
        return redirect_to
    page = selectors.clinic_written(_actor(request), q=q, page=request.GET.get("page"))
    return render(request, "opinions/clinic_written.html", {"page": page, "q": q, "search_form": search_form})


@clinic_required
def write(request, pk: int):
    """The web form: saves the draft as it goes (section by section), submits when every section is right.
    A POST saves the draft, then does its action: autosave, save a section (`save:<section>`), or submit."""
    actor = _actor(request)
    opinion_request, person = selectors.request_for_clinic(actor, pk)
    draft = opinion_request.opinions.filter(status=OpinionStatus.DRAFT).first()
    if draft is None and not opinion_request.is_open:
        messages.info(request, "この依頼の意見書は提出済みです。")
        latest = opinion_request.opinions.filter(status=OpinionStatus.SUBMITTED).order_by("-version").first()
        return redirect("opinions:detail", pk=latest.pk) if latest else redirect("opinions:clinic_queue")
    fixed = webform.fixed_values(opinion_request, actor.organisation)
    editing = _Editing(request, opinion_request, person, draft, fixed, document=None)
    editing.document = draft.document if draft else webform.initial_document(opinion_request, person, fixed)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if not action:
        return editing.form()
    editing.document = webform.document_from_post(
        request.POST, fixed, editing.document.get("form_version", form.FORM_2026)
    )
    try:
        editing.draft = services.draft_save(
            request=opinion_request, document=editing.document, clinic=actor.organisation, by=request.user
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("opinions:clinic_queue")
    if action.startswith("save:"):
        return _save_section(editing, action.removeprefix("save:"))
    return _ACTIONS.get(action, _saved)(editing)


@dataclass
class _Editing:
    """An opinion being written on the web: the request, the draft as saved and the document."""

    request: object
    opinion_request: object
    person: object
    draft: object
    fixed: dict
    document: dict | None
    issues: list = field(default_factory=list)

    def all_issues(self) -> list[form.Issue]:
        return form.validate(self.document, second_insured=services.second_insured(self.opinion_request))

    def form(self):
        return render(
            self.request,
            "opinions/write.html",
            {
                "request_obj": self.opinion_request,
                "person": self.person,
                "draft": self.draft,
                "sections": webform.sections(self.document, self.issues, self.fixed),
                "issue_count": len(self.issues),
                "today": timezone.localdate(),
            },
        )


def _autosave(editing: _Editing):
    """The page's timer: the draft is saved; the answer says when, and how many issues remain."""
    saved_at = timezone.localtime(editing.draft.updated_at).strftime("%H:%M:%S")
    return JsonResponse({"saved_at": saved_at, "issues": len(editing.all_issues())})


def _save_section(editing: _Editing, section: str):
    """保存 under one section: the draft is saved, and that section's issues are shown."""
    editing.issues = [i for i in editing.all_issues() if i.path.split(".", 1)[0] == section]
    label = form.SECTIONS.get(section, "")
    if editing.issues:
        messages.warning(
            editing.request,
            f"下書きを保存しました。「{label}」に{len(editing.issues)}件の確認事項があります。",
        )
    else:
        messages.success(editing.request, f"下書きを保存しました。「{label}」に誤りはありません。")
    return editing.form()


def _submit(editing: _Editing):
    """提出: every section must be right; a submitted opinion cannot be changed (a correction is a new version)."""
    request = editing.request
    if not confirm.confirmed(request) and not editing.all_issues():
        opinion_request = editing.opinion_request
        return confirm.ask(
            request,
            title="意見書を提出しますか",
            question=(
                f"提出すると、{opinion_request.insurer.name}に届き、この意見書は変更できなくなります"
                "（誤りに気づいたときは、訂正を新しい版として作成します。前の版も記録に残ります）。"
            ),
            details=[
                ("申請者", getattr(editing.person, "name", "")),
                ("提出先", opinion_request.insurer.name),
            ],
            button="意見書を提出する",
            back=reverse("opinions:write", args=[opinion_request.pk]),
        )
    try:
        opinion = services.opinion_submit(
            request=editing.opinion_request,
            document=editing.document,
            clinic=_actor(request).organisation,
            route=Route.WEB,
            by=request.user,
        )
    except services.OpinionInvalid as error:
        editing.issues = error.issues
        messages.error(
            request,
            f"提出できません。{len(editing.issues)}件の誤りを直してください（下書きは保存しました）。",
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, "意見書を提出しました。提出後は変更できません（訂正は新しい版として作成します）。"
        )
        return redirect("opinions:detail", pk=opinion.pk)
    return editing.form()


def _saved(editing: _Editing):
    messages.success(editing.request, "下書きを保存しました。")
    return editing.form()


_ACTIONS = {"autosave": _autosave, "submit": _submit}


@login_required
@never_cache
def detail(request, pk: int):
    actor = _actor(request)
    opinion = selectors.opinion_for(actor, pk)
    is_author = actor.role in CLINIC_ROLES
    return render(
        request,
        "opinions/detail.html",
        {
            "opinion": opinion,
            "sections": form.labelled(opinion.document) if opinion.document else [],
            "history": selectors.history(opinion),
            "is_author": is_author,
            "is_insurer": actor.is_municipal,
            "latest": opinion.status == OpinionStatus.SUBMITTED
            and not opinion.request.opinions.filter(
                status=OpinionStatus.SUBMITTED, version__gt=opinion.version
            ).exists(),
        },
    )


@login_required
@never_cache
def opinion_pdf(request, pk: int):
    if not pdf.available():
        return eligibility_pdf.unavailable_response()
    opinion = selectors.opinion_for(_actor(request, channel=access.Channel.PDF), pk)
    if opinion.route == Route.PAPER or not opinion.document:
        messages.error(request, "紙の意見書には構造化データがありません。スキャンしたPDFをご覧ください。")
        return redirect("opinions:detail", pk=pk)
    filename = f"ikensho_{opinion.person.insured_number}_v{opinion.version}.pdf"
    return eligibility_pdf.inline_response(pdf.opinion_pdf(opinion), filename)


@login_required
@never_cache
def attachment(request, pk: int):
    opinion = selectors.opinion_for(_actor(request, channel=access.Channel.PDF), pk)
    if not opinion.attachment:
        return HttpResponse("PDFは添付されていません。", status=404, content_type="text/plain; charset=utf-8")
    response = FileResponse(opinion.attachment.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="ikensho_{opinion.pk}_attachment.pdf"'
    return response


@clinic_required
@require_POST
def correct(request, pk: int):
    actor = _actor(request)
    opinion = selectors.opinion_for(actor, pk)
    try:
        draft = services.correction_start(
            opinion=opinion,
            reason=request.POST.get("correction_reason", ""),
            clinic=actor.organisation,
            by=request.user,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("opinions:detail", pk=pk)
    messages.success(request, f"第{draft.version}版（訂正版）の下書きを作成しました。")
    return redirect("opinions:write", pk=draft.request_id)


@municipal_required
def insurer_queue(request):
    actor, today = _actor(request), timezone.localdate()
    tab = request.GET.get("tab", "submitted")
    tab = tab if tab in selectors.INSURER_TABS else "submitted"
    redirect_to, search_form, q = _search(request, "opinions:insurer_queue")
    if redirect_to:
        return redirect_to
    page = selectors.insurer_queue(actor, tab=tab, today=today, q=q, page=request.GET.get("page"))
    return render(
        request,
        "opinions/insurer_queue.html",
        {
            "page": page,
            "tab": tab,
            "tabs": selectors.INSURER_TABS,
            "q": q,
            "search_form": search_form,
            "today": today,
            "counts": selectors.insurer_counts(actor, today),
            "requests_tab": tab in ("overdue", "open"),
        },
    )


@municipal_required
@require_POST
def receive(request, pk: int):
    opinion = selectors.opinion_for(_actor(request), pk)
    try:
        services.opinion_receive(opinion=opinion, by=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "意見書を受け付けました（意見書入手を完了しました）。")
    return redirect("opinions:detail", pk=pk)


@municipal_required
def paper(request, pk: int):
    """紙: records a paper opinion's receipt with its scanned PDF."""
    opinion_request = selectors.insurer_request(_actor(request), pk)
    error_message = ""
    if request.method == "POST":
        upload = request.FILES.get("scan")
        try:
            received_on = dt.date.fromisoformat(request.POST.get("received_on", ""))
        except ValueError:
            error_message = "受付日を正しく入力してください。"
        else:
            if upload is None:
                error_message = "スキャンしたPDFを選んでください。"
            elif upload.size > settings.KAIGO_OPINION_PDF_MAX_BYTES:
                error_message = "PDFは10MB以内にしてください。"
            else:
                try:
                    opinion = services.paper_record(
                        request=opinion_request, scan=upload.read(), received_on=received_on, by=request.user
                    )
                except ApplicationError as error:
                    error_message = error.message
                else:
                    messages.success(request, "紙の意見書の受付を記録しました（意見書入手を完了しました）。")
                    return redirect("opinions:detail", pk=opinion.pk)
    return render(
        request,
        "opinions/paper.html",
        {"request_obj": opinion_request, "error": error_message, "today": timezone.localdate()},
    )


@login_required
@never_cache
def person_opinions(request, insurer_no: str, insured_no: str):
    """A care manager's (with consent) or the insurer's list of a person's opinions."""
    person, opinions = selectors.person_opinions(
        _actor(request), insurer_number=insurer_no, insured_number=insured_no
    )
    back = links.person_page(request, insurer_no, insured_no)
    return render(
        request, "opinions/person_opinions.html", {"person": person, "opinions": opinions, "back": back}
    )
