"""The completed 認定調査票 as a PDF (WeasyPrint, IPAex), laid out group by group with 特記事項.

PDFs are optional on a server without Pango: eligibility.pdf says whether WeasyPrint loads."""

from __future__ import annotations

from django.template.loader import render_to_string

from eligibility import pdf as eligibility_pdf

from .models import Survey
from .survey_form import GROUPS, INDEPENDENCE, SPECIAL_MEDICAL, answer_labels


def available() -> bool:
    return eligibility_pdf.available()


def survey_pdf(survey: Survey) -> bytes:
    """The caller has authorised the read under the `survey` category."""
    if not available():
        raise RuntimeError(f"WeasyPrint is not available: {eligibility_pdf.unavailable_reason()}")
    import weasyprint

    chosen = {item.code: labels for item, labels in answer_labels(survey.answers)}
    groups = [(g.label, [(i, chosen[i.code]) for i in g.items]) for g in GROUPS]
    groups.append(("特別な医療（過去14日間）", [(i, chosen[i.code]) for i in SPECIAL_MEDICAL]))
    groups.append(("日常生活自立度", [(i, chosen[i.code]) for i in INDEPENDENCE]))
    html = render_to_string(
        "certification/survey_pdf.html",
        {
            "survey": survey,
            "application": survey.application,
            "person": survey.application.person,
            "groups": groups,
        },
    )
    return weasyprint.HTML(string=html).write_pdf()


def notice_pdf(application, *, today) -> tuple[str, bytes]:
    """認定結果通知書 for a decided application, else 延期通知書 once the 30 days have passed.
    Returns (kind, bytes); the caller has authorised the read and checked which notice applies."""
    if not available():
        raise RuntimeError(f"WeasyPrint is not available: {eligibility_pdf.unavailable_reason()}")
    import weasyprint

    from . import rules

    kind = "result" if application.decided_on else "extension"
    html = render_to_string(
        "certification/notice_pdf.html",
        {
            "kind": kind,
            "is_result": kind == "result",
            "application": application,
            "person": application.person,
            "today": today,
            "due": rules.decision_due(application.applied_on),
        },
    )
    return kind, weasyprint.HTML(string=html).write_pdf()


def certificate_pdf(certificate) -> bytes:
    """受給資格証明書, for the person to take to the new insurer. The caller has authorised the read."""
    if not available():
        raise RuntimeError(f"WeasyPrint is not available: {eligibility_pdf.unavailable_reason()}")
    import weasyprint

    html = render_to_string(
        "certification/certificate_pdf.html", {"certificate": certificate, "person": certificate.person}
    )
    return weasyprint.HTML(string=html).write_pdf()
