"""JPKI AP commands over one card connection (card.md §1.3).

`JpkiCard` talks to anything with pyscard's `transmit(list[int]) -> (data, sw1, sw2)`. Only the
公的個人認証AP (JPKI AP) may be selected: the 券面事項入力補助AP holds the 12-digit My Number, which the
agent must never read (番号法), so `select_application` refuses any other AID before it reaches the card.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from cardreader_agent.errors import CardError, NotMyNumberCard, PinBlocked, WrongPin

JPKI_AP = bytes.fromhex("D392F000260100000001")
# Never selected; named so that the guard and its test can refer to it.
TEXT_AP = bytes.fromhex("D3921000310001010408")
ALLOWED_APPLICATIONS = frozenset({JPKI_AP})

EF_TOKEN = 0x0006
EF_AUTH_CERT = 0x000A
EF_AUTH_KEY = 0x0017
EF_AUTH_PIN = 0x0018
MY_NUMBER_CARD_TOKEN = b"JPKIAPICCTOKEN2"

SW_OK = 0x9000
SW_BLOCKED = 0x6983
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_NOT_FOUND = 0x6A82

# DER DigestInfo prefix for SHA-256 (RFC 8017 §9.2 note 1).
SHA256_DIGEST_INFO_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")
MAX_CERTIFICATE_BYTES = 8192


class Connection(Protocol):
    def transmit(self, apdu: list[int]) -> tuple[list[int], int, int]: ...


def sha256_digest_info(message: bytes) -> bytes:
    """The 51-byte DER DigestInfo the card signs with PKCS#1 v1.5 padding (card.md §1.3 Signing)."""
    return SHA256_DIGEST_INFO_PREFIX + hashlib.sha256(message).digest()


def der_total_length(head: bytes) -> int:
    """Total length (header + content) of the DER element starting `head` (at least 6 bytes)."""
    if len(head) < 2 or head[0] != 0x30:
        raise ValueError("not a DER SEQUENCE")
    first = head[1]
    if first < 0x80:
        return 2 + first
    count = first & 0x7F
    if count == 0 or count > 3 or len(head) < 2 + count:
        raise ValueError("unsupported DER length")
    return 2 + count + int.from_bytes(head[2 : 2 + count], "big")


def check_pin(pin: str) -> bytes:
    """利用者証明用暗証番号: exactly 4 ASCII digits (card.md §1.2)."""
    if len(pin) != 4 or not pin.isascii() or not pin.isdigit():
        raise ValueError("利用者証明用の暗証番号は数字4桁です。")
    return pin.encode("ascii")


