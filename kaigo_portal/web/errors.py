"""The answers for requests that fail before or outside a view's own error handling.

- A body larger than the route accepts is refused from its Content-Length before a byte of it is read
  (`RequestSizeMiddleware`): 413, nothing written to memory or disk.
- The database or Redis unreachable: 503 with Retry-After, a JSON error under /api/ and a Japanese page
  elsewhere, never Django's 500 page or a hang. The page is self-contained: it reads no session, user or
  template context, since those need the database that is away.
- Anything else unexpected: 500, in the same two shapes.
- Django's own 400, 403 and 404 (a URL no route takes, PermissionDenied, Http404 outside the API views):
  in the same two shapes, so that an API client never gets an HTML page.
"""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

from kaigo_portal.errors import is_unavailable

RETRY_AFTER_SECONDS = 30

UNAVAILABLE = "現在、一時的にご利用いただけません。しばらく待ってから、もう一度お試しください。"
SERVER_ERROR = "システムでエラーが発生しました。お手数ですが、時間をおいてもう一度お試しください。"
TOO_LARGE = (
    "送信されたデータが大きすぎます（上限 {limit}）。ファイルを分けるか、小さくしてから送信してください。"
)


def _answer(request: HttpRequest, *, status: int, code: str, title: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        body = {"error": {"code": code, "message": message, "fields": {}}}
        response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    else:
        page = loader.get_template("errors/error.html").render(
            {"status": status, "title": title, "message": message}
        )
        response = HttpResponse(page, status=status, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


NOT_FOUND = "お探しのページは見つかりませんでした。URL が正しいかご確認ください。"
FORBIDDEN = "このページを表示する権限がありません。"
BAD_REQUEST = "リクエストの形式が正しくありません。"


def _japanese(exception, default: str) -> str:
    """The exception's own message where it was written for people (Japanese), else the default."""
    text = str(exception or "")
    return text if text and not text.isascii() else default


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _answer(request, status=400, code="bad_request", title="リクエストエラー", message=BAD_REQUEST)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    message = _japanese(exception, FORBIDDEN)
    return _answer(request, status=403, code="permission_denied", title="権限がありません", message=message)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _answer(request, status=404, code="not_found", title="ページが見つかりません", message=NOT_FOUND)


def service_unavailable(request: HttpRequest) -> HttpResponse:
    response = _answer(
        request,
        status=503,
        code="service_unavailable",
        title="一時的にご利用いただけません",
        message=UNAVAILABLE,
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it inside its `except`, so the error is still in sys.exc_info()."""
    if is_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    return _answer(request, status=500, code="server_error", title="システムエラー", message=SERVER_ERROR)


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    shown = f"{limit / 1_000_000_000:.3g} GB" if limit >= 1_000_000_000 else f"{limit / 1_000_000:.3g} MB"
    response = _answer(
        request,
        status=413,
        code="request_too_large",
        title="データが大きすぎます",
        message=TOO_LARGE.format(limit=shown),
    )
    # No "Connection: close": a WSGI application may not set hop-by-hop headers (runserver refuses them and
    # gunicorn drops them). Limiting the bytes on the wire is the TLS proxy's part (client_max_body_size).
    return response
