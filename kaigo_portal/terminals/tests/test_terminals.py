"""端末のクライアント証明書 (issue 17): the office's admin issues, downloads once, renews and revokes; with
KAIGO_REQUIRE_CLIENT_CERT, the office's staff and keys work only from a verified terminal of the office."""

from __future__ import annotations

import io
import re

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.management import call_command

from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.accounts.services import api_key_create
from kaigo_portal.terminals import services
from kaigo_portal.terminals.models import Terminal, TerminalEvent

pytestmark = pytest.mark.django_db
SECRET = "s" * 40


@pytest.fixture
def terminal_ca(tmp_path, settings):
    call_command("terminal_ca_init", str(tmp_path / "ca"), stdout=io.StringIO())
    settings.KAIGO_TERMINAL_CA_CERT = str(tmp_path / "ca" / "ca.pem")
    settings.KAIGO_TERMINAL_CA_KEY = str(tmp_path / "ca" / "ca-key.pem")
    return x509.load_pem_x509_certificate((tmp_path / "ca" / "ca.pem").read_bytes())


@pytest.fixture
def required(settings):
    settings.KAIGO_REQUIRE_CLIENT_CERT = True
    settings.KAIGO_PROXY_SECRET = SECRET


def issue(org, user, name="受付のパソコン1") -> tuple[Terminal, str]:
    return services.terminal_issue(organisation=org, name=name, by=user)


def from_terminal(terminal: Terminal | None, *, secret: str = SECRET) -> dict[str, str]:
    """The headers the proxy sets for a verified client certificate."""
    if terminal is None:
        return {"HTTP_X_KAIGO_PROXY_SECRET": secret, "HTTP_X_KAIGO_CLIENT_VERIFY": "NONE"}
    return {
        "HTTP_X_KAIGO_PROXY_SECRET": secret,
        "HTTP_X_KAIGO_CLIENT_VERIFY": "SUCCESS",
        "HTTP_X_KAIGO_CLIENT_SERIAL": terminal.serial,
    }


def test_the_admin_issues_a_certificate_downloads_it_once_and_it_opens_with_the_passphrase(
    terminal_ca, login, cast, orgs
):
    olive = login(cast["olive"])
    assert "端末のクライアント証明書" in olive.get("/").content.decode()  # from the home page
    page = olive.post("/terminals/", {"name": "受付のパソコン1"})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    passphrase = re.search(r'<p class="secret">([A-Z0-9-]{19})</p>', page.content.decode()).group(1)
    terminal = Terminal.objects.get()
    download = olive.get(f"/terminals/{terminal.pk}/certificate.p12")
    assert download.status_code == 200 and download["Content-Type"] == "application/x-pkcs12"
    key, certificate, chain = pkcs12.load_key_and_certificates(download.content, passphrase.encode())
    assert key is not None and chain[0] == terminal_ca
    assert certificate.issuer == terminal_ca.subject
    assert (
        certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
        == orgs["kyotaku"].number
    )
    usage = certificate.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert f"{certificate.serial_number:X}".zfill(len(terminal.serial)) == terminal.serial
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(download.content, b"WRONG-PASS-PHRASE")
    again = olive.get(f"/terminals/{terminal.pk}/certificate.p12", follow=True)
    assert "ダウンロード済みです" in again.content.decode()
    terminal.refresh_from_db()
    assert terminal.bundle is None and terminal.downloaded_at is not None
    assert list(TerminalEvent.objects.values_list("kind", flat=True).order_by("id")) == [
        "issued",
        "downloaded",
    ]
    assert passphrase not in str(list(TerminalEvent.objects.values()))  # the passphrase is kept nowhere


def test_renewing_and_revoking_ask_first_and_the_crl_names_what_was_revoked(terminal_ca, login, cast, orgs):
    olive = login(cast["olive"])
    terminal, _ = issue(orgs["kyotaku"], cast["olive"])
    asked = olive.post(f"/terminals/{terminal.pk}/renew/")
    assert "証明書を更新しますか" in asked.content.decode() and Terminal.objects.count() == 1
    renewed = olive.post(f"/terminals/{terminal.pk}/renew/", {"confirmed": "1"})
    assert "の証明書を発行しました" in renewed.content.decode()
    new = Terminal.objects.get(renewed_from=terminal)
    terminal.refresh_from_db()
    assert terminal.revocation_reason == "superseded" and new.revoked_at is None
    asked = olive.post(f"/terminals/{new.pk}/revoke/", {"reason": "key_compromise"})
    assert "証明書を失効させますか" in asked.content.decode()
    assert Terminal.objects.get(pk=new.pk).revoked_at is None
    olive.post(f"/terminals/{new.pk}/revoke/", {"reason": "key_compromise", "confirmed": "1"})
    crl = x509.load_pem_x509_crl(olive.get("/terminals/crl.pem").content)
    assert crl.is_signature_valid(terminal_ca.public_key())
    assert {f"{entry.serial_number:X}".zfill(32) for entry in crl} == {
        t.serial.zfill(32) for t in (terminal, new)
    }
    reasons = [event.kind for event in TerminalEvent.objects.order_by("id")]
    assert reasons == ["issued", "revoked", "renewed", "revoked"]  # the old one superseded, then the new one


