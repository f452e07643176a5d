"""Project-wide middleware: request ids, request size limits and session time limits."""

from __future__ import annotations

import re
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import Resolver404, resolve

from kaigo_portal.logging import request_id_var

_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

SESSION_STARTED = "kaigo_session_started"
SESSION_SEEN = "kaigo_session_seen"


class RequestIDMiddleware:
    """Gives every request an id (kept from a well-formed X-Request-ID) and echoes it on the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.request_id
        return response


def accepts_large_body(max_bytes):
    """Marks a view (or an APIView class) that takes a body larger than KAIGO_REQUEST_MAX_BYTES: the bulk
    import's upload. `max_bytes` is a function of no argument, so that the limit is read from settings
    at request time."""

    def mark(view):
        view.kaigo_max_request_bytes = max_bytes
        return view

    return mark


def _route_limit(path: str) -> int | None:
    try:
        func = resolve(path).func
    except Resolver404:
        return None
    limit = getattr(func, "kaigo_max_request_bytes", None) or getattr(
        getattr(func, "cls", None), "kaigo_max_request_bytes", None
    )
    return limit() if limit else None


class RequestSizeMiddleware:
    """Refuses a body larger than its route accepts from the Content-Length, before anything reads it.

    Django would otherwise stream a large upload to a temporary file (and CSRF checking reads the form)
    before any view could look at its size. Most routes take KAIGO_REQUEST_MAX_BYTES (the largest upload
    a form takes, with room for the form around it); the bulk import's routes take their own limit. A
    chunked body without Content-Length is read as empty by Django, so it cannot get around this."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.KAIGO_REQUEST_MAX_BYTES:
            limit = max(_route_limit(request.path_info) or 0, settings.KAIGO_REQUEST_MAX_BYTES)
            if length > limit:
                from kaigo_portal.web.errors import too_large

                return too_large(request, limit)
        return self.get_response(request)


class SessionTimeoutMiddleware:
    """Ends a signed-in session after KAIGO_SESSION_IDLE_SECONDS idle or KAIGO_SESSION_ABSOLUTE_SECONDS in all."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            started = request.session.get(SESSION_STARTED)
            seen = request.session.get(SESSION_SEEN, now)
            if started is None:
                request.session[SESSION_STARTED] = started = now
            idle = now - seen > settings.KAIGO_SESSION_IDLE_SECONDS
            too_long = now - started > settings.KAIGO_SESSION_ABSOLUTE_SECONDS
            if idle or too_long:
                return self._end(request, idle=idle)
            request.session[SESSION_SEEN] = now
        return self.get_response(request)

    def _end(self, request, *, idle: bool):
        logout(request)
        if idle:
            message = (
                "一定時間操作がなかったため、安全のためサインアウトしました。もう一度サインインしてください。"
            )
        else:
            message = "サインインから12時間が経過したため、安全のためサインアウトしました。もう一度サインインしてください。"
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"error": {"code": "session_expired", "message": message, "fields": {}}}, status=401
            )
        messages.info(request, message)
        return redirect_to_login(request.get_full_path())
