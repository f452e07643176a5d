"""A valid 個人番号 typed into free text is refused, with a Japanese reason, on every channel, and nothing
is stored: inquiries, consent notes, dispute notes, break-glass reasons, opinions (web draft and API),
care-plan text (API), and the check itself (digits, full width, groups, a wrong check digit)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from careplans.models import CarePlan
from consent import services as consent_services
from consent.models import Consent, Dispute, Relationship
from eligibility.tests import factories as ef
from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.accounts.services import api_key_create
from kaigo_portal.errors import ApplicationError
from kaigo_portal.numbers import contains_my_number, is_my_number, my_number_check_digit
from kaigo_portal.public.models import Inquiry
from kaigo_portal.validators import MY_NUMBER_CODE, MY_NUMBER_MESSAGE

pytestmark = pytest.mark.django_db
VALID = "123456789018"


@pytest.mark.parametrize(
    ("text", "held"),
    [(VALID, True), ("番号は1234-5678-9018です", True), ("１２３４ ５６７８ ９０１８", True),
     ("123456789012", False),  # a wrong check digit: a phone or order number, not a My Number
     ("電話 03-1234-5678", False), ("1234567890180", False),  # 13 digits: no 12-digit run
     ("被保険者番号 0000000001", False), ("", False)],
)  # fmt: skip
def test_contains_my_number(text, held):
    assert contains_my_number(text) is held


def test_the_check_digit_follows_the_ordinance():
    # 総務省令第85号 §5, worked by hand: Σ = 212, 212 mod 11 = 3, 11 - 3 = 8.
    assert my_number_check_digit("12345678901") == 8
    assert my_number_check_digit("00000000000") == 0  # remainder 0: the digit is 0
    assert is_my_number(VALID) and not is_my_number("123456789019")


def test_the_inquiry_form_refuses_it_and_keeps_nothing(client, settings):
    settings.KAIGO_INQUIRY_MIN_SECONDS = 0
    page = client.get("/portal/inquiry/").content.decode()
    started = page.split('name="started" value="')[1].split('"')[0]
    response = client.post(
        "/portal/inquiry/",
        {
            "category": "other",
            "asker_type": "person",
            "name": "問合 花子",
            "email": "asker@example.jp",
            "body": f"私のマイナンバーは{VALID}です",
            "started": started,
        },
    )
    assert response.status_code == 400
    assert "マイナンバー（個人番号）と思われる12桁の番号が含まれています" in response.content.decode()
    assert VALID not in response.content.decode().split("<textarea")[0]  # not repeated in the message
    assert not Inquiry.objects.exists()


def test_consent_notes_disputes_and_break_glass_reasons_refuse_it(orgs, cast):
    person = ef.person(insurer=orgs["chiyoda"])
    with pytest.raises(ApplicationError) as refused:
        consent_services.consent_record_paper(
            person=person, status="granted", by=cast["alice"], note=f"番号{VALID}"
        )
    assert (refused.value.code, refused.value.fields) == (MY_NUMBER_CODE, {"note": [MY_NUMBER_MESSAGE]})
    with pytest.raises(ApplicationError, match="個人番号"):
        consent_services.relationship_break_glass(
            office=orgs["kyotaku"], person=person, by=cast["bob"], reason=f"本人の番号 {VALID}"
        )
    from consent import services

    with pytest.raises(ApplicationError, match="個人番号"):
        services.dispute_open(person=person, entry_id=1, by=cast["pia"], note=VALID)
    assert not Consent.objects.exists() and not Relationship.objects.exists() and not Dispute.objects.exists()


def test_an_opinion_draft_and_an_api_submission_refuse_it_field_by_field(orgs, cast, client):
    from opinions import services as opinion_services
    from opinions.models import Opinion
    from opinions.tests import factories as of

    request = of.opinion_request(person=of.person(insurer=orgs["chiyoda"]), clinic=orgs["clinic"])
    document = of.document(request)
    document["basic"]["other_departments_detail"] = f"整形外科（個人番号 {VALID}）"
    with pytest.raises(opinion_services.OpinionInvalid) as refused:
        opinion_services.draft_save(request=request, document=document, clinic=orgs["clinic"], by=cast["dan"])
    assert [(i.path, i.code) for i in refused.value.issues] == [
        ("basic.other_departments_detail", MY_NUMBER_CODE)
    ]
    _key, raw = api_key_create(
        organisation=orgs["clinic"], scope=ApiScope.OPINIONS, name="電子カルテ", by=None
    )
    response = client.post(
        "/api/v1/opinions/",
        json.dumps(document, ensure_ascii=False),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Api-Key {raw}",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["basic.other_departments_detail"] == [MY_NUMBER_MESSAGE]
    assert not Opinion.objects.exists()


def test_care_plan_text_from_the_api_refuses_it(orgs, cast, client):
    from consent.tests import factories as cf

    with time_machine.travel(
        dt.datetime(2026, 11, 24, 10, tzinfo=dt.timezone(dt.timedelta(hours=9))), tick=False
    ):
        person = ef.person(insurer=orgs["chiyoda"])
        cf.consent(person)
        cf.relationship(orgs["kyotaku"], person, by=cast["bob"])
        _key, raw = api_key_create(
            organisation=orgs["kyotaku"], scope=ApiScope.CAREPLANS, name="介護ソフト", by=None
        )
        body = {
            "schema_version": "1",
            "person": {"insurer_number": "131011", "insured_number": person.insured_number},
            "table1": {"created_on": "2026-11-20", "plan_kind": "1", "intentions": f"マイナンバー {VALID}"},
            "table2": [],
        }
        response = client.post(
            "/api/v1/careplans/",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Api-Key {raw}",
        )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"]["intentions"] == [MY_NUMBER_MESSAGE]
    assert not CarePlan.objects.exists()
