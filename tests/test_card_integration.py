"""The card chain for real: kaigo-agent → pcscd → vpcd → the virtual card → the live portal.

Needs a running pcscd with vsmartcard-vpcd (cardreader_agent/testing/start-pcscd.sh); without it these
tests skip and say why, and under CI=true they fail (.ci/run must start it).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from cardreader_agent import cli, pcsc
from cardreader_agent.client import PortalClient
from cardreader_agent.errors import NoCard
from cardreader_agent.testing.vcard import JPKI_AP, JpkiCardModel, VirtualCard
from conftest import require_pcscd
from consent import identity
from consent.models import CardAttempt, CardCertificate, PersonAccount, Relationship
from eligibility.tests import factories as ef
from kaigo_portal.accounts.models import ApiScope
from kaigo_portal.accounts.services import api_key_create

READER = "Virtual PCD 00 00"


@pytest.fixture
def rig(live_server, transactional_db, orgs, jpki, tmp_path, monkeypatch):
    require_pcscd()
    person = ef.person(insurer=orgs["chiyoda"], insured_number="0000000301")
    ef.certification(person=person)
    _key, raw = api_key_create(organisation=orgs["kyotaku"], scope=ApiScope.DEVICE, name="受付", by=None)
    key_file = tmp_path / "api-key"
    key_file.write_text(raw)
    key_file.chmod(0o600)
    config = tmp_path / "agent.toml"
    config.write_text(
        f'portal_url = "{live_server.url}"\napi_key_file = "{key_file}"\nreader = "{READER}"\ncard_timeout = 10\n'
    )
    monkeypatch.setenv("KAIGO_AGENT_CONFIG", str(config))
    return Rig(person=person, jpki=jpki, config=config, url=live_server.url)


class Rig:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)
        self.cards: list[VirtualCard] = []

    def model(self, name: str = "hanako", *, register: bool = True, **kwargs) -> JpkiCardModel:
        card = self.jpki.card(name, **kwargs)
        if register:
            CardCertificate.objects.get_or_create(
                person=self.person,
                issuer=identity.issuer_text(card.certificate),
                serial=identity.serial_hex(card.certificate),
                defaults={"effective_date": dt.date(2026, 1, 1)},
            )
        return JpkiCardModel(auth_certificate=card.der, auth_key=card.key, ca_certificate=self.jpki.ca.der)


@pytest.fixture
def insert():
    """Puts a virtual card in the reader; takes it out (and waits until pcscd sees it gone) afterwards."""
    inserted: list[VirtualCard] = []

    def _insert(model: JpkiCardModel, **kwargs) -> VirtualCard:
        # vpcd sometimes misses a card that connects right after another was pulled out mid-command:
        # put it in again, as a person would (card.md §2.6: PRESENT within ~0.5 s otherwise).
        for attempt in range(4):
            card = VirtualCard(model, **kwargs).insert()
            inserted.append(card)
            try:
                pcsc.wait_for_card(READER, timeout=2)
                return card
            except NoCard:
                card.remove()
                if attempt == 3:
                    raise
        raise AssertionError("unreachable")

    yield _insert
    for card in inserted:
        card.remove()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and any(
        s.card_present for s in pcsc.reader_statuses() if s.name == READER
    ):
        time.sleep(0.05)


def pins(*values):
    it = iter(values)
    return lambda tries, wrong: next(it)


def test_wrong_pin_then_right_pin_opens_the_relationship(rig, insert, capsys):
    model = rig.model()
    insert(model)
    assert cli.main(["verify"], ask_pin=pins("0000", "1234")) == 0
    out = capsys.readouterr()
    assert "暗証番号（利用者証明用、数字4桁）が違います。残り2回" in out.err
    assert "本人確認ができました：介護 花子（被保険者番号 0000000301）" in out.out
    assert Relationship.objects.get().person == rig.person
    assert model.pins[0x0018].tries == 3  # a right PIN resets the counter
    assert model.selected_aids == [JPKI_AP]  # the 券面事項入力補助AP (My Number) was never selected


def test_the_console_script_reads_the_pin_from_the_terminal(rig, insert):
    insert(rig.model())
    script = Path(sys.executable).with_name("kaigo-agent")
    result = subprocess.run(
        [str(script), "verify"],
        input="1234\n",
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "KAIGO_AGENT_CONFIG": str(rig.config)},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "被保険者番号 0000000301" in result.stdout
    assert "1234" not in result.stdout + result.stderr


def test_a_blocked_pin(rig, insert, capsys):
    model = rig.model()
    insert(model)
    assert cli.main(["verify"], ask_pin=pins("0000", "1111", "2222")) == 15  # the 3rd wrong try → 63C0
    assert "市区町村窓口で再設定してください" in capsys.readouterr().err
    assert cli.main(["verify"], ask_pin=pins("1234")) == 15  # still blocked, even with the right PIN
    assert not Relationship.objects.exists()


def test_a_card_removed_mid_read(rig, insert, capsys):
    insert(rig.model(), remove_after_commands=5)  # out while the certificate is being read
    assert cli.main(["verify"], ask_pin=pins("1234")) == 12
    assert "取り外されました" in capsys.readouterr().err
    assert not Relationship.objects.exists()


def test_a_replayed_challenge_is_refused(rig, insert, capsys, monkeypatch):
    insert(rig.model())
    seen = []
    original = PortalClient.create_challenge

    def once(self):
        if not seen:
            seen.append(original(self))
        return seen[0]

    monkeypatch.setattr(PortalClient, "create_challenge", once)
    assert cli.main(["verify"], ask_pin=pins("1234")) == 0
    assert cli.main(["verify"], ask_pin=pins("1234")) == 18
    assert "使用済み" in capsys.readouterr().err
    assert list(CardAttempt.objects.order_by("id").values_list("outcome", flat=True)) == [
        "ok",
        "identity.replayed",
    ]


def test_a_revoked_certificate_is_refused(rig, insert, tmp_path, capsys):
    model = rig.model("revoked")
    serial = rig.jpki.card("revoked").certificate.serial_number
    crl = tmp_path / "jpki.crl"
    crl.write_bytes(rig.jpki.ca.crl([serial]))
    call_command("load_crl", str(crl))
    insert(model)
    assert cli.main(["verify"], ask_pin=pins("1234")) == 18
    assert "失効" in capsys.readouterr().err
    assert not Relationship.objects.exists()


def test_a_certificate_from_an_unknown_ca_is_refused(rig, insert, capsys):
    insert(rig.model("unknown-ca", ca=rig.jpki.other_ca))
    assert cli.main(["verify"], ask_pin=pins("1234")) == 18
    assert "認証局" in capsys.readouterr().err
    assert list(CardAttempt.objects.values_list("outcome", flat=True)) == ["identity.unknown_ca"]


def test_a_person_signs_in_by_device_code(rig, insert, capsys):
    insert(rig.model())
    browser = Client()
    browser.post("/me/card-sign-in/start/")
    code = browser.session["kaigo_card_code"]
    assert browser.get("/me/card-sign-in/wait/").status_code == 200  # still waiting
    assert cli.main(["login", "--code", code], ask_pin=pins("1234")) == 0
    assert "サインインしました" in capsys.readouterr().out
    response = browser.get("/me/card-sign-in/wait/")
    assert (response.status_code, response.url) == (302, "/me/")
    assert browser.get("/me/").status_code == 200
    assert PersonAccount.objects.get().person == rig.person
    # The code was used once.
    assert cli.main(["login", "--code", code], ask_pin=pins("1234")) == 16


def test_opensc_recognises_the_virtual_card_as_jpki(rig, insert, tmp_path):
    require_tool_opensc()
    model = rig.model()
    insert(model)
    name = subprocess.run(
        ["opensc-tool", "-r", READER, "-n"], capture_output=True, text=True, timeout=60, check=False
    )
    assert name.stdout.strip().splitlines()[-1] == "jpki", name.stdout + name.stderr
    read = subprocess.run(
        ["pkcs15-tool", "--reader", READER, "--read-certificate", "01"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert read.returncode == 0, read.stderr
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    pem = read.stdout[read.stdout.index("-----BEGIN CERTIFICATE-----") :]
    assert (
        x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
        == model.auth_certificate
    )


def require_tool_opensc():
    from conftest import require_tool

    require_tool("opensc-tool", hint="apt-get install opensc")
    require_tool("pkcs15-tool", hint="apt-get install opensc")
