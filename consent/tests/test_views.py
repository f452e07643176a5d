"""Office screens: 本人確認 by 被保険者証 (with lock-out), the caseload, a person's page, ending."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from conftest import make_org
from consent.models import Relationship, VerificationAttempt
from consent.tests import factories as cf
from eligibility.tests import factories as ef
from kaigo_portal.accounts.models import OrganisationKind
from kaigo_portal.audit.models import AccessLogEntry

pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture(autouse=True)
def _june():
    with time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=JST), tick=False):
        yield


@pytest.fixture
def hanako(orgs):
    return ef.person(
        insurer=orgs["chiyoda"],
        insured_number="0000000201",
        name_kana="カイゴ　ハナコ",
        birth_date=dt.date(1940, 5, 3),
    )


CARD = {"insurer_number": "131011", "insured_number": "0000000201", "name_kana": "かいご はなこ",
        "birth_date": "昭和15年5月3日"}  # fmt: skip


def test_the_insurance_card_form_makes_a_relationship_when_all_four_match(login, cast, orgs, hanako):
    client = login(cast["bob"])
    response = client.post(reverse("consent:verify"), CARD)
    assert response.status_code == 302
    relationship = Relationship.objects.get()
    assert (relationship.office, relationship.person, relationship.method, relationship.care_manager) == (
        orgs["kyotaku"],
        hanako,
        "insurance_card",
        cast["bob"],
    )
    assert response.url == reverse("consent:office_person", args=["131011", "0000000201"])


@pytest.mark.parametrize(
    ("field", "value"),
    [("insurer_number", "082024"), ("insured_number", "0000000202"), ("name_kana", "カイゴ タロウ"),
     ("birth_date", "1940-05-04")],
)  # fmt: skip
def test_one_wrong_item_says_only_that_nothing_matches(login, cast, hanako, field, value):
    response = login(cast["bob"]).post(reverse("consent:verify"), CARD | {field: value})
    assert response.status_code == 400
    assert "一致する被保険者が見つかりません" in response.content.decode()
    assert not Relationship.objects.exists()
    assert VerificationAttempt.objects.filter(succeeded=False).count() == 1


def test_the_form_locks_a_user_after_five_failures_even_for_the_right_answer(login, cast, hanako, settings):
    client = login(cast["bob"])
    for n in range(5):
        assert client.post(
            reverse("consent:verify"), CARD | {"insured_number": f"00000009{n:02d}"}
        ).status_code in (400, 429)
    response = client.post(reverse("consent:verify"), CARD)
    assert response.status_code == 429
    assert "しばらくこの画面は利用できません" in response.content.decode()
    assert not Relationship.objects.exists()
    assert "しばらくこの画面は利用できません" in client.get(reverse("consent:verify")).content.decode()
    # Another office's user is not locked by bob's failures; an hour later bob may try again.
    assert login(cast["oscar"]).post(reverse("consent:verify"), CARD).status_code == 302
    with time_machine.travel(dt.datetime(2026, 6, 1, 11, 1, tzinfo=JST), tick=False):
        assert login(cast["bob"]).post(reverse("consent:verify"), CARD).status_code == 302


def test_the_form_locks_an_office_whose_users_together_fail_too_often(login, cast, orgs, hanako, settings):
    settings.KAIGO_VERIFY_MAX_FAILURES_OFFICE = 3
    for name in ("bob", "olive", "bob"):
        login(cast[name]).post(reverse("consent:verify"), CARD | {"birth_date": "1999-01-01"})
    assert login(cast["olive"]).post(reverse("consent:verify"), CARD).status_code == 429


def test_the_form_is_for_offices_only(login, cast):
    for name in ("alice", "dan", "pat"):
        assert login(cast[name]).get(reverse("consent:verify")).status_code == 403


def test_the_caseload_lists_live_relationships_with_renewals_due_and_logs_each(login, cast, orgs, hanako):
    ef.certification(person=hanako, valid_from=dt.date(2025, 8, 1), valid_to=dt.date(2026, 7, 31))
    other = ef.person(insurer=orgs["chiyoda"], name="別人 次郎", name_kana="ベツジン　ジロウ")
    ef.certification(person=other, valid_from=dt.date(2026, 4, 1), valid_to=dt.date(2027, 3, 31))
    stranger = ef.person(insurer=orgs["chiyoda"], name="他人 三郎", name_kana="タニン　サブロウ")
    for person in (hanako, other):
        cf.relationship(orgs["kyotaku"], person, by=cast["bob"])
    cf.relationship(orgs["kyotaku2"], stranger)
    page = login(cast["bob"]).get(reverse("consent:caseload")).content.decode()
    assert "介護 花子" in page and "別人 次郎" in page and "他人 三郎" not in page
    assert page.count("更新時期") == 2  # the explanation, and hanako's row (ends 2026-07-31)
    assert "要介護2" in page
    assert sorted(AccessLogEntry.objects.values_list("insured_number", flat=True)) == sorted(
        [hanako.insured_number, other.insured_number]
    )


@pytest.mark.parametrize("size", [10, 200])
def test_the_caseload_takes_the_same_number_of_queries_for_10_and_200(
    login, cast, orgs, size, django_assert_max_num_queries
):
    for _ in range(size):
        person = ef.person(insurer=orgs["chiyoda"])
        ef.certification(person=person)
        cf.relationship(orgs["kyotaku"], person, by=cast["bob"])
    client = login(cast["bob"])
    with django_assert_max_num_queries(20):
        response = client.get(reverse("consent:caseload"))
    page = response.content.decode()
    shown = min(size, 50)  # a page of 50; the persons a page shows are the ones logged
    assert page.count("担当を終了") == shown and f"担当利用者（{size} 人）" in page
    assert AccessLogEntry.objects.count() == shown


def test_the_person_page_shows_sections_or_says_why_not(login, cast, orgs, hanako):
    cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
    page = login(cast["carol"]).get(reverse("consent:office_person", args=["131011", "0000000201"]))
    assert page.status_code == 404 and "担当事業所ではありません" in page.content.decode()
    cf.relationship(orgs["homon"], hanako, by=cast["carol"])
    page = (
        login(cast["carol"])
        .get(reverse("consent:office_person", args=["131011", "0000000201"]))
        .content.decode()
    )
    assert "東京都千代田区神田神保町" in page
    assert page.count("同意がありません") == 2  # careplan, LIFE
    assert page.count("ケアマネジャーだけが閲覧できる情報です") == 3
    cf.consent(hanako)
    page = (
        login(cast["bob"])
        .get(reverse("consent:office_person", args=["131011", "0000000201"]))
        .content.decode()
    )
    assert "同意がありません" not in page and "ケアマネジャーだけ" not in page
    assert AccessLogEntry.objects.filter(actor_user_id=cast["bob"].pk).count() == 7


def test_an_unknown_person_and_a_person_without_relationship_look_the_same(login, cast, hanako):
    client = login(cast["bob"])
    unknown = client.get(reverse("consent:office_person", args=["131011", "0000009999"]))
    known = client.get(reverse("consent:office_person", args=["131011", "0000000201"]))
    assert unknown.status_code == known.status_code == 404
    assert main_of(unknown) == main_of(known)


def main_of(response) -> str:
    page = response.content.decode()
    return page[page.index("<main") : page.index("</main>")]


def test_the_office_ends_a_relationship_and_sees_nothing_from_the_next_request(login, cast, orgs, hanako):
    relationship = cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
    client = login(cast["bob"])
    url = reverse("consent:office_person", args=["131011", "0000000201"])
    assert client.get(url).status_code == 200
    assert (
        login(cast["oscar"]).post(reverse("consent:relationship_end", args=[relationship.pk])).status_code
        == 404
    )
    client = login(cast["bob"])
    asked = client.post(reverse("consent:relationship_end", args=[relationship.pk]), {"back": "javascript:x"})
    assert asked.status_code == 200 and "担当を終了する" in asked.content.decode()
    assert 'href="javascript:' not in asked.content.decode()  # the way back is one of our pages
    # The question names the person, and that read went through the door into the log.
    assert "131011-0000000201" in asked.content.decode()
    assert AccessLogEntry.objects.filter(insured_number="0000000201", outcome="granted").exists()
    relationship.refresh_from_db()
    assert relationship.ended_at is None  # not without the answer to the question
    response = client.post(reverse("consent:relationship_end", args=[relationship.pk]), {"confirmed": "1"})
    assert response.status_code == 302
    assert "に終了しました" in client.get(response["Location"]).content.decode()
    relationship.refresh_from_db()
    assert (relationship.end_reason, relationship.ended_by) == ("office", cast["bob"])
    assert client.get(url).status_code == 404


def test_a_care_management_office_records_consent_on_the_municipalitys_behalf_a_provider_cannot(
    login, cast, orgs, hanako
):
    url = reverse("consent:office_consent", args=["131011", "0000000201"])
    cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
    cf.relationship(orgs["homon"], hanako, by=cast["carol"])
    page = (
        login(cast["bob"])
        .get(reverse("consent:office_person", args=["131011", "0000000201"]))
        .content.decode()
    )
    assert "同意を記録する" in page and "現在の同意：<strong>記録はありません" in page
    asked = login(cast["bob"]).post(url, {"granted": "1"})
    assert "ご本人に統一様式で説明し" in asked.content.decode()
    assert not hanako.consents.exists()  # not without the answer to the question
    done = login(cast["bob"]).post(url, {"granted": "1", "confirmed": "1"})
    assert "「同意」を記録しました" in login(cast["bob"]).get(done["Location"]).content.decode()
    assert "現在の同意：<strong>同意（" in login(cast["bob"]).get(done["Location"]).content.decode()
    assert (
        "同意を記録する"
        not in login(cast["carol"])
        .get(reverse("consent:office_person", args=["131011", "0000000201"]))
        .content.decode()
    )
    login(cast["carol"]).post(url, {"granted": "1", "confirmed": "1"})
    assert list(hanako.consents.values_list("source", "office__name")) == [
        ("office", "ケアプランセンター神田")
    ]
    assert login(cast["oscar"]).post(url, {"granted": "1", "confirmed": "1"}).status_code == 404


# --- 災害時の緊急閲覧: one answer ----------------------------------------------------------------------


@pytest.fixture
def disaster(cast, orgs):
    """千代田区 declares a disaster period; 日立市 (not live yet) has one in its own records too."""
    from consent import services
    from consent.models import DisasterPeriod

    services.disaster_period_declare(
        insurer=orgs["chiyoda"],
        by=cast["amy"],
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 6, 30),
        reason="令和8年 豪雨災害",
    )
    return DisasterPeriod.objects.create(
        insurer=orgs["hitachi"],
        starts_on=dt.date(2026, 6, 1),
        ends_on=dt.date(2026, 6, 30),
        reason="地震",
        declared_by=cast["hank"],
    )


def break_glass(client, insurer_number: str, insured_number: str):
    return client.post(
        reverse("consent:break_glass"),
        {
            "insurer_number": insurer_number,
            "insured_number": insured_number,
            "reason": "避難所で服薬の確認",
        },
    )


def test_break_glass_gives_one_answer_for_every_refusal_and_logs_each_try(
    login, cast, orgs, hanako, disaster
):
    other_insurer = ef.person(insurer=orgs["hitachi"], insured_number="0000000301")  # hitachi: not live
    koto = make_org(
        OrganisationKind.INSURER, "江東区", insurer_number="132084", go_live_date=dt.date(2026, 4, 1)
    )
    ef.person(insurer=koto, insured_number="0000000401")  # live, but no period declared
    cases = {
        "no such person": ("131011", "0000009999"),
        "another insurer's number under this insurer": ("131011", "0000000301"),
        "insurer not live": ("082024", other_insurer.insured_number),
        "no disaster period": ("132084", "0000000401"),
        "no such insurer": ("999999", "0000000201"),
    }
    answers = set()
    for case, (insurer_number, insured_number) in cases.items():
        VerificationAttempt.objects.all().delete()  # the lock is tested below
        response = break_glass(login(cast["bob"]), insurer_number, insured_number)
        assert response.status_code == 400, case
        answers.add(re.sub(r' value="[^"]*"', "", main_of(response)))  # the numbers typed, echoed back
    assert len(answers) == 1  # byte for byte, the same page
    assert "緊急閲覧を開始できませんでした" in answers.pop()
    assert not Relationship.objects.exists()
    rows = AccessLogEntry.objects.order_by("id")
    assert [(r.insurer_number, r.insured_number, r.outcome, r.purpose) for r in rows] == [
        (*numbers, "denied", "disaster") for numbers in cases.values()
    ]
    # And the one that is let in: hanako, of 千代田区 with its declared period.
    response = break_glass(login(cast["bob"]), "131011", "0000000201")
    assert response.status_code == 302
    assert Relationship.objects.get().method == "disaster"
    assert AccessLogEntry.objects.order_by("-id").values_list("outcome", "reason")[0] == (
        "granted",
        "break_glass.opened",
    )


def test_the_break_glass_form_lists_the_declared_periods_instead_of_saying_why(login, cast, hanako, disaster):
    page = main_of(login(cast["bob"]).get(reverse("consent:break_glass")))
    assert "千代田区（131011）" in page and "令和8年 豪雨災害" in page
    assert "令和8年6月1日（2026年6月1日）" in page


def test_break_glass_locks_after_repeated_failures_per_user_and_per_address(
    login, cast, hanako, disaster, settings
):
    client = login(cast["bob"])
    for n in range(5):
        assert break_glass(client, "131011", f"00000099{n:02d}").status_code in (400, 429)
    locked = break_glass(client, "131011", "0000000201")  # even the right number
    assert locked.status_code == 429 and "しばらく利用できません" in locked.content.decode()
    assert not Relationship.objects.exists()
    # The failures count with the 被保険者証 form's: one budget for both.
    assert client.post(reverse("consent:verify"), CARD).status_code == 429
    # Per address: another office's user at the same address is locked once the address has failed enough.
    settings.KAIGO_VERIFY_MAX_FAILURES_ADDRESS = 5
    assert break_glass(login(cast["oscar"]), "131011", "0000000201").status_code == 429
    assert VerificationAttempt.objects.filter(form="break_glass", address="127.0.0.1").count() == 5


def test_break_glass_for_a_person_the_office_already_serves_goes_to_the_page(
    login, cast, orgs, hanako, disaster
):
    cf.relationship(orgs["kyotaku"], hanako, by=cast["bob"])
    response = break_glass(login(cast["bob"]), "131011", "0000000201")
    assert response.status_code == 302 and response.url == reverse(
        "consent:office_person", args=["131011", "0000000201"]
    )
    assert Relationship.objects.filter(method="disaster").count() == 0
