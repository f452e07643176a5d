"""The API's documented error bodies, shared by every app's OpenAPI descriptions.

Every error is `{"error": {"code", "message", "fields"}}` (kaigo_portal.api.exceptions makes it). A read of a
person's data refused by the door is a 404 when the actor may not know the person exists, else a 403 with one
of the codes below (the registered rules' reasons; consent's tests hold the rules to this list).
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
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


# The answers any operation can give besides its own, in the one error shape. PortalAutoSchema adds them to
# every operation that can give them, so that a client (and the credentialed fuzzing, tests/test_fuzz_api.py)
# finds every status the API answers documented.
COMMON_ERRORS = {
    "400": "`invalid` / `parse_error`: 入力内容またはリクエストの形式に誤りがある。`fields` に項目ごとの理由。",
    "401": "`not_authenticated` / `authentication_failed`: API キーがない、または無効・失効・期限切れ。",
    "403": "`permission_denied`: この API キーのスコープ・組織の種類、または利用者の役割では利用できない。",
    "404": "`not_found`: 対象が存在しないか、この組織からは見えない（両者は区別しません）。",
    "413": "`request_too_large`: 送信されたデータが上限を超えている（本文を読む前に断ります）。",
    "429": "`throttled`: リクエストが多すぎる。Retry-After の秒数の後に再試行。",
    "503": "`service_unavailable`: データベースなどに一時的に接続できない。Retry-After の秒数の後に再試行。",
}


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's schema, with the common errors of each operation: 401, 403 and 503 always; 400 where
    it takes parameters or a body; 404 where it names something (a path or query parameter); 413 where it
    takes a body; 429 where the view is throttled. An operation's own description of a code comes first."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if not operation or "responses" not in operation:
            return operation
        codes = ["401", "403", "503"]
        if operation.get("parameters") or operation.get("requestBody"):
            codes.append("400")
        if operation.get("parameters"):
            codes.append("404")
        if operation.get("requestBody"):
            codes.append("413")
        if getattr(self.view, "throttle_classes", None):
            codes.append("429")
        error = self.resolve_serializer(ERROR_BODY, "response").ref
        for code in codes:
            operation["responses"].setdefault(
                code, {"description": COMMON_ERRORS[code], "content": {"application/json": {"schema": error}}}
            )
        return operation
