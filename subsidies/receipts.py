"""Receipts are checked by what they contain, never by their name alone.

- PDF: starts with `%PDF-`, has the `%%EOF` marker near its end (a truncated upload has none), parses, and
  is neither encrypted nor carries JavaScript, actions that run something, or embedded files
  (kaigo_portal.pdfcheck; an office could not open it, or opening it would run what it carries);
- JPEG: starts with FF D8 FF and Pillow opens, verifies and fully decodes it as JPEG;
- PNG: starts with the 8-byte PNG signature and Pillow verifies (CRCs) and fully decodes it as PNG.
A file's extension must name the same type its content is: `scan.pdf` holding a PNG, or `receipt.png`
holding a program, is refused. The size limit is the setting KAIGO_SUBSIDY_RECEIPT_MAX_BYTES.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings

from kaigo_portal import pdfcheck
from kaigo_portal.errors import ApplicationError
from kaigo_portal.validators import clean_file_name

from .models import ReceiptKind

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
PDF_SIGNATURE = b"%PDF-"
PDF_EOF = b"%%EOF"
# The PDF specification puts %%EOF at the end; writers may append a newline or a little padding.
PDF_EOF_WINDOW = 1024

EXTENSION_KINDS = {
    ".pdf": ReceiptKind.PDF,
    ".jpg": ReceiptKind.JPEG,
    ".jpeg": ReceiptKind.JPEG,
    ".png": ReceiptKind.PNG,
}


@dataclass(frozen=True)
class CheckedReceipt:
    kind: str
    content: bytes
    name: str


PDF_PROBLEMS = {
    "not_pdf": (
        "receipt.invalid_content",
        "ファイルの中身が PDF・JPEG・PNG として読めません（壊れているか、別の形式です）。",
    ),
    "encrypted": (
        "receipt.pdf_encrypted",
        "パスワードで保護された PDF は登録できません。保護を外した PDF を登録してください。",
    ),
    "javascript": (
        "receipt.pdf_active_content",
        "JavaScript などの実行される内容を含む PDF は登録できません。印刷し直した PDF を登録してください。",
    ),
    "embedded": ("receipt.pdf_embedded_file", "ファイルを埋め込んだ PDF は登録できません。"),
    "too_complex": ("receipt.pdf_too_complex", "PDF の構造が複雑すぎるため確認できません。"),
}


def _refuse(message: str, code: str) -> ApplicationError:
    return ApplicationError(message, code=code, fields={"receipt": [message]})


def sniff(content: bytes) -> str | None:
    """The receipt kind the content is, or None."""
    if content.startswith(PDF_SIGNATURE):
        return ReceiptKind.PDF if PDF_EOF in content[-PDF_EOF_WINDOW:] else None
    if content.startswith(PNG_SIGNATURE):
        return ReceiptKind.PNG if _pillow_verifies(content, "PNG") else None
    if content.startswith(JPEG_SIGNATURE):
        return ReceiptKind.JPEG if _pillow_verifies(content, "JPEG") else None
    return None


def _pillow_verifies(content: bytes, expected_format: str) -> bool:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as image:
                if image.format != expected_format:
                    return False
                image.verify()  # structure and checksums
            with Image.open(io.BytesIO(content)) as image:
                image.load()  # decodes every pixel: a truncated JPEG fails here, not in verify()
    except Exception:
        return False
    return True


def size_limit_text() -> str:
    """The receipt size limit for people: 10 MB, 512 KB."""
    limit = settings.KAIGO_SUBSIDY_RECEIPT_MAX_BYTES
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.3g} MB"
    return f"{limit / 1024:.3g} KB"


def check_size(size: int) -> None:
    if size > settings.KAIGO_SUBSIDY_RECEIPT_MAX_BYTES:
        raise _refuse(
            f"ファイルが大きすぎます（上限 {size_limit_text()}）。画質を下げるか、分けて登録してください。",
            "receipt.too_large",
        )


def check_receipt(*, name: str, content: bytes) -> CheckedReceipt:
    """Refuses (ApplicationError with a stable code) a receipt that is empty, too big, not a PDF, JPEG
    or PNG by content, or not what its extension claims."""
    if not content:
        raise _refuse("ファイルが空です。", "receipt.empty")
    check_size(len(content))
    claimed = EXTENSION_KINDS.get(PurePath(name).suffix.lower())
    if claimed is None:
        raise _refuse("領収書は PDF、JPEG、PNG のいずれかで登録してください。", "receipt.unsupported_type")
    actual = sniff(content)
    if actual is None:
        raise _refuse(
            "ファイルの中身が PDF・JPEG・PNG として読めません（壊れているか、別の形式です）。",
            "receipt.invalid_content",
        )
    if actual == ReceiptKind.PDF and (found := pdfcheck.problem(content, pages_required=False)):
        raise _refuse(*PDF_PROBLEMS.get(found, PDF_PROBLEMS["not_pdf"])[::-1])
    if actual != claimed:
        raise _refuse(
            f"ファイル名は {ReceiptKind(claimed).label} ですが、中身は {ReceiptKind(actual).label} です。"
            "正しいファイルを選んでください。",
            "receipt.type_mismatch",
        )
    return CheckedReceipt(kind=actual, content=content, name=clean_file_name(name))
