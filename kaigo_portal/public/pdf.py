"""The printable PDF of the 利用者・家族 consent page, by WeasyPrint with an embedded IPAex font.

WeasyPrint needs Pango (a system library). Where it is missing, `pdf_unavailable_reason()` says so, the
page tells the reader in Japanese and the PDF address answers 503 with the same words, never a 500.
"""

from __future__ import annotations

import functools
import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

UNAVAILABLE_MESSAGE = (
    "現在、PDF版を作成できません（サーバーに PDF 作成用の部品 WeasyPrint / Pango がありません）。"
    "このページをブラウザーから印刷してご利用ください。"
)


@functools.cache
def pdf_unavailable_reason() -> str | None:
    """None when WeasyPrint can run here; otherwise why not (for the log), checked once per process."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as error:  # OSError: the Pango shared library is missing
        logger.warning("consent PDF unavailable: %s", error)
        return str(error) or error.__class__.__name__
    return None


def consent_pdf(context: dict) -> bytes:
    """Renders the consent leaflet. The bytes are cached: the text changes only with a deploy or with
    the contact settings, and rendering costs a second of CPU that the public should not be able to spend
    at will."""
    html = render_to_string("public/consent_pdf.html", context)
    key = "public:consent-pdf:" + hashlib.sha256(html.encode()).hexdigest()
    pdf = cache.get(key)
    if pdf is None:
        from weasyprint import HTML

        pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()
        cache.set(key, pdf, timeout=24 * 60 * 60)
    return pdf
