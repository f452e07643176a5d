"""The care-plan API (office key, scope careplans): the published JSON Schema, table-driven; whole
responses; every transition through HTTP; one destination per send; the policy's refusals."""

import copy
import json

import jsonschema
import pytest

from careplans import api
from careplans.models import CarePlan, Delivery
from consent.models import ConsentStatus
from consent.tests.factories import consent
from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.audit.models import AccessLogEntry

from .conftest import api_client
from .factories import delivered, draft

pytestmark = pytest.mark.django_db
EXAMPLE = json.loads((api.SCHEMA_PATH.parent / "careplan-examples" / "plan.json").read_text(encoding="utf-8"))


def example(**changes) -> dict:
    body = copy.deepcopy(EXAMPLE)
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = body
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is ...:
            del target[int(last) if last.isdigit() else last]
        elif last.isdigit():
            target[int(last)] = value
        else:
            target[last] = value
    return body


def test_the_published_schema_is_valid_and_the_example_meets_it(orgs):
    jsonschema.Draft202012Validator.check_schema(api.schema())
    assert api.schema_errors(EXAMPLE) == {}
    assert api_client(orgs["kyotaku"]).get("/api/v1/careplans/schema.json").json() == api.schema()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"schema_version": "2"}, {"schema_version": ["値が正しくありません"]}),
        ({"person": ...}, {"person": ["必須の項目がありません"]}),
        ({"person__insured_number": "501"}, {"person.insured_number": ["形式が正しくありません"]}),
        ({"person__insurer_number": 131011}, {"person.insurer_number": ["型が正しくありません"]}),
        ({"table1__created_on": "20261120"}, {"table1.created_on": ["形式が正しくありません"]}),
        ({"table1__plan_kind": "初回"}, {"table1.plan_kind": ["値が正しくありません"]}),
        ({"table1__living_support_reason": "理" * 201}, {"table1.living_support_reason": ["長すぎます"]}),
        ({"table1__care_level": "22"}, {"table1": ["定義されていない項目があります"]}),
        ({"table2__0__need": ""}, {"table2.0.need": ["入力してください"]}),
        ({"table2__1__insured": "false"}, {"table2.1.insured": ["型が正しくありません"]}),
        ({"table2__0__office_number": "137010002"}, {"table2.0.office_number": ["形式が正しくありません"]}),
        ({"table2__0__need": ...}, {"table2.0.need": ["必須の項目がありません"]}),
        ({"table3__weekly__0__weekday": 7}, {"table3.weekly.0.weekday": ["値が大きすぎます"]}),
        ({"table3__weekly__0__starts_at": "25:00"}, {"table3.weekly.0.starts_at": ["形式が正しくありません"]}),
        ({"table3__weekly__1__content": ""}, {"table3.weekly.1.content": ["入力してください"]}),
    ],
)  # fmt: skip
def test_the_schema_refuses_bad_bodies_field_by_field(hanako, orgs, changes, expected):
    response = api_client(orgs["kyotaku"]).post("/api/v1/careplans/", example(**changes), format="json")
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "careplans.schema",
            "message": "ケアプランの形式が正しくありません（JSON Schema に適合しません）。",
            "fields": expected,
        }
    }
    assert not CarePlan.objects.exists()


def test_a_date_that_does_not_exist_is_refused(hanako, orgs):
    response = api_client(orgs["kyotaku"]).post(
        "/api/v1/careplans/", example(table1__created_on="2026-02-30"), format="json"
    )
    assert response.json()["error"]["fields"] == {"table1.created_on": ["存在しない日付です"]}


def test_domain_rules_after_the_schema(hanako, orgs):
    body = example(table2__0__office_number="1370100099")
    response = api_client(orgs["kyotaku"]).post("/api/v1/careplans/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "careplans.invalid",
        "message": "入力内容に誤りがあります。",
        "fields": {"rows.0.office_number": ["この事業所番号の事業所は登録されていません。"]},
    }


