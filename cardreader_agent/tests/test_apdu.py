"""The APDU layer against a scripted connection: every status word path (card.md §1.3)."""

from __future__ import annotations

import hashlib

import pytest

from cardreader_agent import apdu
from cardreader_agent.errors import CardError, NotMyNumberCard, PinBlocked, WrongPin
from cardreader_agent.tests.fakes import ScriptedConnection

SELECT_JPKI = ("00A4040C0AD392F000260100000001", "9000")
SELECT_TOKEN = ("00A4020C020006", "9000")
SELECT_CERT = ("00A4020C02000A", "9000")
SELECT_PIN = ("00A4020C020018", "9000")
SELECT_KEY = ("00A4020C020017", "9000")
TOKEN = b"JPKIAPICCTOKEN2".ljust(32, b" ")
# A 600-byte DER SEQUENCE (30 82 02 54 + 596 bytes): only the header matters to the reader.
CERT = b"\x30\x82\x02\x54" + bytes(range(256)) * 2 + bytes(84)
SIGNATURE = bytes(range(256))


def read_token():
    return [SELECT_TOKEN, ("00B0000020", TOKEN.hex() + "9000")]


def read_cert():
    return [
        SELECT_CERT,
        ("00B0000006", CERT[:6].hex() + "9000"),
        ("00B0000600", CERT[6:262].hex() + "9000"),
        ("00B0010600", CERT[262:518].hex() + "9000"),
        ("00B0020652", CERT[518:].hex() + "9000"),
    ]


def verify(pin_hex: str, sw: str):
    return [SELECT_PIN, ("0020008004" + pin_hex, sw)]


def sign_script(challenge: bytes, sw="9000", data=SIGNATURE):
    digest_info = apdu.sha256_digest_info(challenge)
    return [SELECT_KEY, ("802A008033" + digest_info.hex() + "00", data.hex() + sw)]


def lookup(sw: str):
    return [SELECT_PIN, ("00200080", sw)]


def test_the_whole_read_and_sign_runs_on_one_connection():
    challenge = b"nonce-1"
    connection = ScriptedConnection(
        [
            SELECT_JPKI,
            *read_token(),
            *read_cert(),
            *lookup("63C3"),
            *verify("31323334", "9000"),
            *sign_script(challenge),
        ]
    )
    certificate, signature = apdu.read_and_sign(connection, challenge=challenge, ask_pin=lambda t, w: "1234")
    assert certificate == CERT
    assert signature == SIGNATURE
    assert connection.done()


def test_a_wrong_pin_is_asked_again_with_the_tries_left():
    challenge = b"n"
    connection = ScriptedConnection(
        [
            SELECT_JPKI,
            *read_token(),
            *read_cert(),
            *lookup("63C3"),
            *verify("30303030", "63C2"),
            *verify("31323334", "9000"),
            *sign_script(challenge),
        ]
    )
    asked = []

    def ask(tries, wrong):
        asked.append((tries, wrong.tries_left if wrong else None))
        return "0000" if wrong is None else "1234"

    apdu.read_and_sign(connection, challenge=challenge, ask_pin=ask)
    assert asked == [(3, None), (2, 2)]
    assert connection.done()


def test_giving_up_after_a_wrong_pin_reports_the_tries_left():
    connection = ScriptedConnection(
        [SELECT_JPKI, *read_token(), *read_cert(), *lookup("63C3"), *verify("30303030", "63C2")]
    )
    pins = iter(["0000", None])
    with pytest.raises(WrongPin) as caught:
        apdu.read_and_sign(connection, challenge=b"n", ask_pin=lambda t, w: next(pins))
    assert caught.value.tries_left == 2
    assert "残り2回" in caught.value.message


@pytest.mark.parametrize("lookup_sw", ["63C0", "6983"])
def test_a_blocked_pin_is_reported_before_asking(lookup_sw):
    connection = ScriptedConnection([SELECT_JPKI, *read_token(), *read_cert(), *lookup(lookup_sw)])
    with pytest.raises(PinBlocked) as caught:
        apdu.read_and_sign(connection, challenge=b"n", ask_pin=lambda t, w: pytest.fail("asked for a PIN"))
    assert "市区町村窓口で再設定してください" in caught.value.message


@pytest.mark.parametrize(
    ("sw", "expected"),
    [
        ("9000", None),
        ("63C2", WrongPin),
        ("63C1", WrongPin),
        ("63C0", PinBlocked),  # the last wrong try
        ("6983", PinBlocked),  # later tries
        ("6A86", CardError),
        ("6700", CardError),
    ],
)
def test_verify_status_words(sw, expected):
    card = apdu.JpkiCard(ScriptedConnection(verify("31323334", sw)))
    if expected is None:
        card.verify_pin("1234")
        return
    with pytest.raises(expected) as caught:
        card.verify_pin("1234")
    assert "1234" not in str(caught.value) and "31323334" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    if expected is WrongPin:
        assert caught.value.tries_left == int(sw[-1])


@pytest.mark.parametrize(("sw", "tries"), [("63C3", 3), ("63C1", 1), ("63C0", 0), ("6983", 0)])
def test_pin_lookup(sw, tries):
    assert apdu.JpkiCard(ScriptedConnection(lookup(sw))).pin_tries_left() == tries


def test_pin_lookup_with_an_unexpected_answer_is_a_card_error():
    with pytest.raises(CardError) as caught:
        apdu.JpkiCard(ScriptedConnection(lookup("9000"))).pin_tries_left()
    assert caught.value.sw == 0x9000


@pytest.mark.parametrize(
    ("sw", "expected"), [("6A82", NotMyNumberCard), ("6D00", CardError), ("6E00", CardError)]
)
def test_select_application_failures(sw, expected):
    with pytest.raises(expected):
        apdu.JpkiCard(ScriptedConnection([(SELECT_JPKI[0], sw)])).select_jpki()


