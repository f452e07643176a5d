"""Finding offices in the national master. Offices are not persons: no access log here."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from kaigo_portal.accounts.models import Organisation

from . import service_types
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


@dataclass(frozen=True)
class PortalComparison:
    """The service types an organisation of the portal declared, beside those the master lists now."""

    organisation: Organisation
    declared: tuple[str, ...]
    listed: tuple[str, ...]

    @property
    def only_declared(self) -> tuple[str, ...]:
        """Declared in the portal, not listed: the rule refuses these (office.wrong_service)."""
        return tuple(code for code in self.declared if code not in self.listed)

    @property
    def only_listed(self) -> tuple[str, ...]:
        return tuple(code for code in self.listed if code not in self.declared)

    @staticmethod
    def labels(codes: tuple[str, ...]) -> str:
        return "、".join(service_types.claims_label(code) for code in codes) or "なし"

    @property
    def declared_labels(self) -> str:
        return self.labels(self.declared)

    @property
    def only_declared_labels(self) -> str:
        return self.labels(self.only_declared)

    @property
    def only_listed_labels(self) -> str:
        return self.labels(self.only_listed)


def portal_comparison(office: Office) -> PortalComparison | None:
    """The organisation of the portal with this 事業所番号, with its declared and listed service types;
    None when no organisation of the portal has the number. Uses the office's prefetched listings."""
    organisation = (
        Organisation.objects.filter(office_number=office.office_number).prefetch_related("services").first()
    )
    if organisation is None:
        return None
    listed = sorted({listing.claims_code for listing in office.listings.all() if listing.in_latest})
    return PortalComparison(organisation, tuple(sorted(organisation.service_type_codes())), tuple(listed))


def snapshots() -> QuerySet[Snapshot]:
    return Snapshot.objects.order_by("-imported_at", "info_code")


def area_prefix_of(insurer_number: str) -> str:
    """A municipality's offices: the master's 市町村コード shares its first five digits with the insurer's
    number where the insurer is one municipality (都道府県2桁 + 市町村3桁) [I]; a 広域連合 has no such
    match and searches by town instead (docs/offices.md)."""
    return insurer_number[:5] if insurer_number and len(insurer_number) == 6 else ""
