"""The care-plan API for care software (scope `careplans`, or a signed-in office user), through the same
door as the pages: no relationship or no such person/plan is a 404, a refused gate a 403 with its code,
a refused rule of the domain a 400/403/409 with a stable `careplans.*` code.

The request body of POST and PUT is validated against the published JSON Schema
(docs/careplan.schema.json) before the domain rules run.
"""

from __future__ import annotations

import datetime as dt
import functools
import json

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from jsonschema import Draft202012Validator
from rest_framework.response import Response
from rest_framework.views import APIView

from kaigo_portal import access
from kaigo_portal.accounts.models import OFFICE_ROLES, Organisation
from kaigo_portal.errors import ApplicationError

from . import selectors, services
from .models import CarePlan, Delivery
from .standard import exports
from .standard import imports as unit_imports

SCHEMA_PATH = settings.BASE_DIR / "docs" / "careplan.schema.json"
PURPOSE = access.Purpose.CARE_MANAGEMENT
MESSAGES = {
    "required": "必須の項目がありません", "pattern": "形式が正しくありません", "enum": "値が正しくありません",
    "const": "値が正しくありません", "maxLength": "長すぎます", "minLength": "入力してください",
    "type": "型が正しくありません", "additionalProperties": "定義されていない項目があります",
    "minimum": "値が小さすぎます", "maximum": "値が大きすぎます", "maxItems": "件数が多すぎます",
}  # fmt: skip


@functools.cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def schema_errors(body) -> dict[str, list[str]]:
    """Every violation of the schema, keyed by its JSON path (`table2.0.need`), in Japanese."""
    errors: dict[str, list[str]] = {}
    for error in Draft202012Validator(schema()).iter_errors(body):
        path = ".".join(str(part) for part in error.absolute_path) or "non_field_errors"
        if error.validator == "required":
            missing = error.message.split("'")[1] if "'" in error.message else ""
            path = f"{path}.{missing}" if path != "non_field_errors" else missing
        errors.setdefault(path, []).append(MESSAGES.get(str(error.validator), "値が正しくありません"))
    return errors


def _time(value: str) -> dt.time:
    return dt.time.fromisoformat(value)


def plan_input(body: dict) -> services.PlanInput:
    """The schema-valid body as the services' input (a date that does not exist is a 400)."""
    errors = schema_errors(body)
    if not errors:
        try:
            created_on = dt.date.fromisoformat(body["table1"]["created_on"])
        except ValueError:
            errors["table1.created_on"] = ["存在しない日付です"]
    if errors:
        raise ApplicationError(
            "ケアプランの形式が正しくありません（JSON Schema に適合しません）。",
            code="careplans.schema",
            fields=errors,
        )
    t1, t3 = body["table1"], body.get("table3", {})
    return services.PlanInput(
        created_on=created_on,
        plan_kind=t1["plan_kind"],
        intentions=t1.get("intentions", ""),
        policy=t1.get("policy", ""),
        living_support_reason=t1.get("living_support_reason", ""),
        non_weekly_services=t3.get("non_weekly_services", ""),
        rows=[services.RowInput(**row) for row in body["table2"]],
        weekly=[
            services.WeeklyInput(e["weekday"], _time(e["starts_at"]), _time(e["ends_at"]), e["content"])
            for e in t3.get("weekly", [])
        ],
    )


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def plan_body(plan: CarePlan) -> dict:
    """The whole plan (第1〜3表, state, agreement), as the API returns it."""
    person = plan.person
    return {
        "id": plan.pk,
        "series_id": plan.series_id,
        "version": plan.version,
        "status": plan.status,
        "status_name": plan.get_status_display(),
        "person": {
            "insurer_number": person.insurer.insurer_number,
            "insured_number": person.insured_number,
            "name": person.name,
        },
        "author_office": {"office_number": plan.author_office.office_number, "name": plan.author_office.name},
        "table1": {
            "created_on": _iso(plan.created_on),
            "plan_kind": plan.plan_kind,
            "plan_kind_name": plan.get_plan_kind_display(),
            "certification_status": plan.certification_status,
            "certification_status_name": plan.get_certification_status_display(),
            "care_level": plan.care_level,
            "care_level_name": plan.get_care_level_display() if plan.care_level else "",
            "certified_on": _iso(plan.certified_on),
            "valid_from": _iso(plan.valid_from),
            "valid_to": _iso(plan.valid_to),
            "care_manager_name": plan.care_manager_name,
            "intentions": plan.intentions,
            "panel_opinion": plan.panel_opinion,
            "policy": plan.policy,
            "living_support_reason": plan.living_support_reason,
        },
        "table2": [
            {
                "need_no": r.need_no,
                "need": r.need,
                "goal_no": r.goal_no,
                "long_goal": r.long_goal,
                "long_period": r.long_period,
                "short_goal": r.short_goal,
                "short_period": r.short_period,
                "service_no": r.service_no,
                "service_content": r.service_content,
                "insured": r.insured,
                "service_kind": r.service_kind,
                "office_number": r.office_number,
                "office_name": r.office_name,
                "frequency": r.frequency,
                "period": r.period,
            }
            for r in plan.service_rows.all()
        ],
        "table3": {
            "weekly": [
                {
                    "weekday": e.weekday,
                    "starts_at": f"{e.starts_at:%H:%M}",
                    "ends_at": f"{e.ends_at:%H:%M}",
                    "content": e.content,
                }
                for e in plan.weekly_entries.all()
            ],
            "non_weekly_services": plan.non_weekly_services,
        },
        "agreement": plan.agreed_on
        and {
            "agreed_on": _iso(plan.agreed_on),
            "method": plan.agreement_method,
            "agreed_by_name": plan.agreed_by_name,
        },
        "delivered_at": _iso(plan.delivered_at),
    }


