"""本人確認 and sign-in with the My Number card, portal side: challenges, the checks (each refusal its own
code), the registry, CRLs, device codes. The card's answer is computed here with the card's test key;
tests/test_card_integration.py runs the same through pcscd and the virtual card."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
import time_machine
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from consent import identity
from consent.models import (
    CardAttempt,
    CardCertificate,
    IdentityChallenge,
    PersonAccount,
    Relationship,
    RevokedCertificate,
    VerificationMethod,
)
from eligibility.imports import registry
from eligibility.tests import factories as ef
from kaigo_portal.accounts.middleware import SESSION_CARD_SIGN_IN
from kaigo_portal.accounts.models import ApiScope, UserKind
from kaigo_portal.accounts.services import api_key_create

pytestmark = pytest.mark.django_db


def device_client(org, scope=ApiScope.DEVICE) -> APIClient:
    _key, raw = api_key_create(organisation=org, scope=scope, name="受付の端末", by=None)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def sign(card, nonce: bytes) -> bytes:
    return card.key.sign(nonce, padding.PKCS1v15(), hashes.SHA256())


def answer(challenge: dict, card, *, signature: bytes | None = None) -> dict:
    nonce = base64.b64decode(challenge["nonce"])
    return {
        "challenge": challenge["id"],
        "certificate": base64.b64encode(card.der).decode(),
        "signature": base64.b64encode(signature if signature is not None else sign(card, nonce)).decode(),
    }


@pytest.fixture
def hanako(orgs):
    person = ef.person(insurer=orgs["chiyoda"], insured_number="0000000301")
    ef.certification(person=person)
    return person


@pytest.fixture
def hanako_card(jpki, hanako):
    card = jpki.card("hanako")
    CardCertificate.objects.create(
        person=hanako,
        issuer=identity.issuer_text(card.certificate),
        serial=identity.serial_hex(card.certificate),
        effective_date=dt.date(2026, 1, 1),
    )
    return card


def verify(client, card, **kwargs):
    challenge = client.post("/api/v1/identity/challenges/").json()
    return client.post("/api/v1/identity/verifications/", answer(challenge, card, **kwargs), format="json")


def test_a_card_verification_opens_the_relationship(orgs, hanako, hanako_card):
    client = device_client(orgs["kyotaku"])
    created = client.post("/api/v1/identity/challenges/")
    assert created.status_code == 201
    challenge = created.json()
    assert set(challenge) == {"id", "nonce", "expires_at"}
    assert len(base64.b64decode(challenge["nonce"])) == 32
    stored = IdentityChallenge.objects.get(pk=challenge["id"])
    assert (stored.expires_at - stored.created_at).total_seconds() == 120

    response = client.post("/api/v1/identity/verifications/", answer(challenge, hanako_card), format="json")
    assert response.status_code == 201, response.json()
    relationship = Relationship.objects.get()
    assert response.json() == {
        "relationship": relationship.pk,
        "verified_at": relationship.verified_at.isoformat(),
        "person": {"name": "介護 花子", "insurer_number": "131011", "insured_number": "0000000301"},
    }
    assert (relationship.office, relationship.person, relationship.method) == (
        orgs["kyotaku"],
        hanako,
        VerificationMethod.MYNUMBER_CARD,
    )
    attempt = CardAttempt.objects.get()
    assert (attempt.outcome, attempt.person, attempt.serial) == (
        "ok",
        hanako,
        identity.serial_hex(hanako_card.certificate),
    )


def test_a_person_without_qualification_is_refused_and_logged_once_as_such(orgs, hanako, hanako_card):
    ef.person_version(person=hanako, effective_date=dt.date(2026, 5, 1), disqualified_on=dt.date(2026, 5, 1))
    client = device_client(orgs["kyotaku"])
    challenge = client.post("/api/v1/identity/challenges/").json()
    response = client.post("/api/v1/identity/verifications/", answer(challenge, hanako_card), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "verification.not_qualified"
    assert not Relationship.objects.exists()
    assert list(CardAttempt.objects.values_list("outcome", "person")) == [
        ("verification.not_qualified", hanako.pk)
    ]


def test_a_replayed_challenge_is_refused(orgs, hanako, hanako_card):
    client = device_client(orgs["kyotaku"])
    challenge = client.post("/api/v1/identity/challenges/").json()
    assert (
        client.post(
            "/api/v1/identity/verifications/", answer(challenge, hanako_card), format="json"
        ).status_code
        == 201
    )
    again = client.post("/api/v1/identity/verifications/", answer(challenge, hanako_card), format="json")
    assert again.status_code == 400
    assert again.json() == {
        "error": {
            "code": "identity.replayed",
            "message": identity.REFUSALS["identity.replayed"],
            "fields": {},
        }
    }
    assert Relationship.objects.count() == 1
    assert list(CardAttempt.objects.order_by("id").values_list("outcome", flat=True)) == [
        "ok",
        "identity.replayed",
    ]


def test_a_challenge_is_used_once_even_when_its_signature_was_refused(orgs, hanako, hanako_card):
    client = device_client(orgs["kyotaku"])
    challenge = client.post("/api/v1/identity/challenges/").json()
    bad = client.post(
        "/api/v1/identity/verifications/", answer(challenge, hanako_card, signature=bytes(256)), format="json"
    )
    assert bad.json()["error"]["code"] == "identity.bad_signature"
    good = client.post("/api/v1/identity/verifications/", answer(challenge, hanako_card), format="json")
    assert good.json()["error"]["code"] == "identity.replayed"


def test_a_challenge_expires_after_120_seconds(orgs, hanako, hanako_card):
    client = device_client(orgs["kyotaku"])
    challenge = client.post("/api/v1/identity/challenges/").json()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=121)):
        response = client.post(
            "/api/v1/identity/verifications/", answer(challenge, hanako_card), format="json"
        )
    assert response.json()["error"]["code"] == "identity.challenge_expired"


def test_a_challenge_is_bound_to_its_device(orgs, hanako, hanako_card):
    challenge = device_client(orgs["kyotaku"]).post("/api/v1/identity/challenges/").json()
    other = device_client(orgs["kyotaku2"])
    response = other.post("/api/v1/identity/verifications/", answer(challenge, hanako_card), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "identity.wrong_device"
    assert not Relationship.objects.exists()


@pytest.mark.parametrize(
    ("card_name", "kwargs", "code"),
    [
        ("unknown-ca", {"ca": "other"}, "identity.unknown_ca"),
        ("expired", {"not_after": "past"}, "identity.expired"),
        ("not-yet", {"not_before": "future"}, "identity.expired"),
        ("unregistered", {}, "identity.unknown_card"),
    ],
)
def test_each_refusal_has_its_code_and_is_logged(orgs, hanako, jpki, card_name, kwargs, code):
    now = dt.datetime.now(dt.UTC)
    resolved = {
        "other": jpki.other_ca,
        "past": now - dt.timedelta(days=1),
        "future": now + dt.timedelta(days=1),
    }
    card = jpki.card(card_name, **{k: resolved[v] for k, v in kwargs.items()})
    if card_name != "unregistered":  # registered, so only the check under test can refuse it
        CardCertificate.objects.create(
            person=hanako,
            issuer=identity.issuer_text(card.certificate),
            serial=identity.serial_hex(card.certificate),
            effective_date=dt.date(2026, 1, 1),
        )
    response = verify(device_client(orgs["kyotaku"]), card)
    assert response.status_code == 400
    assert response.json() == {"error": {"code": code, "message": identity.REFUSALS[code], "fields": {}}}
    assert list(CardAttempt.objects.values_list("outcome", flat=True)) == [code]
    assert not Relationship.objects.exists()


def test_a_wrong_signature_is_refused(orgs, hanako, hanako_card, jpki):
    other_key = jpki.card("someone-else").key
    client = device_client(orgs["kyotaku"])
    challenge = client.post("/api/v1/identity/challenges/").json()
    forged = other_key.sign(base64.b64decode(challenge["nonce"]), padding.PKCS1v15(), hashes.SHA256())
    response = client.post(
        "/api/v1/identity/verifications/", answer(challenge, hanako_card, signature=forged), format="json"
    )
    assert response.json()["error"]["code"] == "identity.bad_signature"


def test_a_certificate_revoked_by_a_loaded_crl_is_refused(orgs, hanako, hanako_card, jpki, tmp_path, capsys):
    crl = tmp_path / "jpki.crl"
    crl.write_bytes(jpki.ca.crl([hanako_card.certificate.serial_number, 12345]))
    call_command("load_crl", str(crl))
    assert "2 件" in capsys.readouterr().out
    assert RevokedCertificate.objects.count() == 2
    response = verify(device_client(orgs["kyotaku"]), hanako_card)
    assert response.json()["error"]["code"] == "identity.revoked"


def test_a_crl_from_an_unknown_ca_is_not_loaded(jpki, tmp_path):
    crl = tmp_path / "other.crl"
    crl.write_bytes(jpki.other_ca.crl([1]))
    with pytest.raises(CommandError, match=r"identity\.crl_unknown_ca"):
        call_command("load_crl", str(crl))
    assert not RevokedCertificate.objects.exists()


def test_garbage_is_a_bad_certificate(orgs, hanako):
    client = device_client(orgs["kyotaku"])
    challenge = client.post("/api/v1/identity/challenges/").json()
    body = {
        "challenge": challenge["id"],
        "certificate": base64.b64encode(b"0\x82nope").decode(),
        "signature": base64.b64encode(bytes(256)).decode(),
    }
    assert (
        client.post("/api/v1/identity/verifications/", body, format="json").json()["error"]["code"]
        == "identity.bad_certificate"
    )


@pytest.mark.parametrize("scope", [ApiScope.READ, ApiScope.CAREPLANS])
def test_other_scopes_and_users_are_refused(orgs, cast, login, scope):
    assert device_client(orgs["kyotaku"], scope).post("/api/v1/identity/challenges/").status_code == 403
    assert login(cast["bob"]).post("/api/v1/identity/challenges/").status_code == 403
    assert APIClient().post("/api/v1/identity/challenges/").status_code in (401, 403)


def test_an_office_admin_registers_a_device_and_sees_the_key_once(orgs, cast, login):
    client = login(cast["olive"])
    response = client.post("/org/api-keys/", {"scope": "device", "name": "受付のカードリーダー", "days": 365})
    assert response.status_code == 200
    raw = response.context["raw_key"]
    assert raw and raw in response.content.decode()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert api.post("/api/v1/identity/challenges/").status_code == 201
    assert raw not in client.get("/org/api-keys/").content.decode()
    assert (
        login(cast["bob"]).post("/org/api-keys/", {"scope": "device", "name": "x", "days": 30}).status_code
        == 403
    )


# --- The registry --------------------------------------------------------------------------------


def test_the_registry_is_an_import_record_type():
    record_type = registry.get("card_certificate")
    assert record_type is not None and record_type.model is CardCertificate
    assert record_type.key_fields == ("issuer", "serial")


def test_a_deleted_registration_no_longer_resolves(orgs, hanako, hanako_card):
    CardCertificate.objects.create(
        person=hanako,
        issuer=identity.issuer_text(hanako_card.certificate),
        serial=identity.serial_hex(hanako_card.certificate),
        effective_date=dt.date(2026, 2, 1),
        deleted=True,
    )
    assert (
        verify(device_client(orgs["kyotaku"]), hanako_card).json()["error"]["code"] == "identity.unknown_card"
    )


def test_municipal_staff_register_a_card_certificate(orgs, cast, login, hanako, jpki):
    from django.core.files.uploadedfile import SimpleUploadedFile

    card = jpki.card("registered-on-screen")
    client = login(cast["alice"])
    response = client.post(
        "/municipal/card-certificates/",
        {"insured_number": "0000000301", "certificate": SimpleUploadedFile("card.pem", card.pem)},
    )
    assert response.status_code == 302
    row = CardCertificate.objects.get()
    assert (row.person, row.serial) == (hanako, identity.serial_hex(card.certificate))
    assert "0000000301" in client.get("/municipal/card-certificates/").content.decode()


def test_others_cannot_reach_the_registry_screen(orgs, cast, login, hanako):
    assert login(cast["bob"]).get("/municipal/card-certificates/").status_code == 403
    hank = login(cast["hank"])  # another municipality: 千代田区's person is not found
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = hank.post(
        "/municipal/card-certificates/",
        {"insured_number": "0000000301", "certificate": SimpleUploadedFile("c.pem", b"x")},
    )
    assert response.status_code == 200
    assert not CardCertificate.objects.exists()


# --- Device-code sign-in -------------------------------------------------------------------------


def start_code(client) -> str:
    client.post("/me/card-sign-in/start/")
    return client.session["kaigo_card_code"]


def complete(code: str, card) -> dict:
    agent = APIClient()
    challenge = agent.get(f"/api/v1/identity/device-codes/{code}/")
    assert challenge.status_code == 200, challenge.json()
    nonce = base64.b64decode(challenge.json()["nonce"])
    body = {
        "certificate": base64.b64encode(card.der).decode(),
        "signature": base64.b64encode(sign(card, nonce)).decode(),
    }
    return agent.post(f"/api/v1/identity/device-codes/{code}/complete/", body, format="json")


def test_the_first_card_sign_in_creates_the_persons_account_and_counts_as_mfa(client, hanako, hanako_card):
    code = start_code(client)
    page = client.get("/me/card-sign-in/wait/")
    assert code in page.content.decode() and 'http-equiv="refresh"' in page.content.decode()
    assert complete(code, hanako_card).json() == {"signed_in": True}
    response = client.get("/me/card-sign-in/wait/")
    assert response.status_code == 302 and response.url == "/me/"
    account = PersonAccount.objects.get(person=hanako)
    assert account.user.kind == UserKind.PERSON and not account.user.has_usable_password()
    assert client.session[SESSION_CARD_SIGN_IN] is True
    assert client.get("/me/").status_code == 200  # no TOTP asked: card + PIN are two factors

    # The second sign-in finds the same account.
    other = type(client)()
    complete(start_code(other), hanako_card)
    other.get("/me/card-sign-in/wait/")
    assert PersonAccount.objects.count() == 1
    assert int(other.session["_auth_user_id"]) == account.user.pk


def test_a_code_is_used_once_and_signs_in_one_browser(client, hanako, hanako_card):
    code = start_code(client)
    assert complete(code, hanako_card).status_code == 200
    again = APIClient().get(f"/api/v1/identity/device-codes/{code}/")
    assert again.json()["error"]["code"] == "identity.code_expired"
    assert client.get("/me/card-sign-in/wait/").status_code == 302
    assert identity.device_code_claim(challenge_id=client.session.get("kaigo_card_challenge")) is None


def test_a_code_expires_after_5_minutes(client, hanako, hanako_card):
    code = start_code(client)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=301)):
        response = APIClient().get(f"/api/v1/identity/device-codes/{code}/")
        assert response.json()["error"]["code"] == "identity.code_expired"
        assert "有効期限が切れました" in client.get("/me/card-sign-in/wait/").content.decode()


def test_an_unknown_card_does_not_sign_in(client, hanako, jpki):
    code = start_code(client)
    response = complete(code, jpki.card("nobody"))
    assert response.json()["error"]["code"] == "identity.unknown_card"
    assert client.get("/me/card-sign-in/wait/").status_code == 200
    assert "_auth_user_id" not in client.session


def test_the_municipality_loads_card_certificates_through_the_import(orgs, hanako, jpki):
    from eligibility.tests.importing import issues_of, run_job

    card = jpki.card("imported")
    issuer = identity.issuer_text(card.certificate)
    serial = identity.serial_hex(card.certificate)
    header = "record_type,action,effective_date,insurer_number,insured_number,issuer,serial\r\n"
    row = f'card_certificate,add,2026-01-05,131011,0000000301,"{issuer}",0x0{serial.lower()}\r\n'
    job = run_job(orgs["chiyoda"], (header + row).encode())
    assert job.status == "succeeded", issues_of(job)
    assert list(CardCertificate.objects.values_list("person", "serial")) == [(hanako.pk, serial)]
    assert verify(device_client(orgs["kyotaku"]), card).status_code == 201
    bad = run_job(orgs["chiyoda"], (header + row.replace(f"0x0{serial.lower()}", "XYZ")).encode())
    assert [issue[3] for issue in issues_of(bad)] == ["card_certificate.serial"]


def test_device_code_calls_are_throttled_per_address(client, settings):
    from django.core.cache import cache

    cache.clear()
    responses = [client.get("/api/v1/identity/device-codes/ABCD-EFGH/") for _ in range(21)]
    assert {r.status_code for r in responses[:20]} == {400}  # an unknown code, answered 20 times
    assert responses[20].status_code == 429
    assert responses[20].json()["error"]["code"] == "throttled"
    refused = client.post(
        "/api/v1/identity/device-codes/ABCD-EFGH/complete/", {}, content_type="application/json"
    )
    assert refused.status_code == 429
