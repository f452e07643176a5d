"""Links that apps add to pages they do not own, so that the kernel and consent never import them.

- `register_menu_link`: an entry in the home page's menu, for the given roles;
- `register_person_link`: a link in a section of a person's page. Audience "office" is the office's
  person page (the URL is reversed with the 保険者番号 and 被保険者番号) and is shown only in a section
  the access policy shows; audience "self" is the person's own page (reversed with the person's pk),
  where the linked page itself decides through the policy.

Apps register in their AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class MenuLink:
    label: str
    url_name: str
    roles: frozenset[str]
    needs_office_number: bool = False


@dataclass(frozen=True)
class PersonLink:
    audience: str  # "office" | "self"
    category: str
    label: str
    url_name: str


_menu: list[MenuLink] = []
_person: list[PersonLink] = []


def register_menu_link(
    label: str, url_name: str, roles: Iterable[str], *, needs_office_number: bool = False
) -> None:
    link = MenuLink(label, url_name, frozenset(roles), needs_office_number)
    if link not in _menu:
        _menu.append(link)


def register_person_link(audience: str, category: str, label: str, url_name: str) -> None:
    if audience not in ("office", "self"):
        raise ValueError(f"unknown audience {audience!r}")
    link = PersonLink(audience, category, label, url_name)
    if link not in _person:
        _person.append(link)


def menu_links(membership) -> list[tuple[str, str]]:
    """(label, url) of the registered menu entries this membership's role may use."""
    if membership is None:
        return []
    has_number = bool(membership.organisation.office_number)
    return [
        (link.label, reverse(link.url_name))
        for link in _menu
        if membership.role in link.roles and (has_number or not link.needs_office_number)
    ]


def office_person_links(category: str, insurer_number: str, insured_number: str) -> list[tuple[str, str]]:
    return [
        (link.label, reverse(link.url_name, args=[insurer_number, insured_number]))
        for link in _person
        if link.audience == "office" and link.category == category
    ]


def self_person_links(person_pk: int) -> list[tuple[str, str]]:
    return [
        (link.label, reverse(link.url_name, args=[person_pk])) for link in _person if link.audience == "self"
    ]


def person_page(request, insurer_number: str, insured_number: str) -> str:
    """The way back to the person's page as the viewer knows it: the municipality's 被保険者 page for its
    staff, the office's person page for everyone else (where the policy decides what it shows)."""
    from kaigo_portal.accounts.models import MUNICIPAL_ROLES  # apps.py modules import this one before models

    membership = getattr(request, "membership", None)
    if membership is not None and membership.role in MUNICIPAL_ROLES:
        return reverse("person_detail", args=[insurer_number, insured_number])
    return reverse("consent:office_person", args=[insurer_number, insured_number])
