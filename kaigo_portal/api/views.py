"""API endpoints of the kernel."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from kaigo_portal.accounts.models import ApiKey, ApiScope, Role

from .permissions import DeclaredAccess


class WhoAmI(DeclaredAccess):
    """Every key and every staff role may ask who it is."""

    def has_permission(self, request, view) -> bool:
        view.api_scopes, view.user_roles = ApiScope.values, Role.values
        return super().has_permission(request, view)


@extend_schema(
    summary="呼び出し元の確認",
    description="API キーまたはサインイン中のユーザーが、どの組織・役割として扱われるかを返します。",
    responses=inline_serializer(
        "Me",
        {
            "organisation": inline_serializer(
                "MeOrganisation",
                {
                    "kind": serializers.CharField(),
                    "number": serializers.CharField(),
                    "name": serializers.CharField(),
                },
            ),
            "role": serializers.CharField(allow_null=True),
            "scope": serializers.CharField(allow_null=True),
            "key_name": serializers.CharField(allow_null=True),
        },
    ),
)
@api_view(["GET"])
@permission_classes([WhoAmI])
def me(request):
    key = request.auth if isinstance(request.auth, ApiKey) else None
    membership = request._request.membership if key is None else None
    org = key.organisation if key else membership.organisation
    return Response(
        {
            "organisation": {"kind": org.kind, "number": org.number, "name": org.name},
            "role": key.acting_role if key else membership.role,
            "scope": key.scope if key else None,
            "key_name": key.name if key else None,
        }
    )
