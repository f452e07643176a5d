"""One error shape for every API error: {"error": {"code", "message", "fields"}}, messages in Japanese."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from kaigo_portal.access import Forbidden, NotVisible
from kaigo_portal.errors import ApplicationError

_MESSAGES = {
    "not_authenticated": "認証が必要です。",
    "authentication_failed": "認証に失敗しました。",
    "permission_denied": "この操作を行う権限がありません。",
    "not_found": "見つかりません。",
    "method_not_allowed": "このメソッドは利用できません。",
    "throttled": "リクエストが多すぎます。しばらく待ってから再度お試しください。",
    "parse_error": "リクエストの形式が正しくありません。",
    "unsupported_media_type": "このメディアタイプには対応していません。",
    "invalid": "入力内容に誤りがあります。",
}


def _body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _fields(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            key: [str(item) for item in (value if isinstance(value, list) else [value])]
            for key, value in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": [str(item) for item in detail]}
    return {}


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        return Response(_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, NotVisible):
        return Response(_body("not_found", _MESSAGES["not_found"]), status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, Forbidden):
        return Response(_body(exc.reason, _MESSAGES["permission_denied"]), status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(_body("invalid", _MESSAGES["invalid"], fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling logs it
    if isinstance(exc, exceptions.ValidationError):
        response.data = _body("invalid", _MESSAGES["invalid"], _fields(exc.detail))
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        detail = getattr(exc, "detail", "")
        message = (
            str(detail)
            if isinstance(detail, str) and not str(detail).isascii()
            else _MESSAGES.get(code, str(detail))
        )
        response.data = _body(code, message)
    return response
