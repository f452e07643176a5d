"""Checks an uploaded PDF (an EHR's rendering of the opinion, or a paper opinion's scan) by its content:
a real PDF (parsed, not judged by its name), within the size limit, not encrypted, without JavaScript
or other actions that run code, and without embedded files."""

from __future__ import annotations

import io
import logging

from django.conf import settings

from kaigo_portal.errors import ApplicationError

logger = logging.getLogger(__name__)

ACTIVE_KEYS = {"/JS", "/JavaScript"}
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute"}
EMBEDDED_KEYS = {"/EmbeddedFiles", "/EmbeddedFile"}
MAX_OBJECTS = 200_000


def _refuse(code: str, message: str, field: str) -> ApplicationError:
    return ApplicationError(message, code=code, fields={field: [message]})


def _active_content(root) -> str | None:
    """Walks every object reachable from the trailer; returns "javascript", "embedded" or None."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[tuple[int, int]] = set()
    stack = [root]
    visited = 0
    while stack:
        node = stack.pop()
        if isinstance(node, IndirectObject):
            key = (node.idnum, node.generation)
            if key in seen:
                continue
            seen.add(key)
            node = node.get_object()
        visited += 1
        if visited > MAX_OBJECTS:
            return "too_complex"
        if isinstance(node, DictionaryObject):
            keys = set(node.keys())
            if keys & ACTIVE_KEYS or node.get("/S") in ACTIVE_ACTIONS:
                return "javascript"
            if (
                keys & EMBEDDED_KEYS
                or node.get("/Type") in EMBEDDED_KEYS
                or node.get("/Subtype") == "/FileAttachment"
            ):
                return "embedded"
            stack.extend(node.values())
        elif isinstance(node, ArrayObject):
            stack.extend(node)
    return None


def check_pdf(data: bytes, *, field: str = "pdf") -> None:
    """Raises ApplicationError (with the field and a stable code) unless `data` is an acceptable PDF."""
    limit = settings.KAIGO_OPINION_PDF_MAX_BYTES
    if len(data) > limit:
        raise _refuse("opinion.pdf_too_large", f"PDFは{limit // (1024 * 1024)}MB以内にしてください。", field)
    if not data.lstrip()[:5] == b"%PDF-":
        raise _refuse(
            "opinion.pdf_not_pdf", "PDFファイルではありません（内容がPDFの形式ではありません）。", field
        )
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise _refuse(
                "opinion.pdf_encrypted", "暗号化（パスワード保護）されたPDFは受け付けられません。", field
            )
        if len(reader.pages) == 0:
            raise _refuse("opinion.pdf_not_pdf", "ページのないPDFは受け付けられません。", field)
        found = _active_content(reader.trailer)
    except ApplicationError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, RecursionError, AttributeError) as error:
        logger.info("opinion pdf refused: %s", error)
        raise _refuse(
            "opinion.pdf_not_pdf", "PDFとして読み取れません（破損しているか、PDFではありません）。", field
        ) from error
    if found == "javascript":
        raise _refuse(
            "opinion.pdf_javascript", "JavaScriptなどの実行可能な内容を含むPDFは受け付けられません。", field
        )
    if found == "embedded":
        raise _refuse("opinion.pdf_embedded_file", "ファイルを埋め込んだPDFは受け付けられません。", field)
    if found == "too_complex":
        raise _refuse("opinion.pdf_too_complex", "PDFの構造が複雑すぎるため確認できません。", field)
