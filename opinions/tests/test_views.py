"""The pages, through the policy: the clinic's queue and form, past opinions, the municipality's queue,
receipt and paper route; and the refusals (another clinic, a provider that is not a care manager, a care
manager without consent), each logged."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from certification.models import StepKind
from conftest import make_user
from consent import services as consent_services
from consent.tests.factories import consent, more_offices, relationship
from kaigo_portal.accounts.models import Role
from kaigo_portal.audit.models import AccessLogEntry
from kaigo_portal.wareki import to_wareki_with_seireki
from opinions.models import Opinion, OpinionStatus, RequestStatus, Route

from . import factories
from .factories import document, opinion_request, submitted
from .test_services import blank_pdf


def last_log():
    return AccessLogEntry.objects.order_by("-id").first()


def test_the_clinic_queue_lists_its_requests_and_logs_each_person_once(
    request_, login, cast, orgs, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(cast["dan"])
    client.get("/opinions/requests/")  # the first read of a process sets up the log's chain head
    with CaptureQueriesContext(connection) as one_row:
        client.get("/opinions/requests/")
    for n in range(3):
        opinion_request(
            person=factories.person(insurer=orgs["chiyoda"], name=f"依頼 {n}"), clinic=orgs["clinic"]
        )
    before = AccessLogEntry.objects.count()
    with django_assert_num_queries(len(one_row)):  # no query per row
        response = client.get("/opinions/requests/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "意見 花子" in page and "依頼（4件）" in page
    assert AccessLogEntry.objects.count() - before == 4
    assert set(AccessLogEntry.objects.order_by("-id")[:4].values_list("category", "reason")) == {
        ("eligibility", "opinion_request")
    }
    searched = client.post("/opinions/requests/", {"q": "依頼"})
    assert (
        searched.status_code == 302 and "依頼" not in searched["Location"]
    )  # the term is held, not in the URL
    assert "意見 花子" not in client.get("/opinions/requests/").content.decode()
    assert (
        "該当する依頼はありません" in client.get("/opinions/requests/", {"tab": "overdue"}).content.decode()
    )


def test_the_clinic_writes_a_draft_section_by_section_and_submits(request_, login, cast):
    client = login(cast["dan"])
    url = f"/opinions/requests/{request_.pk}/write/"
    page = client.get(url).content.decode()
    assert "意見 花子" in page and 'value="1310112345"' in page  # prefilled from the request
    post = form_post(document(request_))
    post["mental_physical.eating"] = ""
    response = client.post(url, {**post, "action": "save:mental_physical"})
    assert "食事行為を入力してください。" in response.content.decode()
    draft = Opinion.objects.get()
    assert draft.status == OpinionStatus.DRAFT
    autosave = client.post(url, {**post, "action": "autosave"})
    assert autosave.json()["issues"] == 1
    refused = client.post(url, {**post, "action": "submit"})
    assert "提出できません" in refused.content.decode()
    post["mental_physical.eating"] = "1"
    asked = client.post(url, {**post, "action": "submit"})
    assert (
        "意見書を提出しますか" in asked.content.decode() and "変更できなくなります" in asked.content.decode()
    )
    assert Opinion.objects.get().status == OpinionStatus.DRAFT  # the question alone submits nothing
    done = client.post(url, {**post, "action": "submit", "confirmed": "1"})
    assert done.status_code == 302
    opinion = Opinion.objects.get()
    assert (opinion.status, opinion.route, opinion.submitted_by) == (
        OpinionStatus.SUBMITTED,
        Route.WEB,
        cast["dan"],
    )
    expected = document(request_)
    expected["special_medical"] = {"special_care": [1]}  # the page sends no empty lists
    del expected["mental_physical"]["bpsd"]
    assert opinion.document == expected


def form_post(doc: dict) -> dict:
    """The web form's POST for a document (names are the document's paths)."""
    from opinions import form

    out: dict = {}
    for spec in form.FIELDS:
        value = form.get(doc, spec.path)
        if value is None:
            continue
        if spec.kind == "multi":
            out[spec.path] = [str(v) for v in value]
        elif spec.kind == "bool":
            if value:
                out[spec.path] = "on"
        else:
            out[spec.path] = str(value)
    for index, item in enumerate(doc["diagnoses"]["items"]):
        for key, value in item.items():
            out[f"diagnoses.items.{index}.{key}"] = str(value)
    return out


def test_the_clinic_sees_its_past_opinions_and_starts_a_correction(request_, login, cast):
    opinion = submitted(request_, by=cast["dan"])
    client = login(cast["cathy"])
    assert "意見 花子" in client.get("/opinions/written/").content.decode()
    detail = client.get(f"/opinions/{opinion.pk}/").content.decode()
    assert "訂正版を作成" in detail and "電子署名なし" in detail
    main = detail[detail.index("<main") : detail.index("</main>")]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", main)  # 和暦 with 西暦, never ISO
    assert to_wareki_with_seireki(dt.date.fromisoformat(opinion.document["basic"]["written_on"])) in main
    response = client.post(f"/opinions/{opinion.pk}/correct/", {"correction_reason": "体重の誤記"})
    assert response.status_code == 302 and response["Location"] == f"/opinions/requests/{request_.pk}/write/"
    assert "体重の誤記" in client.get(response["Location"]).content.decode()


def test_another_clinic_is_refused_and_it_is_logged(request_, login):
    opinion = submitted(request_)
    other = make_user("doc-b@example.jp", org=more_offices()["clinic_b"], role=Role.CLINIC_DOCTOR)
    client = login(other)
    assert client.get(f"/opinions/{opinion.pk}/").status_code == 404
    assert (last_log().outcome, last_log().reason) == ("denied", "clinic_no_grant")
    assert client.get(f"/opinions/requests/{request_.pk}/write/").status_code == 404
    assert "意見 花子" not in client.get("/opinions/written/").content.decode()
    assert client.get(f"/opinions/{opinion.pk}/opinion.pdf").status_code == 404


def test_a_provider_that_is_not_a_care_manager_is_refused_even_with_consent(request_, login, cast, orgs):
    opinion = submitted(request_)
    relationship(orgs["homon"], request_.person)
    client = login(cast["carol"])
    assert client.get(f"/opinions/{opinion.pk}/").status_code == 403
    assert (last_log().reason, last_log().category) == ("care_managers_only", "opinion")
    person_url = f"/opinions/persons/131011/{request_.person.insured_number}/"
    assert client.get(person_url).status_code == 403


def test_a_care_manager_reads_with_a_relationship_and_consent_but_not_without_consent(
    request_, login, cast, orgs
):
    opinion = submitted(request_)
    relationship(orgs["kyotaku"], request_.person, by=cast["bob"])
    client = login(cast["bob"])
    assert client.get(f"/opinions/{opinion.pk}/").status_code == 200  # the application recorded consent
    assert (last_log().reason, last_log().purpose) == ("relationship", "care_management")
    page = client.get(f"/opinions/persons/131011/{request_.person.insured_number}/").content.decode()
    assert f"/opinions/{opinion.pk}/" in page
    consent_services.consent_withdraw(person=request_.person, by=cast["alice"], source="paper")
    assert client.get(f"/opinions/{opinion.pk}/").status_code == 403
    assert (last_log().outcome, last_log().reason) == ("denied", "no_consent")


def test_a_draft_is_only_the_clinics(request_, login, cast, orgs):
    from opinions import services

    draft = services.draft_save(
        request=request_, document=document(request_), clinic=orgs["clinic"], by=cast["dan"]
    )
    assert login(cast["alice"]).get(f"/opinions/{draft.pk}/").status_code == 404


def test_the_municipality_receives_from_its_queue_completing_the_step(request_, login, cast):
    opinion = submitted(request_)
    client = login(cast["alice"])
    queue = client.get("/opinions/inbox/").content.decode()
    assert "意見 花子" in queue and "未受付の意見書: <strong>1件</strong>" in queue
    assert client.post(f"/opinions/{opinion.pk}/receive/").status_code == 302
    assert request_.application.steps.filter(kind=StepKind.OPINION_RECEIVED).exists()
    assert "意見 花子" in client.get("/opinions/inbox/", {"tab": "received"}).content.decode()
    assert login(cast["hank"]).get(f"/opinions/{opinion.pk}/").status_code == 404  # another insurer


def test_the_municipality_records_a_paper_opinion_with_its_scan(request_, login, cast):
    client = login(cast["alice"])
    overdue_page = client.get("/opinions/inbox/", {"tab": "open"}).content.decode()
    assert f"/opinions/inbox/requests/{request_.pk}/paper/" in overdue_page
    scan = io.BytesIO(blank_pdf())
    scan.name = "scan.pdf"
    response = client.post(
        f"/opinions/inbox/requests/{request_.pk}/paper/",
        {"scan": scan, "received_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.route == Route.PAPER
    detail = client.get(response["Location"]).content.decode()
    assert "紙" in detail and "スキャンしたPDF" in detail
    assert client.get(f"/opinions/{opinion.pk}/attachment.pdf").status_code == 200
    request_.refresh_from_db()
    assert request_.status == RequestStatus.RECEIVED


def test_a_renamed_png_is_refused_on_the_paper_page(request_, login, cast):
    from .test_pdfcheck import png_named_pdf

    scan = io.BytesIO(png_named_pdf())
    scan.name = "scan.pdf"
    response = login(cast["alice"]).post(
        f"/opinions/inbox/requests/{request_.pk}/paper/",
        {"scan": scan, "received_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200 and "PDFファイルではありません" in response.content.decode()
    assert not Opinion.objects.exists()


@pytest.mark.parametrize(
    ("user", "url"),
    [
        ("bob", "/opinions/requests/"),
        ("alice", "/opinions/written/"),
        ("dan", "/opinions/inbox/"),
    ],
)
def test_pages_refuse_other_roles(cast, login, user, url):
    assert login(cast[user]).get(url).status_code == 403


def test_the_menu_shows_the_entries_by_role(cast, login):
    assert "意見書の依頼一覧" in login(cast["dan"]).get("/").content.decode()
    assert "意見書の受付" in login(cast["alice"]).get("/").content.decode()


def test_consent_is_needed_for_a_care_manager_without_any(orgs, login, cast):

    person = factories.person(insurer=orgs["chiyoda"])
    request = opinion_request(person=person, clinic=orgs["clinic"], consent_granted=None)
    opinion = submitted(request)
    relationship(orgs["kyotaku"], person)
    assert login(cast["bob"]).get(f"/opinions/{opinion.pk}/").status_code == 403
    consent(person)
    assert login(cast["bob"]).get(f"/opinions/{opinion.pk}/").status_code == 200


def test_the_office_person_page_links_to_the_opinions_when_the_policy_shows_them(request_, login, cast, orgs):
    submitted(request_)
    relationship(orgs["kyotaku"], request_.person, by=cast["bob"])
    number = request_.person.insured_number
    page = login(cast["bob"]).get(f"/care/persons/131011/{number}/").content.decode()
    assert f'href="/opinions/persons/131011/{number}/"' in page
    page = login(cast["olive"]).get(f"/care/persons/131011/{number}/").content.decode()  # not a care manager
    assert f"/opinions/persons/131011/{number}/" not in page


def test_the_reminder_runs_daily_from_the_beat_schedule():
    from kaigo_portal.celery import app

    entry = app.conf.beat_schedule["opinions-overdue-reminders"]
    assert entry["task"] == "opinions.tasks.send_overdue_reminders"


def test_the_municipal_queue_pages_and_searches(orgs, login, cast, monkeypatch):
    from opinions import selectors

    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    for n in range(5):
        submitted(
            opinion_request(
                person=factories.person(insurer=orgs["chiyoda"], name=f"頁 {n}"), clinic=orgs["clinic"]
            )
        )
    client = login(cast["alice"])
    first = client.get("/opinions/inbox/").content.decode()
    assert "1 / 3 ページ（全5件）" in first and "頁 0" in first and "頁 2" not in first
    assert "頁 4" in client.get("/opinions/inbox/", {"page": 3}).content.decode()
    found = client.get(client.post("/opinions/inbox/", {"q": "頁 3"})["Location"]).content.decode()
    assert "頁 3" in found and "頁 1" not in found


def test_a_clinic_that_wrote_another_opinion_on_the_person_is_refused_this_one_and_it_is_logged(
    request_, login, cast
):
    from opinions import services

    clinic_b = more_offices()["clinic_b"]
    doctor_b = make_user("doc-b@example.jp", org=clinic_b, role=Role.CLINIC_DOCTOR)
    mine = submitted(request_)  # 千代田内科クリニック's
    # clinic B answered an earlier request about the same person.
    earlier = opinion_request(person=factories.person(insurer=request_.insurer, name="別人"), clinic=clinic_b)
    theirs = services.opinion_submit(
        request=earlier, document=document(earlier), clinic=clinic_b, route=Route.WEB
    )
    Opinion.objects.filter(pk=theirs.pk).update(person=request_.person)  # same person, another application
    client = login(doctor_b)
    assert client.get(f"/opinions/{theirs.pk}/").status_code == 200
    assert client.get(f"/opinions/{mine.pk}/").status_code == 404
    assert (last_log().outcome, last_log().reason) == ("denied", "clinic_no_grant")


def test_without_weasyprint_the_opinion_pdf_is_503_and_no_read_is_logged(request_, login, cast, monkeypatch):
    from eligibility import pdf as eligibility_pdf

    opinion = submitted(request_, by=cast["dan"])
    before = AccessLogEntry.objects.count()
    monkeypatch.setattr(eligibility_pdf, "_weasyprint", lambda: (None, "OSError: no Pango"))
    response = login(cast["alice"]).get(f"/opinions/{opinion.pk}/opinion.pdf")
    assert response.status_code == 503
    assert AccessLogEntry.objects.count() == before  # no PDF was made, so no PDF read is logged
