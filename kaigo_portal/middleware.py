"""Project-wide middleware: request ids and session time limits."""

from __future__ import annotations

import re
import time
import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse

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