class _Base(APIView):
    api_scopes = ("careplans",)
    user_roles = tuple(OFFICE_ROLES)


def _plan(request, pk: int) -> tuple[access.Actor, CarePlan]:
    actor = access.Actor.for_request(request)
    return actor, selectors.plan_for(actor, pk=pk, purpose=PURPOSE)


def _reload(plan: CarePlan) -> CarePlan:
    return selectors.with_tables(CarePlan.objects.filter(pk=plan.pk)).get()


class Schema(_Base):
    @extend_schema(
        operation_id="careplans_schema",
        summary="ケアプランの JSON Schema（docs/careplan.schema.json）",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        return Response(schema())


class PlanList(_Base):
    @extend_schema(
        operation_id="careplans_list",
        summary="ケアプランの一覧（閲覧できるもの）",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        actor = access.Actor.for_request(request)
        plans = selectors.plans_for(actor).order_by("-created_at", "-id")
        insured = request.query_params.get("insured_number")
        if insured:
            plans = plans.filter(person__insured_number=insured)
        page = list(plans[:100])
        selectors.log_plans_listed(actor, page, PURPOSE)
        return Response(
            {
                "results": [
                    {
                        "id": p.pk,
                        "version": p.version,
                        "status": p.status,
                        "created_on": _iso(p.created_on),
                        "insurer_number": p.person.insurer.insurer_number,
                        "insured_number": p.person.insured_number,
                        "author_office_number": p.author_office.office_number,
                    }
                    for p in page
                ]
            }
        )

    @extend_schema(
        summary="原案の登録（docs/careplan.schema.json）",
        request=OpenApiTypes.OBJECT,
        responses={
            201: OpenApiTypes.OBJECT,
            400: OpenApiResponse(description="careplans.schema / careplans.invalid"),
            403: OpenApiResponse(description="同意がない・ケアマネジャーでない"),
            404: OpenApiResponse(description="担当事業所ではないか、被保険者が存在しない"),
        },
    )
    def post(self, request):
        actor = access.Actor.for_request(request)
        data = plan_input(request.data)
        person = selectors.person_for(
            actor,
            insurer_number=request.data["person"]["insurer_number"],
            insured_number=request.data["person"]["insured_number"],
            category=selectors.CAREPLAN,
            purpose=PURPOSE,
        )
        plan = services.plan_create(actor=actor, person=person, data=data)
        return Response(plan_body(_reload(plan)), status=201)


class PlanDetail(_Base):
    @extend_schema(
        operation_id="careplans_retrieve",
        summary="ケアプラン（第1〜3表）",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request, pk: int):
        actor, plan = _plan(request, pk)
        delivery = Delivery.objects.filter(plan=plan, office=actor.organisation).first()
        if delivery is not None:
            services.delivery_mark_opened(delivery=delivery)
        return Response(plan_body(plan))

    @extend_schema(summary="原案の変更", request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
    def put(self, request, pk: int):
        actor, plan = _plan(request, pk)
        data = plan_input(request.data)
        person = request.data["person"]
        if (person["insurer_number"], person["insured_number"]) != (
            plan.person.insurer.insurer_number,
            plan.person.insured_number,
        ):
            raise ApplicationError("計画の被保険者は変更できません。", code="careplans.person_mismatch")
        plan = services.plan_update(actor=actor, plan=plan, data=data)
        return Response(plan_body(_reload(plan)))


def _transition(name: str, summary: str):
    class Transition(_Base):
        @extend_schema(summary=summary, request=OpenApiTypes.OBJECT, responses={200: OpenApiTypes.OBJECT})
        def post(self, request, pk: int):
            actor, plan = _plan(request, pk)
            match name:
                case "request_agreement":
                    plan = services.plan_request_agreement(actor=actor, plan=plan)
                case "withdraw_request":
                    plan = services.plan_withdraw_request(actor=actor, plan=plan)
                case "deliver":
                    plan = services.plan_deliver(actor=actor, plan=plan)
                case "revise":
                    plan = services.plan_revise(actor=actor, plan=plan)
                    return Response(plan_body(_reload(plan)), status=201)
                case "paper_agreement":
                    try:
                        agreed_on = dt.date.fromisoformat(str(request.data.get("agreed_on", "")))
                    except ValueError:
                        raise ApplicationError(
                            "同意日を YYYY-MM-DD で指定してください。",
                            code="careplans.agreed_on_format",
                            fields={"agreed_on": ["形式が正しくありません"]},
                        ) from None
                    plan = services.plan_record_paper_agreement(
                        actor=actor,
                        plan=plan,
                        agreed_on=agreed_on,
                        agreed_by_name=str(request.data.get("agreed_by_name", "")),
                    )
            return Response(plan_body(_reload(plan)))

    Transition.__name__ = Transition.__qualname__ = "".join(part.title() for part in name.split("_"))
    return Transition.as_view()


class PlanSend(_Base):
    @extend_schema(
        summary="交付済みの計画を1事業所へ送付（1回の呼出しで送付先は1つ）",
        request=OpenApiTypes.OBJECT,
        responses={201: OpenApiTypes.OBJECT},
    )
    def post(self, request, pk: int):
        actor, plan = _plan(request, pk)
        number = request.data.get("office_number")
        if not isinstance(number, str):
            raise ApplicationError(
                "送付先は office_number（事業所番号の文字列）1つで指定してください。",
                code="careplans.one_destination",
                fields={"office_number": ["1つだけ指定してください"]},
            )
        office = Organisation.objects.filter(office_number=number).first()
        if office is None:
            raise ApplicationError(
                "この事業所番号の事業所は登録されていません。",
                code="careplans.unknown_office",
                fields={"office_number": ["登録されていません"]},
            )
        delivery = services.plan_send(actor=actor, plan=plan, office=office)
        return Response(
            {
                "plan_id": plan.pk,
                "office_number": office.office_number,
                "sent_at": delivery.sent_at.isoformat(),
            },
            status=201,
        )


class Inbox(_Base):
    @extend_schema(summary="受信したケアプラン", responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        actor = access.Actor.for_request(request)
        deliveries = list(selectors.inbox_for(actor)[:100])
        selectors.log_plans_listed(actor, [d.plan for d in deliveries], PURPOSE)
        return Response(
            {
                "results": [
                    {
                        "plan_id": d.plan_id,
                        "version": d.plan.version,
                        "sent_at": d.sent_at.isoformat(),
                        "opened_at": _iso(d.opened_at),
                        "from_office_number": d.plan.author_office.office_number,
                        "insurer_number": d.plan.person.insurer.insurer_number,
                        "insured_number": d.plan.person.insured_number,
                    }
                    for d in deliveries
                ]
            }
        )


class UnitImport(_Base):
    @extend_schema(
        summary="ケアプラン連携ファイル（標準仕様4.1）の取込: files に CSV または ZIP を複数",
        request=OpenApiTypes.BINARY,
        responses={
            201: OpenApiTypes.OBJECT,
            400: OpenApiResponse(description="ファイル・行・項目ごとの誤り"),
        },
    )
    def post(self, request):
        uploads = request.FILES.getlist("files") or request.FILES.getlist("file")
        if not uploads:
            raise ApplicationError(
                "files に連携ファイル（CSV または ZIP）を添付してください。", code="careplans.files_missing"
            )
        files = [(upload.name, upload.read()) for upload in uploads]
        report = unit_imports.import_files(actor=access.Actor.for_request(request), files=files)
        if not report.ok:
            return Response(
                {
                    "error": {
                        "code": "careplans.unit_invalid",
                        "message": "連携ファイルに誤りがあります。何も取り込んでいません。",
                        "fields": {},
                        "rows": [vars(issue) for issue in report.issues],
                    }
                },
                status=400,
            )
        return Response(
            {
                "applied": [u.stamp for u in report.applied],
                "repeated": report.repeated,
                "counts": dict(report.counts),
            },
            status=201 if report.applied else 200,
        )


class UnitExport(_Base):
    @extend_schema(
        summary="送付先ごとの送信単位（ZIP）: kind=plans|month|actuals, office_number, service_type, month=YYYY-MM",
        parameters=[
            OpenApiParameter(
                "office_number",
                str,
                required=True,
                description="送付先の事業所番号（10桁）。ない番号は 404。",
            ),
            OpenApiParameter(
                "kind",
                str,
                enum=["plans", "month", "actuals"],
                description="plans: 計画、month: 月の予定（提供票）、actuals: 実績。既定は plans。",
            ),
            OpenApiParameter("service_type", str, description="送付先のサービス種類コード（2桁）。"),
            OpenApiParameter("month", str, description="対象月 YYYY-MM（month・actuals のとき必須）。"),
        ],
        responses={200: OpenApiTypes.BINARY},
    )
    def get(self, request):
        actor = access.Actor.for_request(request, channel=access.Channel.API)
        params = request.query_params
        receiver = Organisation.objects.filter(office_number=params.get("office_number", "")).first()
        if receiver is None:
            raise ApplicationError(
                "office_number の事業所がありません。", code="careplans.unknown_office", status=404
            )
        try:
            year, month = (int(part) for part in params.get("month", "").split("-"))
            first = dt.date(year, month, 1)
        except ValueError:
            first = None
        kind, service_type = params.get("kind", "plans"), params.get("service_type", "")
        if kind == "plans":
            unit = exports.plans_unit(actor=actor, receiver=receiver, receiver_type=service_type)
        elif kind in ("month", "actuals") and first is not None:
            unit = (
                exports.month_unit(actor=actor, receiver=receiver, receiver_type=service_type, month=first)
                if kind == "month"
                else exports.actuals_unit(
                    actor=actor, receiver=receiver, month=first, service_type=service_type
                )
            )
        else:
            raise ApplicationError(
                "kind は plans・month・actuals、month は YYYY-MM です。", code="careplans.bad_query"
            )
        response = HttpResponse(unit.zip_bytes(), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{unit.zip_name}"'
        return response


request_agreement = _transition("request_agreement", "同意・確認用登録（本人に同意を依頼）")
withdraw_request = _transition("withdraw_request", "同意依頼の取下げ（原案に戻す）")
paper_agreement = _transition("paper_agreement", "書面による同意の記録（agreed_on）")
deliver = _transition("deliver", "交付用登録")
revise = _transition("revise", "変更（新しい版の原案を作成）")
