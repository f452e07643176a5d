"""The office master's pages: the operator's import, and the search every staff role uses."""

from __future__ import annotations

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from kaigo_portal.accounts.decorators import operator_required, roles_required
from kaigo_portal.accounts.models import MUNICIPAL_ROLES, Role

from . import selectors, services
from .forms import MasterUploadForm, OfficeSearchForm

staff_required = roles_required(set(Role), "職員だけが利用できます。")
ISSUES_SHOWN = 1_000


@operator_required
def master(request):
    form = MasterUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = services.import_files(
            [(upload.name, upload.read()) for upload in form.cleaned_data["files"]],
            dry_run=request.POST.get("action") != "apply",
            info_code=form.cleaned_data["info_code"],
            data_date=form.cleaned_data["data_date"],
            by=request.user.email,
        )
    page = Paginator(selectors.snapshots(), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "offices/master.html",
        {
            "form": form,
            "result": result,
            "issues": result.issues[:ISSUES_SHOWN] if result else [],
            "rows": sum(len(f.rows) for f in result.files) if result else 0,
            "page": page,
        },
        status=400 if result and result.errors else 200,
    )


master.kaigo_max_request_bytes = lambda: 300 * 1024 * 1024  # several national files at once


@staff_required
def search(request):
    form = OfficeSearchForm(request.GET or None)
    membership = request.membership
    own_area = membership.role in MUNICIPAL_ROLES and request.GET.get("area", "own") == "own"
    area = selectors.area_prefix_of(membership.organisation.insurer_number or "") if own_area else ""
    data = form.cleaned_data if form.is_valid() else {}
    offices = selectors.search(
        q=data.get("q", ""),
        service=data.get("service", ""),
        town=data.get("town", ""),
        area_prefix=area,
        include_unseen=data.get("include_unseen", False),
    )
    page = Paginator(offices, 25).get_page(request.GET.get("page"))
    markers = [
        {
            "name": office.name,
            "number": office.office_number,
            "lat": float(office.latitude),
            "lng": float(office.longitude),
            "url": reverse("offices:detail", args=[office.office_number]),
        }
        for office in page.object_list
        if office.latitude is not None and office.longitude is not None
    ]
    return render(
        request,
        "offices/search.html",
        {
            "form": form,
            "page": page,
            "markers": markers,
            "tiles": settings.KAIGO_MAP_TILES_URL,
            "attribution": settings.KAIGO_MAP_TILES_ATTRIBUTION,
            "area": area,
            "municipal": membership.role in MUNICIPAL_ROLES,
        },
    )


@staff_required
def detail(request, number: str):
    office = selectors.office(number)
    if office is None:
        raise Http404("この事業所番号の事業所は公表データにありません。")
    return render(
        request, "offices/detail.html", {"office": office, "portal": selectors.portal_comparison(office)}
    )
