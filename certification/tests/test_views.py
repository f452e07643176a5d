"""Municipal screens and the office pages, through HTTP."""

import datetime as dt

import pytest
import time_machine

from certification.models import Application, StepKind, Survey
from consent.tests.factories import consent, relationship
from kaigo_portal.audit.models import AccessLogEntry

from .factories import COMPLETE_ANSWERS, application, through_panel

D = dt.date
pytestmark = pytest.mark.django_db
JST = dt.timezone(dt.timedelta(hours=9))


@pytest.fixture(autouse=True)
def _may():
    with time_machine.travel(dt.datetime(2026, 5, 2, 10, tzinfo=JST), tick=False):
        yield


def test_municipal_staff_receive_an_application_and_complete_steps(login, cast, uncertified):
    client = login(cast["alice"])
    response = client.post(
        "/certification/applications/new/",
        {
            "insured_number": uncertified.insured_number,
            "kind": "new",
            "applied_on": "2026-04-01",
            "physician_institution_name": "千代田内科クリニック",
            "physician_name": "千代田 一郎",
            "proxy_office_number": "1370100016",
            "consent_granted": "1",
        },
    )
    app = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/certification/applications/{app.pk}/"
    assert app.proxy_office.name == "ケアプランセンター神田"
    url = f"/certification/applications/{app.pk}/"
    response = client.post(
        url, {"action": "step", "step-kind": "primary_judgement", "step-completed_on": "2026-04-10"}
    )
    assert "「一次判定」の前に「調査票入手」「意見書入手」を完了してください。" in response.content.decode()
    assert (
        client.post(
            url, {"action": "step", "step-kind": "opinion_requested", "step-completed_on": "2026-04-02"}
        ).status_code
        == 302
    )
    page = client.get(url).content.decode()
    assert "期限超過" in page and "<svg" in page and "主治医意見書依頼" in page
    # The step list offers only the steps not yet done, the next that may be done first, dated today.
    step_select = page[
        page.index('name="step-kind"') : page.index("</select>", page.index('name="step-kind"'))
    ]
    assert 'value="opinion_requested"' not in step_select
    assert '<option value="survey_requested" selected>' in step_select
    assert 'name="step-completed_on" value="2026-05-02"' in page
    # 二次判定 has no default: 非該当 is never left in place.
    assert '<option value="" selected>選択してください</option>' in page
    # The application leads to its person and the person's opinions.
    assert f'href="/persons/131011/{uncertified.insured_number}/"' in page
    assert f'href="/opinions/persons/131011/{uncertified.insured_number}/"' in page


def test_the_secondary_judgement_is_asked_before_it_is_recorded(login, cast, uncertified):
    app = through_panel(application(person=uncertified, applied_on=D(2026, 4, 1)), on=D(2026, 4, 5))
    client = login(cast["alice"])
    url = f"/certification/applications/{app.pk}/"
    decision = {"action": "decide", "decide-care_level": "22", "decide-decided_on": "2026-04-28"}
    asked = client.post(url, decision).content.decode()
    assert "二次判定を登録しますか" in asked and "要介護2" in asked and "令和8年4月28日" in asked
    app.refresh_from_db()
    assert app.decided_on is None  # not without the answer
    assert client.post(url, {**decision, "confirmed": "1"}).status_code == 302
    app.refresh_from_db()
    assert (app.decided_on, app.care_level) == (D(2026, 4, 28), "22")


def test_the_application_list_flags_overdue_and_logs_the_persons_listed(login, cast, uncertified):
    application(person=uncertified, applied_on=D(2026, 4, 1))
    page = login(cast["alice"]).get("/certification/applications/").content.decode()
    assert (
        "期限超過" in page
        and "31日" in page
        and "申請から30日（申請日は数えません）を過ぎた申請: <strong>1件</strong>" in page
    )
    assert AccessLogEntry.objects.filter(
        category="certification_progress", insured_number=uncertified.insured_number
    ).exists()


def test_other_insurers_and_offices_are_refused_the_municipal_screens(login, cast, uncertified):
    app = application(person=uncertified, applied_on=D(2026, 4, 1))
    assert login(cast["hank"]).get(f"/certification/applications/{app.pk}/").status_code == 404
    assert (
        "審査中の申請はありません" in login(cast["hank"]).get("/certification/applications/").content.decode()
    )
    assert login(cast["bob"]).get("/certification/applications/").status_code == 403


