"""The card agent's API: challenges and verifications (an office's device key, scope `device`), and the
device-code endpoints a person's agent at home calls without a key (the code is the credential)."""

from __future__ import annotations

import base64
import binascii

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from kaigo_portal.api.responses import ERROR_BODY
from kaigo_portal.errors import ApplicationError

from .. import identity


class Base64Field(serializers.CharField):
    def __init__(self, *, max_bytes: int, **kwargs):
        self.max_bytes = max_bytes
        super().__init__(max_length=max_bytes * 2, **kwargs)

    def to_internal_value(self, data) -> bytes:
        text = super().to_internal_value(data)
        try:
            value = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError("base64 で指定してください。") from None
        if not value or len(value) > self.max_bytes:
            raise serializers.ValidationError("長さが不正です。")
        return value


class CardAnswerSerializer(serializers.Serializer):
    certificate = Base64Field(max_bytes=8192, help_text="利用者証明用電子証明書（DER, base64）")
    signature = Base64Field(max_bytes=512, help_text="nonce への RSASSA-PKCS1-v1_5 SHA-256 署名（base64）")


class VerificationSerializer(CardAnswerSerializer):
    challenge = serializers.IntegerField(min_value=1)


def _challenge_body(challenge) -> dict:
    return {
        "id": challenge.pk,
        "nonce": base64.b64encode(bytes(challenge.nonce)).decode(),
        "expires_at": challenge.expires_at.isoformat(),
    }


CHALLENGE = inline_serializer(
    "IdentityChallenge",
    {
        "id": serializers.IntegerField(),
        "nonce": serializers.CharField(),
        "expires_at": serializers.DateTimeField(),
    },
)


class Challenges(APIView):
    api_scopes = ("device",)
    user_roles = ()

    @extend_schema(
        summary="本人確認のチャレンジ（120秒・1回限り・この端末専用）",
        request=None,
        responses={201: CHALLENGE},
    )
    def post(self, request):
        return Response(_challenge_body(identity.challenge_create(device=request.auth)), status=201)


class Verifications(APIView):
    api_scopes = ("device",)
    user_roles = ()

    @extend_schema(
        summary="マイナンバーカードによる本人確認",
        description="拒否の error.code: " + "; ".join(f"`{c}` {m}" for c, m in identity.REFUSALS.items()),
        request=VerificationSerializer,
        responses={
            201: OpenApiResponse(description="担当事業所の関係を作成"),
            400: ERROR_BODY,
            403: ERROR_BODY,
        },
    )
    def post(self, request):
        data = VerificationSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        relationship = identity.card_verify(
            device=request.auth,
            challenge_id=data.validated_data["challenge"],
            certificate_der=data.validated_data["certificate"],
            signature=data.validated_data["signature"],
        )
        person = relationship.person
        return Response(
            {
                "relationship": relationship.pk,
                "verified_at": relationship.verified_at.isoformat(),
                "person": {
                    "name": person.name,
                    "insurer_number": person.insurer.insurer_number,
                    "insured_number": person.insured_number,
                },
            },
            status=201,
        )


class DeviceCode(APIView):
    """No key and no session: the 8-character code, valid 5 minutes and used once, is the credential.
    Calls are throttled per client address (KAIGO_DEVICE_CODE_RATE), so codes cannot be tried in bulk."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "device_code"

    @extend_schema(
        summary="サインイン用コードのチャレンジ（本人のエージェント）",
        responses={200: CHALLENGE, 400: ERROR_BODY},
    )
    def get(self, request, code: str):
        return Response(_challenge_body(identity.device_code_challenge(code)))


class DeviceCodeComplete(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "device_code"

    @extend_schema(
        summary="カードでサインイン（コードの完了）",
        request=CardAnswerSerializer,
        responses={200: OpenApiResponse(description="ブラウザがサインインできる状態"), 400: ERROR_BODY},
    )
    def post(self, request, code: str):
        data = CardAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            identity.device_code_complete(
                code=code,
                certificate_der=data.validated_data["certificate"],
                signature=data.validated_data["signature"],
            )
        except ApplicationError as error:
            if error.code == "identity.no_challenge":
                raise ApplicationError(
                    "コードが正しくないか、有効期限切れ・使用済みです。", code="identity.code_expired"
                ) from None
            raise
        return Response({"signed_in": True})