def test_a_care_management_key_creates_a_draft_and_gets_the_whole_plan(hanako, orgs):
    response = api_client(orgs["kyotaku"]).post("/api/v1/careplans/", EXAMPLE, format="json")
    assert response.status_code == 201, response.json()
    plan = CarePlan.objects.get()
    assert response.json() == {
        "id": plan.pk,
        "series_id": plan.pk,
        "version": 1,
        "status": "draft",
        "status_name": "原案",
        "person": {"insurer_number": "131011", "insured_number": "0000000501", "name": "髙﨑 花子"},
        "author_office": {"office_number": "1370100016", "name": "ケアプランセンター神田"},
        "table1": {
            "created_on": "2026-11-20",
            "plan_kind": "1",
            "plan_kind_name": "初回",
            "certification_status": "1",
            "certification_status_name": "認定済",
            "care_level": "22",
            "care_level_name": "要介護2",
            "certified_on": "2026-04-01",
            "valid_from": "2026-04-01",
            "valid_to": "2027-03-31",
            "care_manager_name": "ケアプランセンター神田 / 介護ソフト",
            "intentions": "本人：自宅で暮らし続けたい。",
            "panel_opinion": "通所リハビリテーションの利用が望ましい。",
            "policy": "転倒を防ぎ、入浴を安全に続けられるよう支援します。",
            "living_support_reason": "",
        },
        "table2": [
            {
                "need_no": 1,
                "need": "一人で安全に入浴したい",
                "goal_no": 1,
                "long_goal": "安全に入浴できる",
                "long_period": "6か月",
                "short_goal": "介助で週2回入浴する",
                "short_period": "3か月",
                "service_no": 1,
                "service_content": "入浴介助",
                "insured": True,
                "service_kind": "訪問介護",
                "office_number": "1370100024",
                "office_name": "訪問介護ステーション九段",
                "frequency": "週2回",
                "period": "3か月",
            },
            {
                "need_no": 1,
                "need": "一人で安全に入浴したい",
                "goal_no": 1,
                "long_goal": "安全に入浴できる",
                "long_period": "6か月",
                "short_goal": "介助で週2回入浴する",
                "short_period": "3か月",
                "service_no": 2,
                "service_content": "見守り",
                "insured": False,
                "service_kind": "",
                "office_number": "",
                "office_name": "家族（長女）",
                "frequency": "毎日",
                "period": "3か月",
            },
        ],
        "table3": {
            "weekly": [
                {"weekday": 1, "starts_at": "10:00", "ends_at": "11:00", "content": "訪問介護（入浴介助）"},
                {"weekday": 4, "starts_at": "10:00", "ends_at": "11:00", "content": "訪問介護（入浴介助）"},
            ],
            "non_weekly_services": "福祉用具貸与（手すり）",
        },
        "agreement": None,
        "delivered_at": None,
    }


def test_the_whole_life_of_a_plan_through_the_api(hanako, orgs, bob, carol):
    cm, provider = api_client(orgs["kyotaku"]), api_client(orgs["homon"])
    plan_id = cm.post("/api/v1/careplans/", EXAMPLE, format="json").json()["id"]
    url = f"/api/v1/careplans/{plan_id}/"
    changed = example(table1__intentions="変更しました")
    assert cm.put(url, changed, format="json").json()["table1"]["intentions"] == "変更しました"
    assert provider.get(url).status_code == 404  # a draft of another office
    assert cm.post(url + "request-agreement/").json()["status"] == "for_consent"
    assert cm.post(url + "withdraw-request/").json()["status"] == "draft"
    response = cm.post(url + "paper-agreement/", {"agreed_on": "2026-11-20"}, format="json")
    assert response.json()["agreement"] == {
        "agreed_on": "2026-11-20",
        "method": "paper",
        "agreed_by_name": "髙﨑 花子",
    }
    assert cm.post(url + "deliver/").json()["status"] == "delivered"
    response = cm.post(url + "send/", {"office_number": "1370100024"}, format="json")
    assert response.status_code == 201 and response.json()["office_number"] == "1370100024"
    inbox = provider.get("/api/v1/careplans/inbox/").json()["results"]
    assert [(r["plan_id"], r["from_office_number"], r["opened_at"]) for r in inbox] == [
        (plan_id, "1370100016", None)
    ]
    assert provider.get(url).json()["status"] == "delivered"
    assert provider.get("/api/v1/careplans/inbox/").json()["results"][0]["opened_at"] is not None
    revised = cm.post(url + "revise/")
    assert revised.status_code == 201 and revised.json()["version"] == 2