def test_survey_entry_validates_against_the_form(login, cast, uncertified):
    app = application(person=uncertified, applied_on=D(2026, 4, 1))
    from certification import services

    services.step_complete(
        application=app, kind=StepKind.SURVEY_REQUESTED, completed_on=D(2026, 4, 2), by=None
    )
    client = login(cast["alice"])
    url = f"/certification/applications/{app.pk}/survey/"
    base = {"conducted_on": "2026-04-10", "investigator": "調査 太郎"}
    response = client.post(url, base)
    assert "1-3 寝返りを選択してください。" in response.content.decode()
    data = dict(base)
    for code, value in COMPLETE_ANSWERS.items():
        data[f"item_{code}"] = [str(v) for v in value] if isinstance(value, list) else str(value)
    data["note_1-2"] = "右膝に軽い拘縮"
    assert client.post(url, data).status_code == 302
    survey = Survey.objects.get()
    assert survey.answers == COMPLETE_ANSWERS and survey.notes == {"1-2": "右膝に軽い拘縮"}
    assert app.steps.filter(kind=StepKind.SURVEY_RECEIVED, completed_on=D(2026, 5, 2)).exists()


def test_a_care_manager_sees_the_timeline_and_the_survey_only_with_consent(login, cast, orgs, uncertified):
    app = through_panel(
        application(person=uncertified, applied_on=D(2026, 4, 1), consent_granted=False), on=D(2026, 4, 5)
    )
    Survey.objects.create(
        application=app, conducted_on=D(2026, 4, 4), investigator="調査 太郎", answers=COMPLETE_ANSWERS
    )
    url = f"/certification/persons/131011/{uncertified.insured_number}/"
    client = login(cast["bob"])
    assert client.get(url).status_code == 404
    relationship(orgs["kyotaku"], uncertified)
    page = client.get(url).content.decode()
    assert "<svg" in page and "30日" in page and "審査会割付" in page and "期限超過" in page
    survey_url = f"/certification/applications/{app.pk}/survey/view/"
    assert client.get(survey_url).status_code == 403
    consent(uncertified, on=D(2026, 5, 2))
    assert "麻痺等の有無" in client.get(survey_url).content.decode()
    relationship(orgs["homon"], uncertified)
    assert login(cast["carol"]).get(url).status_code in (403, 404)
    assert login(cast["carol"]).get(survey_url).status_code in (403, 404)


def test_the_care_managers_person_page_leads_to_the_progress_and_the_survey_and_back(
    login, cast, orgs, uncertified
):
    """By links alone: the person's page → 認定審査の進捗 (and 認定調査票) → the survey; and back."""
    app = through_panel(application(person=uncertified, applied_on=D(2026, 4, 1)), on=D(2026, 4, 5))
    Survey.objects.create(
        application=app, conducted_on=D(2026, 4, 4), investigator="調査 太郎", answers=COMPLETE_ANSWERS
    )
    relationship(orgs["kyotaku"], uncertified)
    consent(uncertified, on=D(2026, 5, 2))
    client = login(cast["bob"])
    person_url = f"/care/persons/131011/{uncertified.insured_number}/"
    progress_url = f"/certification/persons/131011/{uncertified.insured_number}/"
    page = client.get(person_url).content.decode()
    for section in ("section-certification_progress", "section-survey"):
        part = page[page.index(f'id="{section}"') :]
        part = part[: part.index("</section>")]
        assert f'href="{progress_url}"' in part and "表示できる情報はまだありません" not in part, section
    progress = client.get(progress_url).content.decode()
    assert f'href="/certification/applications/{app.pk}/survey/view/"' in progress
    assert f'href="{person_url}"' in progress  # the way back
    survey = client.get(f"/certification/applications/{app.pk}/survey/view/").content.decode()
    assert "麻痺等の有無" in survey and f'href="{progress_url}"' in survey


