"""The pages, end to end through the client: the editor, the actions, the person's agreement, the inbox,
the exchange files and the month's 第6表・第7表, LIFE entry and charts, menus and person-page links; and who is refused."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from careplans import services
from careplans.life import services as life_services
from careplans.models import CarePlan, LifeAssessment, LineKind, PlanStatus, ServiceLine
from consent.models import ConsentStatus
from consent.tests.factories import consent

from .factories import delivered, draft, person
from .test_life import FULL_BARTHEL

pytestmark = pytest.mark.django_db
PERSON = "131011/0000000501"


def editor_post(**overrides) -> dict:
    data = {
        "created_on": "2026-11-20",
        "plan_kind": "1",
        "intentions": "自宅で暮らしたい",
        "policy": "入浴を支える",
        "living_support_reason": "",
        "non_weekly_services": "",
        "rows-TOTAL_FORMS": "2",
        "rows-INITIAL_FORMS": "0",
        "rows-0-need": "一人で入浴したい",
        "rows-0-long_goal": "安全に入浴",
        "rows-0-short_goal": "週2回入浴",
        "rows-0-service_content": "入浴介助",
        "rows-0-insured": "on",
        "rows-0-service_kind": "訪問介護",
        "rows-0-office_number": "1370100024",
        "rows-0-frequency": "週2回",
        "rows-1-insured": "on",  # a blank row: not saved
        "weekly-TOTAL_FORMS": "2",
        "weekly-INITIAL_FORMS": "0",
        "weekly-0-weekday": "1",
        "weekly-0-starts_at": "10:00",
        "weekly-0-ends_at": "11:00",
        "weekly-0-content": "入浴介助",
    }
    data.update(overrides)
    return data


def test_the_editor_shows_what_the_platform_knows_and_offers_the_serving_offices(hanako, cast, login):
    page = login(cast["bob"]).get(f"/careplans/persons/{PERSON}/new/").content.decode()
    assert "通所リハビリテーションの利用が望ましい。" in page and "認定済" in page
    assert '<option value="1370100024">訪問介護ステーション九段（1370100024）</option>' in page
    assert "1370100032" not in page  # not serving this person


def test_a_care_manager_writes_a_plan_in_the_editor(hanako, cast, login):
    client = login(cast["bob"])
    response = client.post(f"/careplans/persons/{PERSON}/new/", editor_post())
    plan = CarePlan.objects.get()
    assert response.status_code == 302 and response.url == f"/careplans/{plan.pk}/"
    assert [r.service_content for r in plan.service_rows.all()] == ["入浴介助"]
    assert plan.weekly_entries.get().content == "入浴介助" and plan.care_level == "22"
    page = client.get(f"/careplans/{plan.pk}/").content.decode()
    assert "原案" in page and "同意・確認用登録（本人に同意を依頼）" in page


def test_editor_errors_are_shown_in_japanese_and_nothing_is_saved(hanako, cast, login):
    response = login(cast["bob"]).post(
        f"/careplans/persons/{PERSON}/new/",
        editor_post(**{"rows-0-office_number": "", "weekly-0-ends_at": "09:00"}),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "保険給付対象のサービスには事業所を指定してください。" in page
    assert "終了時刻は開始時刻より後にしてください。" in page
    assert not CarePlan.objects.exists()
    # Every error is listed at the top, each a link to its field, saying which row.
    summary = page[
        page.index('class="error-summary"') : page.index("</div>", page.index('class="error-summary"'))
    ]
    assert 'href="#id_rows-0-office_number"' in summary and "第2表 1行目" in summary
    assert "保険給付対象のサービスには事業所を指定してください。" in summary
    assert 'href="#id_weekly-0-ends_at"' in summary


def test_a_row_can_name_a_registered_office_by_its_number_even_one_not_serving_the_person(
    hanako, cast, login
):
    client = login(cast["bob"])
    unknown = client.post(
        f"/careplans/persons/{PERSON}/new/",
        editor_post(**{"rows-0-office_number": "", "rows-0-office_number_other": "1370100099"}),
    )
    assert "この事業所番号の事業所は登録されていません。" in unknown.content.decode()
    response = client.post(
        f"/careplans/persons/{PERSON}/new/",
        editor_post(**{"rows-0-office_number": "", "rows-0-office_number_other": "１３７０１０００３２"}),
    )
    assert response.status_code == 302
    assert CarePlan.objects.get().service_rows.get().office_number == "1370100032"


def test_rows_are_added_without_saving_and_removed_when_saving(hanako, cast, login):
    client = login(cast["bob"])
    added = client.post(f"/careplans/persons/{PERSON}/new/", editor_post(add="rows"))
    assert added.status_code == 200 and not CarePlan.objects.exists()
    page = added.content.decode()
    assert 'name="rows-TOTAL_FORMS" value="3"' in page and 'name="rows-2-need"' in page
    assert "一人で入浴したい" in page  # what was typed stays
    response = client.post(
        f"/careplans/persons/{PERSON}/new/",
        editor_post(
            **{
                "rows-TOTAL_FORMS": "2",
                "rows-1-need": "削除する課題",
                "rows-1-insured": "",
                "rows-1-DELETE": "on",
            }
        ),
    )
    assert response.status_code == 302
    assert [r.need for r in CarePlan.objects.get().service_rows.all()] == ["一人で入浴したい"]


def test_providers_and_other_offices_cannot_write(hanako, cast, login, client):
    assert login(cast["carol"]).get(f"/careplans/persons/{PERSON}/new/").status_code == 403
    client.logout()
    assert (
        login(cast["oscar"]).get(f"/careplans/persons/{PERSON}/").status_code == 404
    )  # 番町: no relationship


def test_the_walk_from_draft_to_inbox_through_the_pages(hanako, cast, login, client, orgs):
    plan = draft(actor=_bob(cast), person=hanako)
    bob = login(cast["bob"])
    assert bob.post(f"/careplans/{plan.pk}/request_agreement/").status_code == 302
    client.logout()
    pia = login(cast["pia"])
    page = pia.get(f"/careplans/me/{hanako.pk}/").content.decode()
    assert f"/careplans/me/{hanako.pk}/plans/{plan.pk}/" in page
    assert "この計画に同意する" in pia.get(f"/careplans/me/{hanako.pk}/plans/{plan.pk}/").content.decode()
    asked = pia.post(f"/careplans/me/{hanako.pk}/plans/{plan.pk}/agree/")
    assert "このケアプランに同意しますか" in asked.content.decode()
    assert CarePlan.objects.get(pk=plan.pk).status == PlanStatus.FOR_CONSENT  # not without the answer
    agreed = pia.post(f"/careplans/me/{hanako.pk}/plans/{plan.pk}/agree/", {"confirmed": "1"})
    assert agreed.status_code == 302
    assert CarePlan.objects.get(pk=plan.pk).status == PlanStatus.AGREED
    client.logout()
    bob = login(cast["bob"])
    assert "交付用登録をしますか" in bob.post(f"/careplans/{plan.pk}/deliver/").content.decode()
    assert CarePlan.objects.get(pk=plan.pk).status == PlanStatus.AGREED  # not without the answer
    bob.post(f"/careplans/{plan.pk}/deliver/", {"confirmed": "1"})
    asked = bob.post(f"/careplans/{plan.pk}/send/", {"office_number": "1370100024"}).content.decode()
    assert "訪問介護ステーション九段 に送付しますか" in asked
    assert not CarePlan.objects.get(pk=plan.pk).deliveries.exists()  # not without the answer
    bob.post(f"/careplans/{plan.pk}/send/", {"office_number": "1370100024", "confirmed": "1"})
    assert CarePlan.objects.get(pk=plan.pk).deliveries.get().office == orgs["homon"]
    client.logout()
    carol = login(cast["carol"])
    inbox = carol.get("/careplans/inbox/").content.decode()
    assert "髙﨑 花子" in inbox and "未読" in inbox
    assert "入浴介助" in carol.get(f"/careplans/{plan.pk}/").content.decode()
    assert "既読" in carol.get("/careplans/inbox/").content.decode()


def _bob(cast):
    from .conftest import actor

    return actor(cast["bob"])


def test_paper_agreement_from_the_page(hanako, cast, login):
    plan = draft(actor=_bob(cast), person=hanako)
    login(cast["bob"]).post(f"/careplans/{plan.pk}/paper_agreement/", {"agreed_on": "2026-11-20"})
    plan.refresh_from_db()
    assert (plan.status, plan.agreement_method) == ("agreed", "paper")


def test_a_refused_action_is_explained(hanako, cast, login):
    plan = draft(actor=_bob(cast), person=hanako)
    response = login(cast["bob"]).post(f"/careplans/{plan.pk}/deliver/", follow=True)
    assert "この計画は「原案」のため、この操作はできません" in response.content.decode()


def test_the_person_does_not_see_drafts_and_others_do_not_see_the_persons_page(hanako, cast, login, client):
    plan = draft(actor=_bob(cast), person=hanako)
    pia = login(cast["pia"])
    assert "同意をお願いしている計画はありません。" in pia.get(f"/careplans/me/{hanako.pk}/").content.decode()
    assert pia.get(f"/careplans/me/{hanako.pk}/plans/{plan.pk}/").status_code == 404
    other = person(insurer=hanako.insurer)
    assert pia.get(f"/careplans/me/{other.pk}/").status_code == 404
    client.logout()
    assert login(cast["carol"]).get(f"/careplans/me/{hanako.pk}/").status_code == 403


def test_lists_have_empty_states_and_pages(hanako, cast, login):
    client = login(cast["carol"])
    assert "表示できるケアプランはありません。" in client.get("/careplans/").content.decode()
    assert "受信したケアプランはありません。" in client.get("/careplans/inbox/").content.decode()
    bob = _bob(cast)
    for _ in range(21):
        plan = delivered(actor=bob, person=person(insurer=hanako.insurer))
        CarePlan.objects.filter(pk=plan.pk).update(person=hanako)
    page = login(cast["bob"]).get("/careplans/").content.decode()
    assert "1 / 2 ページ" in page


def test_the_unit_pages_export_a_zip_import_it_and_report_a_bad_file(hanako, cast, login):
    delivered(actor=_bob(cast), person=hanako)
    bob = login(cast["bob"])
    page = bob.get("/careplans/units/").content.decode()
    assert "訪問介護ステーション九段（1370100024）" in page and "第1〜3表" in page
    response = bob.post(
        "/careplans/units/export/plans/", {"office_number": "1370100024", "service_type": "11"}
    )
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="KEIKAKU_1370100016_43_1370100024_11_'
    )
    body = response.content
    bob.logout()
    carol = login(cast["carol"])
    upload = SimpleUploadedFile("unit.zip", body)
    assert carol.post("/careplans/units/import/", {"files": [upload]}).status_code == 302
    inbox = carol.get("/careplans/inbox/").content.decode()
    assert "髙﨑 花子" in inbox
    bad = SimpleUploadedFile("UP1KYO_1370100016_43_1370100024_11_20261120100000.CSV", b"202407,131011\r\n")
    response = carol.post("/careplans/units/import/", {"files": [bad]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "何も取り込んでいません" in page and "項目数が2です" in page


def test_the_month_page_adds_planned_lines_and_the_provider_records_actuals(hanako, cast, login):
    bob = login(cast["bob"])
    url = f"/careplans/persons/{PERSON}/month/?month=2026-12"
    assert "この月の予定はまだありません。" in bob.get(url).content.decode()
    data = {
        "office_number": "1370100024",
        "service_code": "111211",
        "units": "387",
        "days": "2,9,16",
        "starts": "1000",
        "ends": "1100",
        "count": "1",
    }
    assert bob.post(url, data).status_code == 302
    page = bob.get(url).content.decode()
    assert "12月2日" in page and "1,161" in page and "未報告" in page  # 3 × 387 in 第7表
    assert "ポータルのサービスコード表にないコードがあります: 111211" in page
    bob.logout()
    carol = login(cast["carol"])
    page = carol.get(url).content.decode()
    ids = [part.split('"')[0] for part in page.split('name="count_')[1:]]
    assert len(ids) == 3
    action = f"/careplans/persons/{PERSON}/month/record_actuals/"
    counts = {f"count_{ids[0]}": "1", f"count_{ids[1]}": "0", f"count_{ids[2]}": "1", "month": "2026-12"}
    question = carol.post(action, counts)
    assert "今月の実績を記録しますか" in question.content.decode()
    assert not ServiceLine.objects.filter(kind=LineKind.ACTUAL).exists()  # asked, not yet recorded
    assert carol.post(action, {**counts, "confirmed": "1"}).status_code == 302
    carol.logout()
    page = login(cast["carol"]).get(url).content.decode()
    assert page.count('value="1"') >= 2
    login(cast["bob"])
    page = bob.get(url).content.decode()
    assert page.count("1回") == 2 and "なし" in page


def test_the_care_manager_deletes_a_planned_line_only_after_the_question(hanako, cast, login):
    bob = login(cast["bob"])
    url = f"/careplans/persons/{PERSON}/month/?month=2026-12"
    data = {"office_number": "1370100024", "service_code": "111211", "units": "387", "days": "2,9"}
    assert bob.post(url, {**data, "starts": "1000", "ends": "1100", "count": "1"}).status_code == 302
    first = ServiceLine.objects.filter(kind=LineKind.PLAN).order_by("day").first()
    action = f"/careplans/persons/{PERSON}/month/delete_line/"
    question = bob.post(action, {"line": first.pk, "month": "2026-12"}).content.decode()
    assert "予定を削除しますか" in question and "12月2日" in question
    assert ServiceLine.objects.filter(kind=LineKind.PLAN).count() == 2  # asked, nothing deleted
    response = bob.post(action, {"line": first.pk, "month": "2026-12", "confirmed": "1"})
    assert response.status_code == 302
    assert list(ServiceLine.objects.filter(kind=LineKind.PLAN).values_list("day__day", flat=True)) == [9]


def test_menus_and_person_links(hanako, cast, login, client):
    home = login(cast["carol"]).get("/").content.decode()
    assert "ケアプラン受信箱" in home and "LIFE の入力" in home
    page = client.get(f"/care/persons/{PERSON}/").content.decode()
    assert f"/careplans/persons/{PERSON}/" in page and f"/careplans/life/persons/{PERSON}/" in page
    client.logout()
    me = login(cast["pia"]).get("/me/").content.decode()
    assert f"/careplans/me/{hanako.pk}/" in me and f"/careplans/me/{hanako.pk}/life/" in me


def test_life_entry_chart_and_distribution(hanako, cast, login):
    client = login(cast["carol"])
    home = client.get("/careplans/life/").content.decode()
    assert "髙﨑 花子" in home and "Barthel Index の分布" in home
    data = {
        "month": "2026-10",
        **{f"barthel_{k}": v for k, v in FULL_BARTHEL.items()},
        "height_cm": "150",
        "weight_kg": "45",
        "risk": "low",
    }
    assert client.post(f"/careplans/life/persons/{PERSON}/new/", data).status_code == 302
    assessment = LifeAssessment.objects.get()
    assert (assessment.barthel_total, str(assessment.bmi)) == (100, "20.0")
    page = client.get(f"/careplans/life/persons/{PERSON}/").content.decode()
    assert (
        "<svg" in page
        and "令和8年10月（2026年10月）: Barthel 100" in page
        and "<caption>月ごとの評価" in page
    )


def test_life_entry_refuses_bad_items_on_the_form(hanako, cast, login):
    data = {"month": "2026-10", **{f"barthel_{k}": v for k, v in FULL_BARTHEL.items()}}
    data["barthel_feeding"] = ""
    response = login(cast["carol"]).post(f"/careplans/life/persons/{PERSON}/new/", data)
    assert response.status_code == 400 and "食事の点数を入力してください。" in response.content.decode()
    assert not LifeAssessment.objects.exists()


def test_life_pages_with_no_data_and_without_consent(hanako, cast, login, client):
    page = login(cast["pia"]).get(f"/careplans/me/{hanako.pk}/life/").content.decode()
    assert "評価はまだありません" in page and "LIFE の評価はまだありません。" in page
    client.logout()
    consent(hanako, ConsentStatus.WITHDRAWN, on=dt.date(2026, 11, 20))
    assert login(cast["carol"]).get(f"/careplans/life/persons/{PERSON}/").status_code == 403


def test_the_person_sees_their_life_chart(hanako, cast, login, carol):
    life_services.life_submit(actor=carol, person=hanako, month=dt.date(2026, 9, 1), barthel=FULL_BARTHEL)
    page = login(cast["pia"]).get(f"/careplans/me/{hanako.pk}/life/").content.decode()
    assert "<svg" in page and "令和8年9月（2026年9月）: Barthel 100" in page


def test_the_list_and_the_inbox_take_no_query_per_row(hanako, cast, login, orgs, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consent.tests.factories import relationship

    bob = _bob(cast)

    def counts() -> tuple[int, int]:
        out = []
        for user, url in ((cast["bob"], "/careplans/"), (cast["carol"], "/careplans/inbox/")):
            client = login(user)
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            out.append(len(queries))
        return tuple(out)

    def one_more() -> None:
        someone = person(insurer=hanako.insurer)
        relationship(orgs["kyotaku"], someone)
        relationship(orgs["homon"], someone)
        consent(someone, on=dt.date(2026, 4, 1))
        services.plan_send(actor=bob, plan=delivered(actor=bob, person=someone), office=orgs["homon"])

    one_more()
    counts()  # the first requests of a process set things up once (e.g. the access log's chain head)
    first = counts()
    for _ in range(4):
        one_more()
    assert counts() == first
