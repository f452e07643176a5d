"""Page guards by the role of the request's current membership (request.membership)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.views.decorators.cache import never_cache

from .models import MUNICIPAL_ROLES, Role


def roles_required(roles: Iterable[str], message: str) -> Callable:
    """Signed in, acting in one of `roles`, or 403 with `message`. Pages behind it are never cached."""
    allowed = frozenset(roles)

    def decorator(view):
        @login_required
        @never_cache
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            membership = getattr(request, "membership", None)
            if membership is None or membership.role not in allowed:
                raise PermissionDenied(message)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


municipal_required = roles_required(MUNICIPAL_ROLES, "市町村の職員だけが利用できます。")
operator_required = roles_required({Role.PLATFORM_OPERATOR}, "プラットフォーム運営者だけが利用できます。")