def test_the_survey_pdf_embeds_ipaex_and_shows_the_answers(login, cast, uncertified, tmp_path):
    from conftest import pdf_fonts, pdf_text

    app = application(person=uncertified, applied_on=D(2026, 4, 1))
    Survey.objects.create(
        application=app,
        conducted_on=D(2026, 4, 4),
        investigator="調査 太郎",
        answers=COMPLETE_ANSWERS,
        notes={"1-7": "屋内は伝い歩き。"},
    )
    response = login(cast["alice"]).get(f"/certification/applications/{app.pk}/survey.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "認定調査票" in text and "肩関節、膝関節" in text and "屋内は伝い歩き。" in text and "A1" in text
    assert "IPAex" in pdf_fonts(response.content, tmp_path)
    assert AccessLogEntry.objects.filter(category="survey", channel="pdf").exists()
    assert login(cast["hank"]).get(f"/certification/applications/{app.pk}/survey.pdf").status_code == 404


def test_the_dashboard_shows_counts_by_step_and_the_chart(login, cast, uncertified):
    application(person=uncertified, applied_on=D(2026, 4, 1))
    page = login(cast["alice"]).get("/certification/applications/").content.decode()
    assert "<li>認定調査依頼: 1件</li>" in page and "中央値と90パーセンタイル" in page


def test_a_survey_is_imported_as_json_with_the_same_validation(login, cast, uncertified):
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    from certification import services

    app = application(person=uncertified, applied_on=D(2026, 4, 1))
    services.step_complete(
        application=app, kind=StepKind.SURVEY_REQUESTED, completed_on=D(2026, 4, 2), by=None
    )
    client = login(cast["alice"])
    url = f"/certification/applications/{app.pk}/survey/"
    bad = {
        "conducted_on": "2026-04-10",
        "investigator": "調査 太郎",
        "answers": {**COMPLETE_ANSWERS, "2-3": 4},
    }
    upload = SimpleUploadedFile("chosa.json", json.dumps(bad).encode(), content_type="application/json")
    page = client.post(url, {"document": upload}, follow=True).content.decode()
    assert "2-3: 2-3 えん下の選択肢が正しくありません。" in page and not Survey.objects.exists()
    good = {**bad, "answers": COMPLETE_ANSWERS, "notes": {"2-3": "むせ込みあり"}}
    upload = SimpleUploadedFile("chosa.json", json.dumps(good).encode(), content_type="application/json")
    assert client.post(url, {"document": upload}).status_code == 302
    assert Survey.objects.get().notes == {"2-3": "むせ込みあり"}


def test_the_person_sees_their_own_applications(login, uncertified, orgs):
    from consent.tests.factories import person_user

    application(person=uncertified, applied_on=D(2026, 4, 1))
    other = application(person=ef_person(orgs), applied_on=D(2026, 4, 3))
    client = login(person_user("hanako@example.jp", uncertified))
    page = client.get("/certification/progress/").content.decode()
    assert uncertified.name in page and "期限超過" in page and "令和8年4月3日" not in page
    assert client.get(f"/certification/persons/131011/{uncertified.insured_number}/").status_code == 200
    assert client.get(f"/certification/persons/131011/{other.person.insured_number}/").status_code == 404


def ef_person(orgs):
    from eligibility.tests import factories as ef

    return ef.person(insurer=orgs["chiyoda"], name="別人 次郎")


def test_the_extension_and_result_notices_as_pdf(login, cast, uncertified, tmp_path):
    from certification import services
    from conftest import pdf_fonts, pdf_text
    from eligibility.models import CareLevel

    client = login(cast["alice"])
    early = application(person=uncertified, applied_on=D(2026, 4, 20))
    assert client.get(f"/certification/applications/{early.pk}/notice.pdf").status_code == 302
    Application.objects.filter(pk=early.pk).update(applied_on=D(2026, 4, 1))
    response = client.get(f"/certification/applications/{early.pk}/notice.pdf")
    text = pdf_text(response.content)
    assert "要介護認定等延期通知書" in text and "令和8年5月1日" in text
    assert "IPAex" in pdf_fonts(response.content, tmp_path)
    through_panel(early, on=D(2026, 4, 20))
    services.application_decide(
        application=early, care_level=CareLevel.KAIGO1, decided_on=D(2026, 5, 2), by=None
    )
    text = pdf_text(client.get(f"/certification/applications/{early.pk}/notice.pdf").content)
    assert "要介護認定等結果通知書" in text and "要介護1" in text
    assert login(cast["hank"]).get(f"/certification/applications/{early.pk}/notice.pdf").status_code == 404


def test_the_application_list_reads_in_a_bounded_number_of_queries(
    login, cast, orgs, django_assert_max_num_queries
):
    from eligibility.tests import factories as ef

    persons = [ef.person(insurer=orgs["chiyoda"]) for _ in range(6)]
    for person in persons:
        application(person=person, applied_on=D(2026, 4, 1))
    client = login(cast["alice"])
    client.get("/certification/applications/")  # warm the session and the caches
    with django_assert_max_num_queries(25):
        assert (
            client.get("/certification/applications/").content.decode().count("期限超過") == 6
        )  # one per row


def test_the_overview_is_entered_on_the_screen_and_checked(login, cast, uncertified):
    from certification import services

    app = application(person=uncertified, applied_on=D(2026, 4, 1))
    services.step_complete(
        application=app, kind=StepKind.SURVEY_REQUESTED, completed_on=D(2026, 4, 2), by=None
    )
    client = login(cast["alice"])
    url = f"/certification/applications/{app.pk}/survey/"
    data = {
        "conducted_on": "2026-04-10",
        "investigator": "調査 太郎",
        "overview_previous": "2",
        "overview_services": "通所介護 週2回",
    }
    for code, value in COMPLETE_ANSWERS.items():
        data[f"item_{code}"] = [str(v) for v in value] if isinstance(value, list) else str(value)
    page = client.post(url, data).content.decode()
    assert "2回目以降の申請では前回認定日を入力してください。" in page and not Survey.objects.exists()
    assert client.post(url, {**data, "overview_previous_certified_on": "2025-04-01"}).status_code == 302
    assert Survey.objects.get().overview == {
        "previous": 2,
        "previous_certified_on": "2025-04-01",
        "services": "通所介護 週2回",
    }
