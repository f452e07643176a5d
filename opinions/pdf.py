"""The 主治医意見書 as a PDF in the form's layout (sections 0–5), from the structured data (WeasyPrint,
IPAex embedded). PDFs are optional on a server without Pango: eligibility.pdf says whether WeasyPrint loads."""

from __future__ import annotations

from eligibility import pdf as eligibility_pdf

from . import form
from .models import Opinion


def available() -> bool:
    return eligibility_pdf.available()


def opinion_pdf(opinion: Opinion) -> bytes:
    """The caller has authorised the read under the `opinion` category."""
    return eligibility_pdf.render(
        "opinions/opinion_pdf.html",
        {
            "opinion": opinion,
            "person": opinion.person,
            "sections": form.labelled(opinion.document),
            "form_name": form.FORM_VERSIONS.get(opinion.form_version, opinion.form_version),
        },
    )
