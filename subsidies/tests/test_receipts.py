"""Receipts are checked by content, not by name, and size-limited."""

from __future__ import annotations

import pytest

from kaigo_portal.errors import ApplicationError
from subsidies.receipts import check_receipt

from .factories import jpeg_bytes, pdf_bytes, png_bytes


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [
        ("領収書.pdf", pdf_bytes(), "pdf"),
        ("scan.PDF", pdf_bytes(), "pdf"),
        ("photo.jpg", jpeg_bytes(), "jpeg"),
        ("photo.jpeg", jpeg_bytes(), "jpeg"),
        ("screen.png", png_bytes(), "png"),
    ],
)
def test_real_files_are_accepted(settings, name, content, kind):
    checked = check_receipt(name=name, content=content)
    assert (checked.kind, checked.name) == (kind, name)


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("receipt.pdf", b"", "receipt.empty"),
        ("receipt.exe", pdf_bytes(), "receipt.unsupported_type"),
        ("receipt", pdf_bytes(), "receipt.unsupported_type"),
        ("receipt.gif", b"GIF89a" + b"\0" * 20, "receipt.unsupported_type"),
        # Not what they claim to be:
        ("receipt.pdf", b"MZ\x90\x00 this is a program", "receipt.invalid_content"),
        ("receipt.pdf", b"<html><body>receipt</body></html>", "receipt.invalid_content"),
        ("receipt.pdf", pdf_bytes()[:-8], "receipt.invalid_content"),  # truncated: no %%EOF
        (
            "receipt.png",
            b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
            "receipt.invalid_content",
        ),  # a signature and no image
        ("receipt.png", png_bytes()[:-20], "receipt.invalid_content"),  # truncated PNG
        ("receipt.jpg", jpeg_bytes()[:40], "receipt.invalid_content"),  # truncated JPEG
        ("receipt.jpg", b"\xff\xd8\xff" + b"not a jpeg", "receipt.invalid_content"),
        ("receipt.png", jpeg_bytes(), "receipt.type_mismatch"),
        ("receipt.pdf", png_bytes(), "receipt.type_mismatch"),
        ("receipt.jpg", pdf_bytes(), "receipt.type_mismatch"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(name, content, code):
    with pytest.raises(ApplicationError) as error:
        check_receipt(name=name, content=content)
    assert error.value.code == code
    assert list(error.value.fields) == ["receipt"]


def test_the_size_limit_is_a_setting(settings):
    settings.KAIGO_SUBSIDY_RECEIPT_MAX_BYTES = 2048
    content = pdf_bytes() + b"0" * 2048
    with pytest.raises(ApplicationError) as error:
        check_receipt(name="receipt.pdf", content=content)
    assert error.value.code == "receipt.too_large"
    assert (
        error.value.message == "ファイルが大きすぎます（上限 2 KB）。画質を下げるか、分けて登録してください。"
    )
    assert check_receipt(name="small.png", content=png_bytes()).kind == "png"


def test_the_default_limit_is_ten_megabytes(settings):
    assert settings.KAIGO_SUBSIDY_RECEIPT_MAX_BYTES == 10 * 1024 * 1024
    content = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"\n%%EOF\n"
    with pytest.raises(ApplicationError) as error:
        check_receipt(name="receipt.pdf", content=content)
    assert (
        error.value.message
        == "ファイルが大きすぎます（上限 10 MB）。画質を下げるか、分けて登録してください。"
    )
