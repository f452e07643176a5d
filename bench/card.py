"""本人確認 with the My Number card: the server's check, and the whole chain with the virtual card.

    bench card_verify_server_ms: <median of consent.identity.card_verify (chain, CRL, signature, registry,
                                  relationship), challenge made beforehand>
    bench card_verify_end_to_end_ms: <median, agent asks for a challenge → card read + VERIFY + SIGN over
                                      pcscd/vpcd → the portal's answer>

Each is the median of BENCH_CARD_RUNS runs (default 60). The end-to-end figure needs a running pcscd with
vsmartcard-vpcd (cardreader_agent/testing/start-pcscd.sh); without it, the line says why it was skipped.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings

RUNS = int(os.environ.get("BENCH_CARD_RUNS", "60"))
WARM_UP = 10
READER = "Virtual PCD 00 00"


def _setup():
    from cardreader_agent.testing.pki import TestCa
    from consent import identity
    from consent.models import CardCertificate
    from eligibility.tests import factories as ef
    from kaigo_portal.accounts.models import ApiScope, OfficeService, Organisation, OrganisationKind
    from kaigo_portal.accounts.services import api_key_create

    ca = TestCa()
    ca_file = Path(tempfile.mkdtemp()) / "ca.pem"
    ca_file.write_bytes(ca.pem)
    settings.KAIGO_JPKI_CA_FILES = [str(ca_file)]
    insurer = Organisation.objects.create(
        kind=OrganisationKind.INSURER,
        name="千代田区",
        insurer_number="131011",
        prefecture="13",
        go_live_date=dt.date(2026, 4, 1),
    )
    office = Organisation.objects.create(
        kind=OrganisationKind.CARE_OFFICE,
        name="ケアプランセンター神田",
        office_number="1370100016",
        prefecture="13",
    )
    OfficeService.objects.create(organisation=office, code="43")
    person = ef.person(insurer=insurer, insured_number="0000000301")
    card = ca.issue()
    CardCertificate.objects.create(
        person=person,
        issuer=identity.issuer_text(card.certificate),
        serial=identity.serial_hex(card.certificate),
        effective_date=dt.date(2026, 1, 1),
    )
    key, raw = api_key_create(organisation=office, scope=ApiScope.DEVICE, name="bench", by=None)
    return ca, card, key, raw


def _server_ms(card, key) -> float:
    from consent import identity

    times = []
    for run in range(RUNS + WARM_UP):
        challenge = identity.challenge_create(device=key)
        signature = card.key.sign(bytes(challenge.nonce), padding.PKCS1v15(), hashes.SHA256())
        start = time.perf_counter()
        identity.card_verify(
            device=key, challenge_id=challenge.pk, certificate_der=card.der, signature=signature
        )
        if run >= WARM_UP:  # the first runs of a connection prepare its statements and load the CAs
            times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


def _end_to_end_ms(ca, card, raw_key) -> str:
    from django.core.wsgi import get_wsgi_application

    from cardreader_agent import apdu, pcsc
    from cardreader_agent.client import PortalClient
    from cardreader_agent.testing.vcard import JpkiCardModel, VirtualCard

    try:
        if READER not in pcsc.reader_names():
            return "skipped (no vpcd reader: start pcscd with cardreader_agent/testing/start-pcscd.sh)"
    except Exception as error:  # pyscard missing or pcscd not running
        return f"skipped ({type(error).__name__}: pcscd not running or pyscard not installed)"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    server = make_server("127.0.0.1", 0, get_wsgi_application(), handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = PortalClient(f"http://127.0.0.1:{server.server_port}", api_key=raw_key)
    model = JpkiCardModel(auth_certificate=card.der, auth_key=card.key, ca_certificate=ca.der)
    times = []
    with VirtualCard(model):
        pcsc.wait_for_card(READER, timeout=5)
        for _ in range(RUNS):
            start = time.perf_counter()
            challenge = client.create_challenge()
            with pcsc.exclusive_connection(READER) as connection:
                certificate, signature = apdu.read_and_sign(
                    connection, challenge=challenge.nonce, ask_pin=lambda tries, wrong: "1234"
                )
            client.submit_verification(challenge=challenge, certificate=certificate, signature=signature)
            times.append((time.perf_counter() - start) * 1000)
    server.shutdown()
    return f"{statistics.median(times):.1f}"


def run() -> Iterator[str]:
    ca, card, key, raw = _setup()
    yield f"bench card_verify_server_ms: {_server_ms(card, key):.2f}"
    yield f"bench card_verify_end_to_end_ms: {_end_to_end_ms(ca, card, raw)}"
