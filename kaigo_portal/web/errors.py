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


def _answer(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    title: str,
    message: str,
    next_step: str = "",
    in_layout: bool = False,
) -> HttpResponse:
    """JSON under /api/; elsewhere a Japanese page with the reason and the next step. `in_layout`: in the
    site's layout (menu, the user's name), which reads the session and so the database; where that fails,
    and always for 500 and 503, the self-contained page that needs nothing."""
    if request.path.startswith("/api/"):
        body = {"error": {"code": code, "message": message, "fields": {}}}
        response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    else:
        context = {"status": status, "title": title, "message": message, "next_step": next_step}
        page = _in_layout(request, context) if in_layout else None
        if page is None:
            page = loader.get_template("errors/error.html").render(context)
        response = HttpResponse(page, status=status, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


def _in_layout(request: HttpRequest, context: dict) -> str | None:
    try:
        return loader.render_to_string("errors/page.html", context, request=request)
    except Exception as error:  # the layout reads the session: with the database away, the plain page
        if is_unavailable(error):
            return None
        raise


NOT_FOUND = "お探しのページは見つかりませんでした。URL が正しいかご確認ください。"
FORBIDDEN = "このページを表示する権限がありません。"
BAD_REQUEST = "リクエストの形式が正しくありません。"


def _japanese(exception, default: str) -> str:
    """The exception's own message where it was written for people (Japanese), else the default."""
    text = str(exception or "")
    return text if text and not text.isascii() else default


GO_BACK = "前のページに戻り、入力し直してください。"
ASK_ADMIN = (
    "別の所属で操作する場合は、画面上部で所属を切り替えてください。権限が必要な場合は、所属先の管理者に"
    "お問い合わせください。"
)
GO_HOME = "トップページのメニューから、目的のページを開いてください。"
CSRF = "ページを開いてから時間がたったため、安全のため送信を受け付けませんでした。"
CSRF_NEXT = (
    "前のページに戻って再読み込みし、もう一度送信してください。ブラウザーで Cookie を無効にしている場合は"
    "有効にしてください。"
)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return _answer(
        request,
        status=400,
        code="bad_request",
        title="リクエストエラー",
        message=BAD_REQUEST,
        next_step=GO_BACK,
        in_layout=True,
    )


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    message = _japanese(exception, FORBIDDEN)
    return _answer(
        request,
        status=403,
        code="permission_denied",
        title="権限がありません",
        message=message,
        next_step=ASK_ADMIN,
        in_layout=True,
    )


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return _answer(
        request,
        status=404,
        code="not_found",
        title="ページが見つかりません",
        message=NOT_FOUND,  # one answer: never the reason, which could tell that something exists
        next_step=GO_HOME,
        in_layout=True,
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: Django's own page is English; the reason stays in the server's log."""
    return _answer(
        request,
        status=403,
        code="csrf_failed",
        title="送信を受け付けませんでした",
        message=CSRF,
        next_step=CSRF_NEXT,
        in_layout=True,
    )


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
