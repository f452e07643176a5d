"""`Authorization: Api-Key <key>` for systems (介護保険事務システム, 介護ソフト, EHRs, the card agent)."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from kaigo_portal.accounts.models import ApiKey
from kaigo_portal.accounts.services import api_key_authenticate
from kaigo_portal.terminals import verify

KEYWORD = "Api-Key"


class ApiKeyPrincipal:
    """request.user for a call made with an API key: the organisation's system, not a person."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_person = False
    pk = None

    def __init__(self, key: ApiKey):
        self.key = key

    def __str__(self) -> str:
        return f"{self.key.organisation.name} / {self.key.name}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header.startswith(f"{KEYWORD} "):
            return None
        key = api_key_authenticate(header[len(KEYWORD) + 1 :].strip())
        if key is None:
            raise exceptions.AuthenticationFailed("API キーが無効です（誤り、失効、または有効期限切れ）。")
        if verify.required_for(key.organisation):  # the key works only from a terminal of its organisation
            reason = verify.refusal(request._request, key.organisation)
            if reason is not None:
                raise exceptions.PermissionDenied(f"{verify.MESSAGES[reason]}{verify.HINT}", code=reason)
        return ApiKeyPrincipal(key), key

    def authenticate_header(self, request) -> str:
        return KEYWORD


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "kaigo_portal.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`: 組織ごとに発行され、1つのスコープを持つキー",
        }
