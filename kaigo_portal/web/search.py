"""Searches whose terms never appear in a URL.

A name, a フリガナ, a birth date or a 被保険者番号 in a query string lands in every access log between the
browser and the portal (the proxy's, gunicorn's) and in the browser's history. So a person search posts
its terms; the view keeps them in the session under its own key and redirects to itself (POST, then
GET), and the pages of the result are plain `?page=N` links. `?clear=1` forgets the terms.

A term that holds a 個人番号 is refused before anything runs or is kept (kaigo_portal.numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponseRedirect

from kaigo_portal.numbers import contains_my_number

SESSION_PREFIX = "search:"
SEARCH_MY_NUMBER_MESSAGE = (
    "マイナンバー（個人番号）と思われる12桁の番号では検索できません。"
    "被保険者番号・氏名・フリガナなどで検索してください。"
)


@dataclass
class HeldSearch:
    """What `held_search` found: a redirect to answer a POST with, or the form and the terms to search with."""

    form: forms.Form
    terms: dict | None  # the valid terms to search with, or None: no search to run
    redirect: HttpResponseRedirect | None = None


def held_search(
    request: HttpRequest,
    key: str,
    form_class: type[forms.Form],
    *,
    keep: tuple[str, ...] = (),
    posted: bool | None = None,
) -> HeldSearch:
    """Reads a search form posted to, or held for, the view `key`.

    `keep` names GET parameters (a tab, say) that the redirect after the POST carries on; they must hold
    no personal data. `posted` says whether this request posts the search (default: any POST does); a view
    whose page has another form passes False for that form's POST, which then reads the held terms.
    """
    session_key = SESSION_PREFIX + key
    if request.method == "POST" if posted is None else posted:
        terms = {name: request.POST.get(name, "") for name in form_class.base_fields}
        if any(contains_my_number(value) for value in terms.values()):
            request.session.pop(session_key, None)
            form = form_class({})  # the terms are not echoed back either
            form.is_valid()
            form.add_error(None, SEARCH_MY_NUMBER_MESSAGE)
            return HeldSearch(form, None)
        request.session[session_key] = terms
        kept = urlencode({name: request.GET[name] for name in keep if request.GET.get(name)})
        target = request.path + (f"?{kept}" if kept else "")
        return HeldSearch(form_class(terms), None, HttpResponseRedirect(target))
    if request.GET.get("clear"):
        request.session.pop(session_key, None)
    held = request.session.get(session_key)
    if not held:
        return HeldSearch(form_class(), None)
    form = form_class(held)
    return HeldSearch(form, form.cleaned_data if form.is_valid() else None)


__all__ = ["SEARCH_MY_NUMBER_MESSAGE", "HeldSearch", "held_search"]
