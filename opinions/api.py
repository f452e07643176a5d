"""The opinions API (scope `opinions`).

- Clinics' EHR or document software: `POST /api/v1/opinions/` with the JSON document as the body
  (application/json), or multipart with the parts `document` (the JSON, a file), `pdf` and `signature`
  (a detached CMS/PKCS#7 SignedData, DER or PEM, over the exact bytes of `document`), and optionally
  `request_id`, `corrects` and `correction_reason`.
- The insurer's 介護保険事務システム: `GET /api/v1/opinions/?status=submitted` (cursor-paginated, in
  submission order), then `POST /api/v1/opinions/{id}/acknowledge/` for each (idempotent).
- Both: `GET /api/v1/opinions/{id}/` (through the policy) and `GET /api/v1/opinions/schema/`.
"""

from __future__ import annotations

import json

from django.conf import settings
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigo_portal import access
from kaigo_portal.accounts.models import ApiScope, OrganisationKind
from kaigo_portal.errors import ApplicationError

from . import form, schema, selectors, services
from .models import Opinion, OpinionRequest, OpinionStatus, Route

MAX_DOCUMENT_BYTES = 1024 * 1024
MAX_SIGNATURE_BYTES = 256 * 1024


class RawJSONParser(JSONParser):
    """Keeps the body as bytes: a detached signature covers exactly what was sent."""

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read(MAX_DOCUMENT_BYTES + 1)


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def opinion_body(opinion: Opinion) -> dict:
    """The body shared by the API and its tests (the caller has authorised the read)."""
    return {
        "id": opinion.pk,
        "request_id": opinion.request_id,
        "version": opinion.version,
        "insurer_number": opinion.person.insurer.insurer_number,
        "insured_number": opinion.person.insured_number,
        "route": opinion.route,
        "route_name": opinion.get_route_display(),
        "status": opinion.status,
        "form_version": opinion.form_version,
        "correction_reason": opinion.correction_reason,
        "signature": {
            "status": opinion.signature_status,
            "label": f"電子署名: {opinion.get_signature_status_display()}",
            "signer": opinion.signer,
        },
        "has_pdf": bool(opinion.attachment),
        "submitted_at": _iso(opinion.submitted_at),
        "received_at": _iso(opinion.received_at),
        "acknowledged_at": _iso(opinion.acknowledged_at),
        "sequence": opinion.sequence,
        "document": opinion.document,
    }


def _role_kind(request) -> str:
    org = (
        request.auth.organisation
        if request.auth is not None and hasattr(request.auth, "organisation")
        else None
    )
    return org.kind if org else ""


def _read_part(request, name: str, limit: int) -> bytes | None:
    upload = request.FILES.get(name)
    if upload is not None:
        if upload.size > limit:
            raise ApplicationError(
                f"{name} が大きすぎます。",
                code=f"opinion.{name}_too_large",
                fields={name: ["大きすぎます。"]},
            )
        return upload.read()
    value = request.data.get(name)
    if value in (None, ""):
        return None
    data = value.encode() if isinstance(value, str) else bytes(value)
    if len(data) > limit:
        raise ApplicationError(
            f"{name} が大きすぎます。", code=f"opinion.{name}_too_large", fields={name: ["大きすぎます。"]}
        )
    return data


