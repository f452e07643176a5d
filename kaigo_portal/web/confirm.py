"""A question before an action that cannot be undone or that the law counts.

The first POST of such a form answers with a page that says what will happen and carries the same fields
in a form of its own; only its POST, with `confirmed=1`, acts. A view starts with::

    if not confirm.confirmed(request):
        return confirm.ask(request, title=…, question=…, button=…, back=…)
"""

from __future__ import annotations

from collections.abc import Iterable

from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

_NOT_CARRIED = {"csrfmiddlewaretoken", "confirmed"}


def confirmed(request) -> bool:
    return request.POST.get("confirmed") == "1"


def back_to(request, default: str) -> str:
    """The page the form came from (its `back` field) when it is one of ours, else `default`."""
    back = request.POST.get("back", "")
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts=None, require_https=False):
        return back if back.startswith("/") and not back.startswith("//") else default
    return default


def ask(
    request,
    *,
    title: str,
    question: str,
    button: str,
    back: str,
    details: Iterable[tuple[str, str]] = (),
    danger: bool = False,
):
    """The confirmation page: `question` in plain Japanese, `details` as (label, value) pairs, the button
    that acts (red where `danger`), and a way back to `back` that does nothing."""
    fields = [
        (name, value) for name, values in request.POST.lists() if name not in _NOT_CARRIED for value in values
    ]
    return render(
        request,
        "web/confirm.html",
        {
            "title": title,
            "question": question,
            "details": list(details),
            "button": button,
            "back": back,
            "danger": danger,
            "fields": fields,
            "action": request.get_full_path(),
        },
    )