@pytest.mark.parametrize(
    "payload",
    [
        {"office_number": ["1370100024", "1370100032"]},
        {"offices": "1370100024"},
        {"office_number": 1370100024},
    ],
)
def test_sending_takes_exactly_one_destination(hanako, orgs, bob, payload):
    plan = delivered(actor=bob, person=hanako)
    response = api_client(orgs["kyotaku"]).post(f"/api/v1/careplans/{plan.pk}/send/", payload, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "careplans.one_destination"
    assert not Delivery.objects.exists()


def test_refusals_carry_their_codes(hanako, orgs, bob):
    plan = draft(actor=bob, person=hanako)
    cm, provider = api_client(orgs["kyotaku"]), api_client(orgs["homon"])
    assert (
        provider.post("/api/v1/careplans/", EXAMPLE, format="json").json()["error"]["code"]
        == "careplans.not_care_manager"
    )
    assert cm.post(f"/api/v1/careplans/{plan.pk}/deliver/").status_code == 409
    response = cm.post(
        f"/api/v1/careplans/{plan.pk}/paper-agreement/", {"agreed_on": "yesterday"}, format="json"
    )
    assert response.json()["error"]["code"] == "careplans.agreed_on_format"
    assert cm.get("/api/v1/careplans/999999/").status_code == 404
    consent(hanako, ConsentStatus.WITHDRAWN)
    response = cm.get(f"/api/v1/careplans/{plan.pk}/")
    assert (response.status_code, response.json()["error"]["code"]) == (403, "no_consent")
    assert cm.post("/api/v1/careplans/", EXAMPLE, format="json").status_code == 403


def test_an_office_without_relationship_gets_404(hanako, orgs, bob):
    plan = delivered(actor=bob, person=hanako)
    client = api_client(orgs["kyotaku2"])
    assert client.get(f"/api/v1/careplans/{plan.pk}/").status_code == 404
    assert client.post("/api/v1/careplans/", EXAMPLE, format="json").status_code == 404
    assert client.get("/api/v1/careplans/").json() == {"results": []}


def test_keys_of_other_scopes_and_anonymous_callers_are_refused(hanako, orgs):
    assert api_client(orgs["kyotaku"], scope=ApiScope.READ).get("/api/v1/careplans/").status_code == 403
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/careplans/").status_code in (401, 403)


def test_the_list_logs_each_person_once(hanako, orgs, bob):
    delivered(actor=bob, person=hanako)
    before = AccessLogEntry.objects.count()
    results = api_client(orgs["homon"]).get("/api/v1/careplans/").json()["results"]
    assert [(r["insured_number"], r["status"]) for r in results] == [("0000000501", "delivered")]
    assert AccessLogEntry.objects.count() == before + 1


def test_the_unit_export_and_import_through_the_api(hanako, orgs, bob):
    delivered(actor=bob, person=hanako)
    cm = api_client(orgs["kyotaku"])
    response = cm.get("/api/v1/careplans/units/export/?kind=plans&office_number=1370100024&service_type=11")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    from django.core.files.uploadedfile import SimpleUploadedFile

    provider = api_client(orgs["homon"])
    result = provider.post(
        "/api/v1/careplans/units/",
        {"files": [SimpleUploadedFile("u.zip", response.content)]},
        format="multipart",
    )
    assert result.status_code == 201, result.json()
    assert result.json()["counts"] == {"plans_unchanged": 1}
    again = provider.post(
        "/api/v1/careplans/units/",
        {"files": [SimpleUploadedFile("u.zip", response.content)]},
        format="multipart",
    )
    assert again.status_code == 200 and again.json()["repeated"] and Delivery.objects.count() == 1
    bad = SimpleUploadedFile("UP1KYO_1370100016_43_1370100024_11_20261120100000.CSV", b"202407,131011\r\n")
    result = provider.post("/api/v1/careplans/units/", {"files": [bad]}, format="multipart")
    assert result.status_code == 400
    (row,) = result.json()["error"]["rows"]
    assert (row["line"], row["code"]) == (1, "careplan_csv.columns")
