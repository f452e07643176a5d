"""The 介護保険被保険者証 as a PDF (WeasyPrint), from `selectors.card_as_of`.

WeasyPrint needs Pango (a system library). Where it cannot load, the portal keeps running and the PDF
link says, in Japanese, that PDFs cannot be made on this server; nothing else depends on it. It is
imported on first use, not at start-up, so that management commands neither pay for it nor log it.
The font is IPAex (Debian's fonts-ipaexfont), found through fontconfig and embedded as a subset.
"""

from __future__ import annotations

import functools
import logging
from types import ModuleType

from django.http import HttpResponse
from django.template.loader import render_to_string

from .selectors import Card

logger = logging.getLogger(__name__)

RESTRICTION_ROWS = 3  # the form's rows for 給付制限


@functools.cache
def _weasyprint() -> tuple[ModuleType | None, str]:
    """WeasyPrint, or None and why it cannot load (tried once per process)."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: the Pango / GObject libraries are missing
        reason = f"{type(error).__name__}: {error}"
        logger.warning("WeasyPrint cannot load; PDFs are disabled (%s)", reason)
        return None, reason
    # WeasyPrint logs every rendering step at INFO: keep only its warnings in the portal's log.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    return weasyprint, ""


def available() -> bool:
    return _weasyprint()[0] is not None


def unavailable_reason() -> str:
    return _weasyprint()[1]


def unavailable_response() -> HttpResponse:
    """The 503 for a server without WeasyPrint. Views ask `available()` before the access door, so that
    no read is logged for a PDF that is never made."""
    return HttpResponse(
        "この環境ではPDFを作成できません。", status=503, content_type="text/plain; charset=utf-8"
    )


def inline_response(document: bytes, filename: str) -> HttpResponse:
    """A made PDF, shown in the browser and never kept by a cache (it holds personal data)."""
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _required() -> ModuleType:
    weasyprint, reason = _weasyprint()
    if weasyprint is None:
        raise RuntimeError(f"WeasyPrint is not available: {reason}")
    return weasyprint


def render(template: str, context: dict) -> bytes:
    """A template rendered to PDF; the caller has authorised the read (channel PDF)."""
    return _required().HTML(string=render_to_string(template, context)).write_pdf()


def card_pdf(card: Card) -> bytes:
    """被保険者証 (一面・二面・三面) as of `card.on`. The caller has authorised the read (channel PDF)."""
    _required()  # before the card is read: a server without Pango says so, whatever the card
    # The form has room for three 給付制限 rows; more restrictions get more rows, fewer leave blanks.
    rows = max(RESTRICTION_ROWS, len(card.restrictions))
    context = {
        "card": card,
        "person": card.person,
        "restriction_rowspan": rows + 1,
        "restriction_blanks": range(rows - len(card.restrictions)),
    }
    return render("eligibility/card_pdf.html", context)
