"""Finding offices in the national master. Offices are not persons: no access log here."""

from __future__ import annotations

import unicodedata

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from .models import Listing, Office, Snapshot


def _listings() -> QuerySet[Listing]:
    """An office's listings, each with the data date of its service's latest snapshot (`latest_on`): what
    a listing still listed was last seen in, without a query per listing on the page."""
    latest = (
        Snapshot.objects.filter(info_code=OuterRef("info_code")).order_by("-data_date").values("data_date")
    )
    return (
        Listing.objects.select_related("seen_until")
        .annotate(latest_on=Subquery(latest[:1]))
        .order_by("info_code")
    )


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def search(
    *, q: str = "", service: str = "", town: str = "", area_prefix: str = "", include_unseen: bool = False
) -> QuerySet[Office]:
    offices = Office.objects.all()
    q, town = _folded(q), _folded(town)
    if q:
        offices = offices.filter(Q(name__contains=q) | Q(name_kana__contains=q) | Q(office_number=q))
    if town:
        offices = offices.filter(Q(city_name__contains=town) | Q(address__contains=town))
    if area_prefix:
        offices = offices.filter(area_code__startswith=area_prefix)
    listed = Listing.objects.filter(office=OuterRef("pk"))
    if service:
        listed = listed.filter(claims_code=service)
    if include_unseen:
        offices = offices.filter(Exists(listed)) if service else offices
    elif service:
        offices = offices.filter(Exists(listed.filter(seen_until__isnull=True)))
    else:  # listed now, or added by hand (an office the national data does not list yet)
        offices = offices.filter(Exists(listed.filter(seen_until__isnull=True)) | Q(added_by_hand=True))
    return offices.prefetch_related(Prefetch("listings", _listings())).order_by("name_kana", "office_number")


def office(number: str) -> Office | None:
    return (
        Office.objects.filter(office_number=number)
        .select_related("first_seen")
        .prefetch_related(Prefetch("listings", _listings()))
        .first()
    )


def snapshots() -> QuerySet[Snapshot]:
    return Snapshot.objects.order_by("-imported_at", "info_code")


def area_prefix_of(insurer_number: str) -> str:
    """A municipality's offices: the master's 市町村コード shares its first five digits with the insurer's
    number where the insurer is one municipality (都道府県2桁 + 市町村3桁) [I]; a 広域連合 has no such
    match and searches by town instead (docs/offices.md)."""
    return insurer_number[:5] if insurer_number and len(insurer_number) == 6 else ""
