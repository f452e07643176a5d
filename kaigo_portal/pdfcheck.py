"""What an uploaded PDF holds, read by its content (never by its name): every app that takes a PDF from
outside (the opinion's attachment and scan, the subsidy's receipts) asks here and words the answer itself.

`problem(data)` parses the file and walks every object reachable from its trailer. It answers None for an
acceptable PDF, or one of:
- "not_pdf": not a PDF by its first bytes, or unreadable as one (truncated, broken);
- "encrypted": password-protected (nobody at the office could open it, and its content cannot be checked);
- "no_pages": a PDF without a page;
- "javascript": JavaScript, or an action that runs or loads something (Launch, ImportData, RichMedia);
- "embedded": an embedded file or a file attachment;
- "too_complex": more objects than are worth walking (a PDF made to exhaust the checker).
"""

from __future__ import annotations

import io
import logging

logger = logging.getLogger(__name__)

ACTIVE_KEYS = {"/JS", "/JavaScript"}
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/RichMediaExecute"}
EMBEDDED_KEYS = {"/EmbeddedFiles", "/EmbeddedFile"}
MAX_OBJECTS = 200_000


def _active_content(root) -> str | None:
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


def problem(data: bytes, *, pages_required: bool = True) -> str | None:
    """None for an acceptable PDF, else the kind of problem (see the module's docstring)."""
    if not data.lstrip()[:5] == b"%PDF-":
        return "not_pdf"
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return "encrypted"
        if pages_required and len(reader.pages) == 0:
            return "no_pages"
        return _active_content(reader.trailer)
    except (PdfReadError, ValueError, KeyError, TypeError, RecursionError, AttributeError) as error:
        logger.info("pdf refused: %s", error)
        return "not_pdf"