class OpinionCollection(APIView):
    api_scopes = (ApiScope.OPINIONS,)
    user_roles = ()
    parser_classes = (RawJSONParser, MultiPartParser)

    @extend_schema(
        operation_id="opinions_list",
        summary="主治医意見書の一覧（保険者の事務システム向け）",
        parameters=[
            OpenApiParameter("status", str, enum=["submitted"], required=True),
            OpenApiParameter("cursor", str),
            OpenApiParameter("limit", int),
        ],
        responses={200: OpenApiResponse(description="提出済みで未取込の意見書（提出順）と next_cursor")},
    )
    def get(self, request):
        if _role_kind(request) != OrganisationKind.INSURER:
            raise ApplicationError(
                "一覧は保険者のAPIキーで取得してください。", code="permission_denied", status=403
            )
        if request.query_params.get("status") != "submitted":
            raise ApplicationError(
                "status=submitted を指定してください。",
                code="opinion.status_param",
                fields={"status": ["submitted のみ指定できます。"]},
            )
        try:
            limit = min(max(int(request.query_params.get("limit", 50)), 1), 200)
        except ValueError:
            raise ApplicationError(
                "limit は整数です。", code="opinion.limit", fields={"limit": ["整数です。"]}
            ) from None
        cursor = request.query_params.get("cursor")
        after = selectors.decode_cursor(cursor) if cursor else 0
        actor = access.Actor.for_request(request)
        rows, last = selectors.pull_page(actor, after=after, limit=limit)
        return Response(
            {
                "results": [opinion_body(o) for o in rows],
                "next_cursor": selectors.encode_cursor(last) if last is not None else None,
            }
        )

    @extend_schema(
        operation_id="opinions_submit",
        summary="主治医意見書の提出（医療機関の電子カルテ・文書作成ソフト）",
        request={"application/json": {"type": "object"}, "multipart/form-data": {"type": "object"}},
        responses={
            201: OpenApiResponse(description="提出した意見書"),
            400: OpenApiResponse(description="内容の誤り（error.issues に項目・コード・理由）"),
            403: OpenApiResponse(description="依頼先の医療機関ではない（opinion.not_requested）"),
        },
    )
    def post(self, request):
        if _role_kind(request) != OrganisationKind.CLINIC:
            raise ApplicationError(
                "意見書は医療機関のAPIキーで提出してください。", code="permission_denied", status=403
            )
        clinic = request.auth.organisation
        if isinstance(request.data, bytes):
            source, pdf, signature_der, fields = request.data, None, None, {}
        else:
            source = _read_part(request, "document", MAX_DOCUMENT_BYTES)
            pdf = (
                _read_part(request, "pdf", settings.KAIGO_OPINION_PDF_MAX_BYTES)
                if "pdf" in request.FILES
                else None
            )
            signature_der = _read_part(request, "signature", MAX_SIGNATURE_BYTES)
            fields = request.data
        if not source or len(source) > MAX_DOCUMENT_BYTES:
            raise ApplicationError(
                "意見書（JSON）を送ってください（1MB以内）。",
                code="opinion.document_required",
                fields={"document": ["必須です。"]},
            )
        try:
            document = json.loads(source.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: nested too deep
            raise ApplicationError(
                "意見書がUTF-8のJSONとして読み取れません。",
                code="opinion.json",
                fields={"document": ["JSONとして読み取れません。"]},
            ) from None
        target = self._request_for(clinic, document, fields.get("request_id"))
        corrects = None
        if fields.get("corrects"):
            corrects = (
                Opinion.objects.filter(pk=str(fields["corrects"]), request=target).first()
                if str(fields["corrects"]).isdigit()
                else None
            )
            if corrects is None:
                raise ApplicationError("訂正する意見書が見つかりません。", code="opinion.corrects_mismatch")
        try:
            opinion = services.opinion_submit(
                request=target,
                document=document,
                clinic=clinic,
                route=Route.API,
                by_key=request.auth.prefix,
                source=source,
                pdf=pdf,
                signature_der=signature_der,
                corrects=corrects,
                correction_reason=str(fields.get("correction_reason", "")),
            )
        except services.OpinionInvalid as error:
            return Response(
                {
                    "error": {
                        "code": error.code,
                        "message": error.message,
                        "fields": error.fields,
                        "issues": [
                            {"path": i.path, "code": i.code, "message": i.message} for i in error.issues
                        ],
                    }
                },
                status=400,
            )
        actor = access.Actor.for_request(request)
        access.authorize(actor, opinion.person, "opinion", access.Purpose.OPINION_WRITING)
        return Response(opinion_body(opinion), status=201)

    @staticmethod
    def _request_for(clinic, document, request_id) -> OpinionRequest:
        """The request answered: named by `request_id`, else found by the person's numbers in 基本情報.
        Only the clinic the request was sent to finds it (403 for any other)."""
        requests = OpinionRequest.objects.select_related("person", "insurer")
        if request_id:
            found = requests.filter(pk=request_id).first() if str(request_id).isdigit() else None
        else:
            insurer_number = (
                form.get(document, "basic.insurer_number") if isinstance(document, dict) else None
            )
            insured_number = (
                form.get(document, "basic.insured_number") if isinstance(document, dict) else None
            )
            candidates = requests.filter(
                insurer__insurer_number=insurer_number, person__insured_number=insured_number
            )
            found = (
                candidates.filter(clinic=clinic).order_by("-requested_on", "-id").first()
                or candidates.first()
            )
        if found is None or found.clinic_id != clinic.pk:
            raise ApplicationError(
                "この被保険者について貴院への意見書の依頼はありません。",
                code="opinion.not_requested",
                status=403,
            )
        return found


class OpinionDetail(APIView):
    api_scopes = (ApiScope.OPINIONS,)
    user_roles = ()

    @extend_schema(
        operation_id="opinions_retrieve",
        summary="主治医意見書（1件、履歴の版を含む）",
        responses={200: OpenApiResponse(description="意見書")},
    )
    def get(self, request, pk: int):
        actor = access.Actor.for_request(request)
        opinion = selectors.opinion_for(actor, pk)
        body = opinion_body(opinion)
        body["history"] = [
            {
                "id": o.pk,
                "version": o.version,
                "route": o.route,
                "submitted_at": _iso(o.submitted_at),
                "correction_reason": o.correction_reason,
            }
            for o in selectors.history(opinion)
        ]
        return Response(body)


class OpinionAcknowledge(APIView):
    api_scopes = (ApiScope.OPINIONS,)
    user_roles = ()

    @extend_schema(
        operation_id="opinions_acknowledge",
        summary="取込済みの通知（冪等）",
        request=None,
        responses={200: OpenApiResponse(description="意見書")},
    )
    def post(self, request, pk: int):
        if _role_kind(request) != OrganisationKind.INSURER:
            raise ApplicationError(
                "保険者のAPIキーで通知してください。", code="permission_denied", status=403
            )
        actor = access.Actor.for_request(request)
        opinion = selectors.insurer_opinion(actor, pk)
        if opinion.status != OpinionStatus.SUBMITTED:
            raise access.NotVisible("not submitted")
        return Response(opinion_body(services.opinion_acknowledge(opinion=opinion)))


class OpinionSchema(APIView):
    permission_classes = (AllowAny,)  # the form's structure only: no personal data
    authentication_classes = ()

    @extend_schema(
        operation_id="opinions_schema",
        summary="主治医意見書のJSON Schema",
        responses={200: OpenApiResponse(description="JSON Schema")},
    )
    def get(self, request):
        return Response(schema.build(), content_type="application/schema+json")
