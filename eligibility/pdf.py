"""The 介護保険被保険者証 as a PDF (WeasyPrint), from `selectors.card_as_of`.

WeasyPrint needs Pango (a system library). Where it cannot load, the portal keeps running and the PDF
link says, in Japanese, that PDFs cannot be made on this server; nothing else depends on it.
The font is IPAex (Debian's fonts-ipaexfont), found through fontconfig and embedded as a subset.
"""

from __future__ import annotations

import logging

from django.template.loader import render_to_string

from .selectors import Card

logger = logging.getLogger(__name__)

RESTRICTION_ROWS = 3

try:
    import weasyprint
except (ImportError, OSError) as error:  # OSError: the Pango / GObject libraries are missing
    weasyprint = None
    _UNAVAILABLE = f"{type(error).__name__}: {error}"
    logger.warning("WeasyPrint cannot load; PDFs are disabled (%s)", _UNAVAILABLE)
else:
    _UNAVAILABLE = ""


def available() -> bool:
    return weasyprint is not None


def unavailable_reason() -> str:
    return _UNAVAILABLE


def card_pdf(card: Card) -> bytes:
    """被保険者証 (一面・二面・三面) as of `card.on`. The caller has authorised the read (channel PDF)."""
    if weasyprint is None:
        raise RuntimeError(f"WeasyPrint is not available: {_UNAVAILABLE}")
    # The form has room for three 給付制限 rows; more restrictions get more rows, fewer leave blanks.
    rows = max(RESTRICTION_ROWS, len(card.restrictions))
    context = {
        "card": card,
        "person": card.person,
        "restriction_rowspan": rows + 1,
        "restriction_blanks": range(rows - len(card.restrictions)),
    }
    html = render_to_string("eligibility/card_pdf.html", context)
    return weasyprint.HTML(string=html).write_pdf()
