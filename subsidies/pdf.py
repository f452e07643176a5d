"""PDFs of a submitted application and of the decision notice, rendered by WeasyPrint.

The CSS asks for IPAex (Debian: fonts-ipaexfont), which WeasyPrint embeds. WeasyPrint needs Pango; where
it is missing, `PdfUnavailable` says so in Japanese and the page tells the person instead of failing.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from .models import Application


class PdfUnavailable(Exception):
    """WeasyPrint (or the Pango library under it) is not installed on this server."""

    message = (
        "このサーバーでは PDF を作成できません（WeasyPrint または Pango が見つかりません）。"
        "運営者に連絡してください。Debian では apt-get install libpango-1.0-0 fonts-ipaexfont で導入できます。"
    )


def render_pdf(template: str, context: dict) -> bytes:
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as error:  # OSError: WeasyPrint found no Pango library
        raise PdfUnavailable(str(error)) from error
    html = render_to_string(template, context)
    return HTML(string=html).write_pdf()


def application_pdf(application: Application, *, calculation, receipts, history) -> bytes:
    return render_pdf(
        "subsidies/pdf/application.html",
        {
            "application": application,
            "office": application.office,
            "calculation": calculation,
            "receipts": receipts,
            "history": history,
            "printed_at": timezone.now(),
        },
    )


def decision_pdf(application: Application, *, issuer_name: str) -> bytes:
    return render_pdf(
        "subsidies/pdf/decision.html",
        {
            "application": application,
            "office": application.office,
            "issuer_name": issuer_name,
            "decided_on": timezone.localdate(application.approved_at),
        },
    )
