"""Checks an uploaded PDF (an EHR's rendering of the opinion, or a paper opinion's scan) by its content:
a real PDF (parsed, not judged by its name), within the size limit, not encrypted, without JavaScript
or other actions that run code, and without embedded files (kaigo_portal.pdfcheck reads it)."""

from __future__ import annotations

from django.conf import settings

from kaigo_portal import pdfcheck
from kaigo_portal.errors import ApplicationError

MESSAGES = {
    "not_pdf": ("opinion.pdf_not_pdf", "PDFとして読み取れません（破損しているか、PDFではありません）。"),
    "encrypted": ("opinion.pdf_encrypted", "暗号化（パスワード保護）されたPDFは受け付けられません。"),
    "no_pages": ("opinion.pdf_not_pdf", "ページのないPDFは受け付けられません。"),
    "javascript": ("opinion.pdf_javascript", "JavaScriptなどの実行可能な内容を含むPDFは受け付けられません。"),
    "embedded": ("opinion.pdf_embedded_file", "ファイルを埋め込んだPDFは受け付けられません。"),
    "too_complex": ("opinion.pdf_too_complex", "PDFの構造が複雑すぎるため確認できません。"),
}


def _refuse(code: str, message: str, field: str) -> ApplicationError:
    return ApplicationError(message, code=code, fields={field: [message]})


def check_pdf(data: bytes, *, field: str = "pdf") -> None:
    """Raises ApplicationError (with the field and a stable code) unless `data` is an acceptable PDF."""
    limit = settings.KAIGO_OPINION_PDF_MAX_BYTES
    if len(data) > limit:
        raise _refuse("opinion.pdf_too_large", f"PDFは{limit // (1024 * 1024)}MB以内にしてください。", field)
    if not data.lstrip()[:5] == b"%PDF-":
        raise _refuse(
            "opinion.pdf_not_pdf", "PDFファイルではありません（内容がPDFの形式ではありません）。", field
        )
    if found := pdfcheck.problem(data):
        raise _refuse(*MESSAGES[found], field)
