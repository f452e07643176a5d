"""The public portal: pages anyone can read without signing in, the inquiry form, and "my inquiries"."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from kaigo_portal.errors import ApplicationError

from . import content, pdf, ratelimit, selectors, services
from .forms import FollowUpForm, InquiryForm, RolloutSearchForm
from .models import Audience

SESSION_LAST_TICKET = "public_last_ticket"

# The four audience pages: URL name -> (template, FAQ audience, navigation label).
AUDIENCE_PAGES = {
    "municipalities": ("public/audience_municipalities.html", Audience.MUNICIPALITY, "市町村の方"),
    "offices": ("public/audience_offices.html", Audience.CARE_OFFICE, "介護事業所の方"),
    "clinics": ("public/audience_clinics.html", Audience.CLINIC, "医療機関の方"),
    "people": ("public/audience_people.html", Audience.PERSON, "利用者・ご家族の方"),
}


def page(request, template: str, context: dict | None = None, *, status: int = 200, nav: str = ""):
    """Renders a public page with what every public page shows: the contact centre and the menu."""
    today = timezone.localdate()
    base = {
        "contact_phone": settings.KAIGO_CONTACT_PHONE,
        "contact_hours": settings.KAIGO_CONTACT_HOURS,
        "today": today,
        "nav": nav,
        "audience_pages": [(name, label) for name, (_, _, label) in AUDIENCE_PAGES.items()],
    }
    return render(request, template, {**base, **(context or {})}, status=status)


def index(request):
    today = timezone.localdate()
    return page(
        request,
        "public/index.html",
        {
            "news": selectors.published_news()[:5],
            "summary": selectors.rollout_summary(today=today),
            "schedule": content.SCHEDULE,
            "all_by": content.ALL_MUNICIPALITIES_BY,
        },
        nav="index",
    )


def audience(request, name: str):
    template, faq_audience, _ = AUDIENCE_PAGES[name]
    today = timezone.localdate()
    return page(
        request,
        template,
        {
            "faq": selectors.published_faq(audience=faq_audience),
            "summary": selectors.rollout_summary(today=today),
            "subsidy": content.subsidy_status(today),
            "subsidy_limits": content.SUBSIDY_LIMITS,
            "all_by": content.ALL_MUNICIPALITIES_BY,
            "standardisation_deadline": content.STANDARDISATION_DEADLINE,
        },
        nav=name,
    )


def consent(request):
    unavailable = pdf.UNAVAILABLE_MESSAGE if pdf.pdf_unavailable_reason() is not None else ""
    return page(request, "public/consent.html", {"pdf_unavailable_message": unavailable}, nav="people")


def consent_pdf(request):
    if pdf.pdf_unavailable_reason() is not None:
        return page(request, "public/pdf_unavailable.html", {"message": pdf.UNAVAILABLE_MESSAGE}, status=503)
    data = pdf.consent_pdf(
        {
            "contact_phone": settings.KAIGO_CONTACT_PHONE,
            "contact_hours": settings.KAIGO_CONTACT_HOURS,
        }
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="kaigo-kiban-consent.pdf"'
    return response


def rollout(request):
    today = timezone.localdate()
    form = RolloutSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    insurers = selectors.rollout_insurers(
        today=today,
        prefecture=filters.get("prefecture", ""),
        name=filters.get("q", ""),
        status=filters.get("status", ""),
    )
    page_obj = Paginator(insurers, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page(
        request,
        "public/rollout.html",
        {
            "form": form,
            "page": page_obj,
            "query": query.urlencode(),
            "summary": selectors.rollout_summary(today=today),
            "all_by": content.ALL_MUNICIPALITIES_BY,
        },
        nav="rollout",
    )


def news_list(request):
    page_obj = Paginator(selectors.published_news(), 20).get_page(request.GET.get("page"))
    return page(request, "public/news_list.html", {"page": page_obj}, nav="news")


def news_detail(request, pk: int):
    return page(request, "public/news_detail.html", {"item": selectors.published_news_item(pk)}, nav="news")


def faq(request):
    return page(request, "public/faq.html", {"groups": selectors.faq_by_audience()}, nav="faq")


def _add_application_error(form, error: ApplicationError) -> None:
    form.add_error(None, ValidationError(error.message, code=error.code))


@require_http_methods(["GET", "POST"])
def inquiry(request):
    user = request.user if request.user.is_authenticated else None
    form = InquiryForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.inquiry_submit(
                    category=data["category"],
                    asker_type=data["asker_type"],
                    name=data["name"],
                    email=data.get("email", ""),
                    phone=data["phone"],
                    organisation_name=data["organisation_name"],
                    body=data["body"],
                    user=user,
                    client_ip=ratelimit.client_ip(request),
                )
            except ApplicationError as error:
                _add_application_error(form, error)
                status = error.status
            else:
                request.session[SESSION_LAST_TICKET] = ticket.ticket_number
                return redirect("public:inquiry_done")
        else:
            status = 400
    return page(request, "public/inquiry.html", {"form": form}, status=status, nav="inquiry")


def inquiry_done(request):
    ticket_number = request.session.get(SESSION_LAST_TICKET)
    if not ticket_number:
        return redirect("public:inquiry")
    return page(request, "public/inquiry_done.html", {"ticket_number": ticket_number}, nav="inquiry")


@login_required
def my_inquiries(request):
    page_obj = Paginator(selectors.inquiries_of(request.user), 20).get_page(request.GET.get("page"))
    return page(request, "public/my_inquiries.html", {"page": page_obj}, nav="my")


@login_required
@require_http_methods(["GET", "POST"])
def my_inquiry(request, ticket_number: str):
    ticket = selectors.inquiry_of(request.user, ticket_number)
    form = FollowUpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.inquiry_follow_up(inquiry=ticket, body=form.cleaned_data["body"], by=request.user)
            except ApplicationError as error:
                _add_application_error(form, error)
                status = error.status
            else:
                messages.success(request, "追記を送信しました。")
                return redirect("public:my_inquiry", ticket_number=ticket.ticket_number)
        else:
            status = 400
    return page(
        request,
        "public/my_inquiry.html",
        {"ticket": ticket, "thread": selectors.asker_thread(ticket), "form": form},
        status=status,
        nav="my",
    )