class JpkiCard:
    """The JPKI AP of one inserted card, on a connection the caller holds exclusively."""

    def __init__(self, connection: Connection):
        self.connection = connection

    def _send(self, apdu: bytes, step: str) -> tuple[bytes, int]:
        data, sw1, sw2 = self.connection.transmit(list(apdu))
        return bytes(data), (sw1 << 8) | sw2

    def select_application(self, aid: bytes) -> None:
        if aid not in ALLOWED_APPLICATIONS:
            raise PermissionError("the agent only ever selects the JPKI AP")
        _data, sw = self._send(bytes([0x00, 0xA4, 0x04, 0x0C, len(aid)]) + aid, "SELECT AP")
        if sw == SW_NOT_FOUND:
            raise NotMyNumberCard()
        if sw != SW_OK:
            raise CardError("SELECT AP", sw)

    def select_file(self, fid: int) -> None:
        _data, sw = self._send(bytes([0x00, 0xA4, 0x02, 0x0C, 0x02, fid >> 8, fid & 0xFF]), "SELECT EF")
        if sw == SW_NOT_FOUND:
            raise NotMyNumberCard()
        if sw != SW_OK:
            raise CardError(f"SELECT EF {fid:04X}", sw)

    def read_binary(self, offset: int, length: int) -> bytes:
        """One READ BINARY of at most 256 bytes (Le 00 = 256); the offset is 15 bits in P1P2."""
        if not 0 <= offset < 0x8000 or not 1 <= length <= 256:
            raise ValueError("READ BINARY out of range")
        data, sw = self._send(bytes([0x00, 0xB0, offset >> 8, offset & 0xFF, length & 0xFF]), "READ BINARY")
        if sw != SW_OK:
            raise CardError("READ BINARY", sw)
        return data

    def read_exact(self, offset: int, length: int) -> bytes:
        """Reads `length` bytes in chunks; a short answer is read on from where it stopped, and an empty
        one means the file ended early."""
        out = bytearray()
        while len(out) < length:
            chunk = self.read_binary(offset + len(out), min(256, length - len(out)))
            if not chunk:
                raise CardError("READ BINARY (short)", SW_OK)
            out += chunk
        return bytes(out[:length])

    def select_jpki(self) -> None:
        """SELECT the JPKI AP and check that EF 0006 names a My Number card (not 住基カード nor a phone)."""
        self.select_application(JPKI_AP)
        self.select_file(EF_TOKEN)
        token = self.read_exact(0, 32)
        if token.rstrip(b" \x00") != MY_NUMBER_CARD_TOKEN:
            raise NotMyNumberCard()

    def read_auth_certificate(self) -> bytes:
        """EF 000A, the 利用者証明用電子証明書 (DER); its length comes from the DER header, never from a
        short read."""
        self.select_file(EF_AUTH_CERT)
        head = self.read_exact(0, 6)
        try:
            total = der_total_length(head)
        except ValueError:
            raise CardError("READ CERTIFICATE", SW_OK) from None
        if total > MAX_CERTIFICATE_BYTES:
            raise CardError("READ CERTIFICATE", SW_OK)
        return head + self.read_exact(6, total - 6) if total > 6 else head[:total]

    def pin_tries_left(self) -> int:
        """VERIFY with no data on EF 0018: 63Cx gives the tries left, 6983 blocked."""
        self.select_file(EF_AUTH_PIN)
        _data, sw = self._send(bytes([0x00, 0x20, 0x00, 0x80]), "PIN LOOKUP")
        if sw == SW_BLOCKED:
            return 0
        if sw & 0xFFF0 == 0x63C0:
            return sw & 0x0F
        raise CardError("PIN LOOKUP", sw)

    def verify_pin(self, pin: str) -> None:
        """VERIFY EF 0018. Wrong: WrongPin(tries_left); 63C0 or 6983: PinBlocked."""
        value = check_pin(pin)
        self.select_file(EF_AUTH_PIN)
        command = bytearray([0x00, 0x20, 0x00, 0x80, len(value)]) + value
        try:
            _data, sw = self._send(bytes(command), "VERIFY")
        finally:
            command[:] = bytes(len(command))
        if sw == SW_OK:
            return
        if sw == SW_BLOCKED or sw == 0x63C0:
            raise PinBlocked()
        if sw & 0xFFF0 == 0x63C0:
            raise WrongPin(sw & 0x0F)
        raise CardError("VERIFY", sw)

    def sign(self, digest_info: bytes) -> bytes:
        """COMPUTE DIGITAL SIGNATURE with the auth key (EF 0017): `80 2A 00 80 Lc DigestInfo 00`."""
        self.select_file(EF_AUTH_KEY)
        data, sw = self._send(
            bytes([0x80, 0x2A, 0x00, 0x80, len(digest_info)]) + digest_info + b"\x00", "SIGN"
        )
        if sw == SW_SECURITY_NOT_SATISFIED:
            raise CardError("SIGN (暗証番号未確認)", sw)
        if sw != SW_OK:
            raise CardError("SIGN", sw)
        if len(data) != 256:
            raise CardError("SIGN (length)", sw)
        return data


def read_and_sign(connection: Connection, *, challenge: bytes, ask_pin) -> tuple[bytes, bytes]:
    """The whole card part of 本人確認 on one connection: select, read the certificate, ask the PIN,
    verify, sign SHA-256(challenge). Returns (certificate DER, signature).

    `ask_pin(tries_left, wrong)` returns the PIN, or None to give up; after a wrong PIN it is asked again
    with the tries left and the WrongPin error, so a person can correct a typo without a new read.
    """
    card = JpkiCard(connection)
    card.select_jpki()
    certificate = card.read_auth_certificate()
    tries = card.pin_tries_left()
    wrong: WrongPin | None = None
    while True:
        if tries == 0:
            raise PinBlocked()
        pin = ask_pin(tries, wrong)
        if pin is None:
            raise wrong or WrongPin(tries)
        try:
            card.verify_pin(pin)
            break
        except WrongPin as error:
            wrong, tries = error, error.tries_left
        finally:
            del pin
    return certificate, card.sign(sha256_digest_info(challenge))