@pytest.mark.parametrize(("sw", "expected"), [("6A82", NotMyNumberCard), ("6982", CardError)])
def test_select_file_failures(sw, expected):
    with pytest.raises(expected):
        apdu.JpkiCard(ScriptedConnection([(SELECT_TOKEN[0], sw)])).select_file(0x0006)


@pytest.mark.parametrize("token", [b"JPKIAPICCTOKEN", b"JPKIAPGPSETOKEN", b"JPKIAPIOSTOKEN", b""])
def test_a_card_that_is_not_a_my_number_card_is_refused(token):
    connection = ScriptedConnection(
        [SELECT_JPKI, SELECT_TOKEN, ("00B0000020", token.ljust(32, b" ").hex() + "9000")]
    )
    with pytest.raises(NotMyNumberCard) as caught:
        apdu.JpkiCard(connection).select_jpki()
    assert "マイナンバーカードではありません" in caught.value.message


def test_short_reads_are_read_on_from_where_they_stopped():
    connection = ScriptedConnection(
        [
            SELECT_CERT,
            ("00B0000006", CERT[:4].hex() + "9000"),  # short: only 4 bytes
            ("00B0000402", CERT[4:6].hex() + "9000"),
            ("00B0000600", CERT[6:100].hex() + "9000"),  # short again
            ("00B0006400", CERT[100:356].hex() + "9000"),
            ("00B00164F4", CERT[356:600].hex() + "9000"),
        ]
    )
    assert apdu.JpkiCard(connection).read_auth_certificate() == CERT
    assert connection.done()


def test_a_file_that_ends_early_is_a_card_error_not_a_truncated_certificate():
    connection = ScriptedConnection(
        [SELECT_CERT, ("00B0000006", CERT[:6].hex() + "9000"), ("00B0000600", "9000")]
    )
    with pytest.raises(CardError):
        apdu.JpkiCard(connection).read_auth_certificate()


@pytest.mark.parametrize("sw", ["6982", "6B00", "6282"])
def test_read_binary_failures(sw):
    connection = ScriptedConnection([SELECT_CERT, ("00B0000006", sw)])
    with pytest.raises(CardError) as caught:
        apdu.JpkiCard(connection).read_auth_certificate()
    assert caught.value.sw == int(sw, 16)


def test_a_certificate_file_that_is_not_der_is_refused():
    connection = ScriptedConnection([SELECT_CERT, ("00B0000006", "FFFFFFFFFFFF9000")])
    with pytest.raises(CardError):
        apdu.JpkiCard(connection).read_auth_certificate()


@pytest.mark.parametrize(
    ("head", "total"),
    [
        ("30820254aabb", 600),
        ("3081ff000000", 258),
        ("307f00000000", 129),
        ("3003010101ff", 5),
        ("30830100000000", 65541),
    ],
)
def test_der_total_length(head, total):
    assert apdu.der_total_length(bytes.fromhex(head)) == total


@pytest.mark.parametrize("head", ["", "31820254", "3080", "3084ffffffff", "3082"])
def test_der_total_length_refuses(head):
    with pytest.raises(ValueError):
        apdu.der_total_length(bytes.fromhex(head))


def test_sign_sends_the_sha256_digest_info_after_selecting_the_auth_key():
    connection = ScriptedConnection(sign_script(b"challenge"))
    assert apdu.JpkiCard(connection).sign(apdu.sha256_digest_info(b"challenge")) == SIGNATURE
    digest_info = connection.sent[1][5:-1]
    assert len(digest_info) == 51
    assert digest_info.endswith(hashlib.sha256(b"challenge").digest())


@pytest.mark.parametrize(("sw", "data"), [("6982", b""), ("6A86", b""), ("9000", bytes(128))])
def test_sign_failures(sw, data):
    with pytest.raises(CardError):
        apdu.JpkiCard(ScriptedConnection(sign_script(b"c", sw=sw, data=data))).sign(
            apdu.sha256_digest_info(b"c")
        )


@pytest.mark.parametrize("pin", ["123", "12345", "abcd", "１２３４", ""])
def test_a_pin_that_is_not_four_digits_never_reaches_the_card(pin):
    connection = ScriptedConnection([])
    with pytest.raises(ValueError) as caught:
        apdu.JpkiCard(connection).verify_pin(pin)
    assert connection.sent == []
    assert pin not in str(caught.value) or pin == ""


def test_the_my_number_ap_is_never_selected():
    """券面事項入力補助AP holds the 12-digit My Number (番号法): the guard refuses it before the card."""
    connection = ScriptedConnection([])
    with pytest.raises(PermissionError):
        apdu.JpkiCard(connection).select_application(apdu.TEXT_AP)
    assert connection.sent == []


def test_a_whole_verification_sends_nothing_but_jpki_commands():
    challenge = b"n"
    connection = ScriptedConnection(
        [
            SELECT_JPKI,
            *read_token(),
            *read_cert(),
            *lookup("63C3"),
            *verify("31323334", "9000"),
            *sign_script(challenge),
        ]
    )
    apdu.read_and_sign(connection, challenge=challenge, ask_pin=lambda t, w: "1234")
    selects_by_name = [c for c in connection.sent if c[:3] == b"\x00\xa4\x04"]
    assert selects_by_name == [bytes.fromhex(SELECT_JPKI[0])]
    assert all(apdu.TEXT_AP not in c for c in connection.sent)
    # No other AP may be added without changing this list (and the review that comes with it).
    assert apdu.ALLOWED_APPLICATIONS == frozenset({apdu.JPKI_AP})
