"""The API's documented error bodies, shared by every app's OpenAPI descriptions.

Every error is `{"error": {"code", "message", "fields"}}` (kaigo_portal.api.exceptions makes it). A read of a
person's data refused by the door is a 404 when the actor may not know the person exists, else a 403 with one
of the codes below (the registered rules' reasons; consent's tests hold the rules to this list).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, inline_serializer
from rest_framework import serializers

ERROR_BODY = inline_serializer(
    "Error",
    {
        "error": inline_serializer(
            "ErrorDetail",
            {
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(),
            },
        )
    },
)

# The 403 codes an office's API client can get on a read, with their meaning.
READ_FORBIDDEN_CODES = {
    "insurer_not_live": "保険者の利用開始日前です。",
    "care_managers_only": "認定情報は居宅介護支援・介護予防支援・地域包括支援センターのケアマネジャーだけが閲覧できます。",
    "no_consent": "本人の同意がありません（撤回・不同意を含む）。",
}

READ_REFUSALS = {
    403: OpenApiResponse(
        ERROR_BODY,
        description="担当事業所だが閲覧できない。error.code: "
        + "; ".join(f"`{code}` {text}" for code, text in READ_FORBIDDEN_CODES.items()),
        examples=[
            OpenApiExample(
                code,
                value={"error": {"code": code, "message": "この操作を行う権限がありません。", "fields": {}}},
                status_codes=["403"],
            )
            for code in READ_FORBIDDEN_CODES
        ],
    ),
    404: OpenApiResponse(
        ERROR_BODY,
        description="`not_found`: 担当事業所ではない（本人確認がない・終了した）か、被保険者が存在しない。"
        "両者は区別しません。",
    ),
}