def test_another_offices_admin_and_staff_cannot_touch_the_terminals(terminal_ca, login, cast, orgs):
    terminal, _ = issue(orgs["kyotaku"], cast["olive"])
    oscar = login(cast["oscar"])  # the admin of another office
    assert oscar.get(f"/terminals/{terminal.pk}/").status_code == 404
    assert oscar.get(f"/terminals/{terminal.pk}/certificate.p12").status_code == 404
    assert login(cast["bob"]).get("/terminals/").status_code == 403  # a care manager, not the admin


@pytest.mark.usefixtures("required")
def test_with_the_rule_on_the_offices_staff_work_only_from_a_terminal_of_their_office(
    terminal_ca, login, cast, orgs
):
    ours, _ = issue(orgs["kyotaku"], cast["olive"])
    theirs, _ = issue(orgs["kyotaku2"], cast["oscar"])
    revoked, _ = issue(orgs["kyotaku"], cast["olive"], name="古いパソコン")
    services.terminal_revoke(terminal=revoked, by=cast["olive"], reason="cessation_of_operation")
    bob = login(cast["bob"])
    assert bob.get("/", **from_terminal(ours)).status_code == 200
    refusals = {
        "no certificate": bob.get("/"),
        "not verified": bob.get("/", **from_terminal(None)),
        "forged, without the proxy's secret": bob.get("/", **from_terminal(ours, secret="x" * 40)),
        "another office's": bob.get("/", **from_terminal(theirs)),
        "revoked": bob.get("/", **from_terminal(revoked)),
    }
    assert {what: response.status_code for what, response in refusals.items()} == dict.fromkeys(refusals, 403)
    assert "別の事業所・医療機関のもの" in refusals["another office's"].content.decode()
    assert "失効しています" in refusals["revoked"].content.decode()
    # Municipal staff and persons are not asked (KAIGO_CLIENT_CERT_KINDS).
    assert login(cast["alice"]).get("/").status_code == 200


@pytest.mark.usefixtures("required")
def test_with_the_rule_on_an_offices_api_key_works_only_from_its_terminal(terminal_ca, client, cast, orgs):
    ours, _ = issue(orgs["kyotaku"], cast["olive"])
    _key, raw = api_key_create(organisation=orgs["kyotaku"], scope=ApiScope.READ, name="介護ソフト", by=None)
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    assert client.get("/api/v1/me/", **auth, **from_terminal(ours)).status_code == 200
    refused = client.get("/api/v1/me/", **auth)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "terminal.no_certificate"
    _key, municipal = api_key_create(
        organisation=orgs["chiyoda"], scope=ApiScope.IMPORTS, name="事務", by=None
    )
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Api-Key {municipal}").status_code == 200


def test_without_a_ca_the_page_says_so_and_nothing_is_issued(login, cast, client):
    olive = login(cast["olive"])
    page = olive.get("/terminals/").content.decode()
    assert "端末の認証局（CA）が設定されていない" in page and "発行する</button>" not in page
    response = olive.post("/terminals/", {"name": "受付"})
    assert (
        "端末の認証局（CA）が設定されていない" in response.content.decode() and not Terminal.objects.exists()
    )
    assert client.get("/terminals/crl.pem").status_code == 404


def test_the_operator_issues_an_offices_first_terminal_from_the_command_line(
    terminal_ca, cast, orgs, tmp_path
):
    out = io.StringIO()
    path = tmp_path / "first.p12"
    call_command(
        "terminal_issue",
        orgs["kyotaku"].number,
        name="受付1",
        by=cast["pat"].email,
        out=str(path),
        stdout=out,
    )
    passphrase = re.search(r"passphrase \(shown once\): ([A-Z0-9-]{19})", out.getvalue()).group(1)
    _key, certificate, _chain = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase.encode())
    terminal = Terminal.objects.get()
    assert terminal.organisation == orgs["kyotaku"] and terminal.downloaded_at is not None  # its one download
    assert (
        certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value
        == orgs["kyotaku"].number
    )
    assert [e.by for e in TerminalEvent.objects.order_by("id")] == [cast["pat"], cast["pat"]]
