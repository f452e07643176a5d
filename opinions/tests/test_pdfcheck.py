"""An attached PDF is judged by its content: a renamed PNG, an encrypted PDF, a PDF with JavaScript or an
embedded file, and an 11 MB file are refused; an ordinary PDF passes."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject, TextStringObject

from kaigo_portal.errors import ApplicationError
from opinions.pdfcheck import check_pdf


def pdf(build=None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if build:
        build(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def open_action_js(writer: PdfWriter) -> None:
    writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('x');")}
    )


def link_js(writer: PdfWriter) -> None:
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("1")}
    )
    link = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Link"),
            NameObject("/Rect"): ArrayObject(
                [NumberObject(0), NumberObject(0), NumberObject(10), NumberObject(10)]
            ),
            NameObject("/A"): writer._add_object(action),
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])


def png_named_pdf() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format="PNG")
    return out.getvalue()


def eleven_megabytes() -> bytes:
    """A real PDF padded past 10 MB (a comment after the header), so only the size can refuse it."""
    body = pdf()
    return body[:9] + b"%" + b"x" * (11 * 1024 * 1024) + b"\n" + body[9:]


CASES = [
    ("renamed PNG", png_named_pdf, "opinion.pdf_not_pdf"),
    ("PDF header, broken body", lambda: b"%PDF-1.7\n" + b"garbage" * 50, "opinion.pdf_not_pdf"),
    ("encrypted", lambda: pdf(lambda w: w.encrypt("secret")), "opinion.pdf_encrypted"),
    ("encrypted, empty user password", lambda: pdf(lambda w: w.encrypt("", "owner")), "opinion.pdf_encrypted"),
    ("JavaScript open action", lambda: pdf(open_action_js), "opinion.pdf_javascript"),
    ("JavaScript in a link on the page", lambda: pdf(link_js), "opinion.pdf_javascript"),
    ("embedded file", lambda: pdf(lambda w: w.add_attachment("virus.exe", b"MZ...")), "opinion.pdf_embedded_file"),
    ("11 MB", eleven_megabytes, "opinion.pdf_too_large"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "make", "code"), CASES, ids=[c[0] for c in CASES])
def test_an_unacceptable_pdf_is_refused_with_where_and_why(case, make, code):
    with pytest.raises(ApplicationError) as refused:
        check_pdf(make(), field="pdf")
    assert refused.value.code == code
    assert list(refused.value.fields) == ["pdf"] and not refused.value.message.isascii()


def test_an_ordinary_pdf_passes():
    check_pdf(pdf())


def test_the_size_limit_is_a_setting(settings):
    settings.KAIGO_OPINION_PDF_MAX_BYTES = 1024
    with pytest.raises(ApplicationError) as refused:
        check_pdf(pdf() + b"%" + b"x" * 2048)
    assert refused.value.code == "opinion.pdf_too_large"
