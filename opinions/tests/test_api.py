"""The opinions API: an EHR submits (JSON, or multipart with a PDF and a detached signature); the insurer's
system pulls submitted opinions by cursor and acknowledges each, idempotently, within its own insurer."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from certification.models import StepKind
from consent.tests.factories import more_offices
from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.accounts.services import api_key_create
from kaigo_portal.audit.models import AccessLogEntry
from opinions.models import Opinion, Route

from . import factories
from .factories import document, opinion_request, submitted
from .test_services import blank_pdf

URL = "/api/v1/opinions/"


def client_for(org, scope=ApiScope.OPINIONS) -> APIClient:
    _key, raw = api_key_create(organisation=org, scope=scope, name="電子カルテ", by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def as_bytes(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()


def test_an_ehr_submits_the_json_document_and_it_is_logged(request_, orgs):
    body = as_bytes(document(request_))
    response = client_for(orgs["clinic"]).post(URL, body, content_type="application/json")
    assert response.status_code == 201, response.json()
    opinion = Opinion.objects.get()
    assert response.json() == {
        "id": opinion.pk,
        "request_id": request_.pk,
        "version": 1,
        "insurer_number": "131011",
        "insured_number": request_.person.insured_number,
        "route": "api",
        "route_name": "電子カルテ等",
        "status": "submitted",
        "form_version": "2026-04",
        "correction_reason": "",
        "signature": {"status": "none", "label": "電子署名: 電子署名なし", "signer": ""},
        "has_pdf": False,
        "submitted_at": opinion.submitted_at.isoformat(),
        "received_at": None,
        "acknowledged_at": None,
        "sequence": 1,
        "document": document(request_),
    }
    assert bytes(opinion.source) == body
    row = AccessLogEntry.objects.order_by("-id").first()
    assert (row.category, row.purpose, row.channel, row.outcome, row.reason) == (
        "opinion",
        "opinion_writing",
        "api",
        "granted",
        "opinion_author",
    )


def test_invalid_documents_are_refused_with_paths_codes_and_japanese_messages(request_, orgs):
    doc = document(request_)
    del doc["mental_physical"]["eating"]
    doc["diagnoses"]["items"][0]["onset"] = "2024-02-30"
    response = client_for(orgs["clinic"]).post(URL, as_bytes(doc), content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "opinion.invalid",
            "message": "意見書の内容に誤りがあります（2件）。",
            "fields": {
                "mental_physical.eating": ["食事行為を入力してください。"],
                "diagnoses.items.0.onset": [
                    "発症年月日はYYYY-MM-DD、YYYY-MM またはYYYYの形式で入力してください。"
                ],
            },
            "issues": [
                {
                    "path": "mental_physical.eating",
                    "code": "required",
                    "message": "食事行為を入力してください。",
                },
                {
                    "path": "diagnoses.items.0.onset",
                    "code": "date",
                    "message": "発症年月日はYYYY-MM-DD、YYYY-MM またはYYYYの形式で入力してください。",
                },
            ],
        }
    }
    bad_json = client_for(orgs["clinic"]).post(URL, b"{not json", content_type="application/json")
    assert (bad_json.status_code, bad_json.json()["error"]["code"]) == (400, "opinion.json")


def test_another_clinic_cannot_submit_for_a_request_it_did_not_get(request_):
    other = more_offices()["clinic_b"]
    doc = document(request_)
    doc["basic"]["physician"]["medical_institution_code"] = other.medical_institution_code
    for extra in ({}, {"request_id": request_.pk}):
        if extra:
            response = client_for(other).post(
                URL, {"document": SimpleUploadedFile("o.json", as_bytes(doc)), **extra}, format="multipart"
            )
        else:
            response = client_for(other).post(URL, as_bytes(doc), content_type="application/json")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "opinion.not_requested"
    assert not Opinion.objects.exists()


def test_a_multipart_submission_with_a_pdf_and_a_good_signature_is_verified(request_, orgs, pki):
    body = as_bytes(document(request_))
    response = client_for(orgs["clinic"]).post(
        URL,
        {
            "document": SimpleUploadedFile("opinion.json", body, "application/json"),
            "pdf": SimpleUploadedFile("opinion.pdf", blank_pdf(), "application/pdf"),
            "signature": SimpleUploadedFile(
                "opinion.p7s", pki.sign(body, pki.doctor_rsa), "application/pkcs7-signature"
            ),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["signature"]["label"] == "電子署名: 検証済み"
    assert response.json()["has_pdf"] is True
    opinion = Opinion.objects.get()
    assert opinion.attachment.read()[:5] == b"%PDF-"


def test_a_signature_from_an_unknown_ca_is_accepted_as_cannot_be_verified(request_, orgs, pki):
    body = as_bytes(document(request_))
    response = client_for(orgs["clinic"]).post(
        URL,
        {
            "document": SimpleUploadedFile("opinion.json", body),
            "signature": SimpleUploadedFile("o.p7s", pki.sign(body, pki.stranger, chain=(pki.unknown_ca,))),
        },
        format="multipart",
    )
    assert response.status_code == 201
    assert response.json()["signature"]["label"] == "電子署名: 検証できません"


def test_a_bad_signature_is_refused_and_nothing_is_stored(request_, orgs, pki):
    body = as_bytes(document(request_))
    signed_other = pki.sign(body.replace(b"\n", b"\r\n"), pki.doctor_rsa)
    response = client_for(orgs["clinic"]).post(
        URL,
        {
            "document": SimpleUploadedFile("opinion.json", body),
            "signature": SimpleUploadedFile("o.p7s", signed_other),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "signature.digest_mismatch",
        "message": "電子署名が送信された意見書（JSON）と一致しません。",
        "fields": {"signature": ["電子署名が送信された意見書（JSON）と一致しません。"]},
    }
    assert not Opinion.objects.exists()


def test_a_renamed_png_is_refused_as_the_pdf(request_, orgs):
    from .test_pdfcheck import png_named_pdf

    response = client_for(orgs["clinic"]).post(
        URL,
        {
            "document": SimpleUploadedFile("opinion.json", as_bytes(document(request_))),
            "pdf": SimpleUploadedFile("opinion.pdf", png_named_pdf(), "application/pdf"),
        },
        format="multipart",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "opinion.pdf_not_pdf")
    assert response.json()["error"]["fields"] == {
        "pdf": ["PDFファイルではありません（内容がPDFの形式ではありません）。"]
    }


@pytest.mark.parametrize(
    ("make", "code"),
    [("open_action_js", "opinion.pdf_javascript"), ("encrypted", "opinion.pdf_encrypted")],
)
def test_a_pdf_with_javascript_or_a_password_is_refused_and_nothing_is_kept(request_, orgs, make, code):
    """Hostile input (issue 18): through the API as an EHR sends it, not only the checker alone."""
    from . import test_pdfcheck

    def encrypted(writer):
        writer.encrypt("secret")

    build = encrypted if make == "encrypted" else getattr(test_pdfcheck, make)
    response = client_for(orgs["clinic"]).post(
        URL,
        {
            "document": SimpleUploadedFile("opinion.json", as_bytes(document(request_))),
            "pdf": SimpleUploadedFile("opinion.pdf", test_pdfcheck.pdf(build), "application/pdf"),
        },
        format="multipart",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, code)
    assert not Opinion.objects.exists()


def test_keys_of_other_scopes_and_users_are_refused(request_, orgs, cast, client):
    read_key = client_for(orgs["clinic"], scope=ApiScope.READ)
    assert read_key.get(URL, {"status": "submitted"}).status_code == 403
    client.force_login(cast["alice"])
    assert client.get(URL, {"status": "submitted"}).status_code == 403
    assert (
        client_for(orgs["clinic"]).get(URL, {"status": "submitted"}).status_code == 403
    )  # clinics do not pull
    assert client_for(orgs["chiyoda"]).post(URL, b"{}", content_type="application/json").status_code == 403


# --- the pull API -----------------------------------------------------------------------------------


@pytest.fixture
def five_submitted(orgs):
    out = []
    for n in range(5):
        person = factories.person(insurer=orgs["chiyoda"], name=f"取込 {n}")
        out.append(submitted(opinion_request(person=person, clinic=orgs["clinic"])))
    return out


def test_the_insurer_pulls_by_cursor_in_submission_order_without_gaps_or_repeats(five_submitted, orgs):
    system = client_for(orgs["chiyoda"])
    seen, cursor, pages = [], None, 0
    while True:
        params = {"status": "submitted", "limit": 2} | ({"cursor": cursor} if cursor else {})
        response = system.get(URL, params)
        assert response.status_code == 200
        body = response.json()
        seen += [o["id"] for o in body["results"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [o.pk for o in five_submitted]
    rows = AccessLogEntry.objects.filter(channel="api", category="opinion", purpose="insurer_administration")
    assert rows.count() == 5


def test_a_late_submission_is_not_missed_by_a_cursor_already_past_older_drafts(five_submitted, orgs, cast):
    system = client_for(orgs["chiyoda"])
    early = opinion_request(person=factories.person(insurer=orgs["chiyoda"]), clinic=orgs["clinic"])
    from opinions import services

    services.draft_save(
        request=early, document=document(early), clinic=orgs["clinic"], by=cast["dan"]
    )  # id made now
    first = system.get(URL, {"status": "submitted", "limit": 5}).json()
    assert first["next_cursor"] is None
    late = submitted(early)  # submitted after the system has read everything
    cursor = first["results"][-1]["sequence"]
    from opinions.selectors import encode_cursor

    again = system.get(URL, {"status": "submitted", "cursor": encode_cursor(cursor)}).json()
    assert [o["id"] for o in again["results"]] == [late.pk]


def test_acknowledge_is_idempotent_completes_the_step_and_drops_it_from_the_list(five_submitted, orgs):
    system = client_for(orgs["chiyoda"])
    target = five_submitted[0]
    first = system.post(f"{URL}{target.pk}/acknowledge/")
    second = system.post(f"{URL}{target.pk}/acknowledge/")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["acknowledged_at"] is not None and first.json()["received_at"] is not None
    assert target.request.application.steps.filter(kind=StepKind.OPINION_RECEIVED).count() == 1
    listed = [o["id"] for o in system.get(URL, {"status": "submitted"}).json()["results"]]
    assert target.pk not in listed and len(listed) == 4


def test_another_insurer_neither_lists_nor_acknowledges(five_submitted, orgs):
    hitachi = client_for(orgs["hitachi"])
    assert hitachi.get(URL, {"status": "submitted"}).json() == {"results": [], "next_cursor": None}
    response = hitachi.post(f"{URL}{five_submitted[0].pk}/acknowledge/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert Opinion.objects.filter(acknowledged_at__isnull=False).count() == 0


def test_bad_query_parameters_say_what_is_wrong(orgs):
    system = client_for(orgs["chiyoda"])
    assert system.get(URL).json()["error"]["code"] == "opinion.status_param"
    assert (
        system.get(URL, {"status": "submitted", "cursor": "!!"}).json()["error"]["code"] == "opinion.cursor"
    )


def test_paper_opinions_are_not_pulled(request_, orgs, cast):
    from django.utils import timezone

    from opinions import services

    services.paper_record(
        request=request_, scan=blank_pdf(), received_on=timezone.localdate(), by=cast["alice"]
    )
    assert Opinion.objects.get().route == Route.PAPER
    assert client_for(orgs["chiyoda"]).get(URL, {"status": "submitted"}).json()["results"] == []


def test_the_detail_shows_the_history_to_the_insurer(request_, orgs):
    first = submitted(request_)
    from opinions import services

    services.opinion_submit(
        request=request_,
        document=document(request_),
        clinic=orgs["clinic"],
        route=Route.API,
        corrects=first,
        correction_reason="誤記訂正",
    )
    body = client_for(orgs["chiyoda"]).get(f"{URL}{first.pk}/").json()
    assert [(h["version"], h["correction_reason"]) for h in body["history"]] == [(1, ""), (2, "誤記訂正")]
    assert client_for(orgs["hitachi"]).get(f"{URL}{first.pk}/").status_code == 404


def test_the_authoring_clinic_reads_its_opinion_and_another_clinic_cannot(request_, orgs):
    opinion = submitted(request_)
    assert client_for(orgs["clinic"]).get(f"{URL}{opinion.pk}/").json()["id"] == opinion.pk
    other = client_for(more_offices()["clinic_b"]).get(f"{URL}{opinion.pk}/")
    assert (other.status_code, other.json()["error"]["code"]) == (404, "not_found")
    row = AccessLogEntry.objects.order_by("-id").first()
    assert (row.outcome, row.reason, row.channel) == ("denied", "clinic_no_grant", "api")


def test_an_11_mb_pdf_is_refused_before_it_is_read(request_, orgs):
    from .test_pdfcheck import eleven_megabytes

    response = client_for(orgs["clinic"]).post(
        URL,
        {
            "document": SimpleUploadedFile("opinion.json", as_bytes(document(request_))),
            "pdf": SimpleUploadedFile("opinion.pdf", eleven_megabytes(), "application/pdf"),
        },
        format="multipart",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "opinion.pdf_too_large")
    assert not Opinion.objects.exists()
