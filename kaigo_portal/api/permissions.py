"""Deny by default: a view names the API-key scope and the user roles it admits, or nobody gets in."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from kaigo_portal.accounts.models import ApiKey


class DeclaredAccess(BasePermission):
    """Admits an API key whose scope is in `view.api_scopes`, or a signed-in user whose current
    membership's role is in `view.user_roles` (`view.allow_person` admits the 本人). A view that
    declares none of these refuses everyone."""

    message = "この操作を行う権限がありません。"

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ApiKey):
            scopes = getattr(view, "api_scopes", ())
            if request.auth.scope in scopes:
                return True
            self.message = f"この API キーのスコープ（{request.auth.scope}）では利用できません。"
            return False
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if user.is_person:
            return bool(getattr(view, "allow_person", False))
        membership = getattr(request._request, "membership", None)
        return membership is not None and membership.role in getattr(view, "user_roles", ())
