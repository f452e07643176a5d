"""A virtual My Number card (JPKI AP only) for pcscd's vpcd driver (card.md Part 2).

`JpkiCardModel` answers APDUs as card.md §2.3 says a card must; `VirtualCard` connects it to vpcd's TCP
socket (the driver is the server on 127.0.0.1:35963 for "Virtual PCD 00 00") in a thread. Closing the
socket is taking the card out of the reader. For tests and the demo only: test keys, test PINs.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric import rsa

log = logging.getLogger(__name__)

ATR = bytes.fromhex("3BE000FF8131FE4514")  # OpenSC's jpki ATR (contact)
JPKI_AP = bytes.fromhex("D392F000260100000001")
TEXT_AP = bytes.fromhex("D3921000310001010408")
VPCD_PORT = 35963


def _sw(value: int) -> bytes:
    return value.to_bytes(2, "big")


def pkcs1_v15_sign_raw(key: rsa.RSAPrivateKey, digest_info: bytes) -> bytes:
    """What the card does with `80 2A 00 80`: type-1 padding of the given DigestInfo, then the RSA private
    operation (cryptography's sign() would hash again)."""
    numbers = key.private_numbers()
    size = (key.key_size + 7) // 8
    if len(digest_info) > size - 11:
        raise ValueError("too long")
    encoded = b"\x00\x01" + b"\xff" * (size - 3 - len(digest_info)) + b"\x00" + digest_info
    value = pow(int.from_bytes(encoded, "big"), numbers.d, numbers.public_numbers.n)
    return value.to_bytes(size, "big")


@dataclass
class Pin:
    value: bytes
    tries_max: int
    tries: int = -1
    verified: bool = False

    def __post_init__(self):
        if self.tries < 0:
            self.tries = self.tries_max


@dataclass
class JpkiCardModel:
    """The JPKI AP's files, PINs and keys, and the commands the agent and OpenSC send."""

    auth_certificate: bytes
    auth_key: rsa.RSAPrivateKey
    ca_certificate: bytes
    auth_pin: str = "1234"
    sign_password: str = "TESTPASS1"
    sign_certificate: bytes | None = None
    sign_key: rsa.RSAPrivateKey | None = None
    token: bytes = b"JPKIAPICCTOKEN2"
    selected_aids: list[bytes] = field(default_factory=list)
    commands: int = 0

    def __post_init__(self):
        self.pins = {0x0018: Pin(self.auth_pin.encode(), 3), 0x001B: Pin(self.sign_password.encode(), 5)}
        self.files = {
            0x0006: self.token.ljust(32, b" ") + bytes(128),
            0x0008: b"\x8f\x8f\x00",
            0x000A: self.auth_certificate,
            0x000B: self.ca_certificate,
            0x0002: self.ca_certificate,
        }
        if self.sign_certificate is not None:
            self.files[0x0001] = self.sign_certificate
        self.power_off()

    def power_off(self) -> None:
        self.ap: bytes | None = None
        self.ef: int | None = None
        for pin in self.pins.values():
            pin.verified = False

    def transmit_bytes(self, command: bytes) -> bytes:
        self.commands += 1
        if len(command) < 4:
            return _sw(0x6700)
        cla, ins, p1, p2 = command[:4]
        body = command[5 : 5 + command[4]] if len(command) > 5 else b""
        if ins == 0xA4:
            return self._select(p1, body)
        if self.ap != JPKI_AP:
            return _sw(0x6D00) if ins not in (0xB0, 0x20, 0x2A) else _sw(0x6982)
        if ins == 0xB0 and cla == 0x00:
            le = command[4] if len(command) == 5 else 0
            return self._read(((p1 & 0x7F) << 8) | p2, le or 256)
        if ins == 0x20 and (p1, p2) == (0x00, 0x80):
            return self._verify(command[5:] if len(command) > 5 else b"")
        if ins == 0x2A and cla == 0x80:
            return self._sign(body, p1, p2)
        return _sw(0x6D00)

    def transmit(self, apdu: list[int]) -> tuple[list[int], int, int]:
        """pyscard's shape, so that the model can stand in for a connection."""
        response = self.transmit_bytes(bytes(apdu))
        return list(response[:-2]), response[-2], response[-1]

    def _select(self, p1: int, body: bytes) -> bytes:
        if p1 == 0x04:
            self.selected_aids.append(body)
            if body == JPKI_AP:
                self.ap, self.ef = JPKI_AP, None
                return _sw(0x9000)
            self.ap = None
            return _sw(0x6A82)
        if p1 == 0x02 and self.ap == JPKI_AP and len(body) == 2:
            fid = int.from_bytes(body, "big")
            if fid in self.files or fid in self.pins or fid in (0x0017, 0x001A):
                self.ef = fid
                return _sw(0x9000)
        return _sw(0x6A82)

    def _read(self, offset: int, length: int) -> bytes:
        data = self.files.get(self.ef) if self.ef is not None else None
        if data is None:
            return _sw(0x6986)
        if self.ef == 0x0001 and not self.pins[0x001B].verified:
            return _sw(0x6982)
        if offset >= len(data):
            return _sw(0x6B00)
        return data[offset : offset + length] + _sw(0x9000)

    def _verify(self, value: bytes) -> bytes:
        pin = self.pins.get(self.ef) if self.ef is not None else None
        if pin is None:
            return _sw(0x6A82)
        if not value:
            return _sw(0x63C0 | pin.tries)  # lookup: tries left, also when verified (card.md §2.7.8)
        if pin.tries == 0:
            return _sw(0x6983)
        if value.upper() == pin.value:
            pin.tries, pin.verified = pin.tries_max, True
            return _sw(0x9000)
        pin.tries -= 1
        pin.verified = False
        return _sw(0x63C0 | pin.tries)

    def _sign(self, digest_info: bytes, p1: int, p2: int) -> bytes:
        if (p1, p2) != (0x00, 0x80):
            return _sw(0x6A86)
        if self.ef == 0x0017 and self.pins[0x0018].verified:
            key = self.auth_key
        elif self.ef == 0x001A and self.pins[0x001B].verified and self.sign_key is not None:
            key = self.sign_key
        else:
            return _sw(0x6982)
        try:
            return pkcs1_v15_sign_raw(key, digest_info) + _sw(0x9000)
        except ValueError:
            return _sw(0x6700)


class VirtualCard:
    """Inserts `model` into vpcd's reader (port 35963 = "Virtual PCD 00 00") until `remove()`.

    `remove_after_commands`: take the card out after that many APDUs (a card pulled out mid-read).
    """

    def __init__(
        self,
        model: JpkiCardModel,
        *,
        host: str = "127.0.0.1",
        port: int = VPCD_PORT,
        remove_after_commands: int | None = None,
    ):
        self.model = model
        self.address = (host, port)
        self.remove_after_commands = remove_after_commands
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def insert(self, timeout: float = 5.0) -> VirtualCard:
        self._socket = socket.create_connection(self.address, timeout=timeout)
        self._socket.settimeout(None)
        self._thread = threading.Thread(target=self._serve, name="virtual-card", daemon=True)
        self._thread.start()
        return self

    def remove(self) -> None:
        self._stop.set()
        if self._socket is not None:
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
            self._socket.close()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)

    def __enter__(self) -> VirtualCard:
        return self.insert()

    def __exit__(self, *exc) -> None:
        self.remove()

    def _receive(self, size: int) -> bytes | None:
        data = b""
        while len(data) < size:
            chunk = self._socket.recv(size - len(data))
            if not chunk:
                return None
            data += chunk
        return data

    def _send(self, payload: bytes) -> None:
        self._socket.sendall(struct.pack(">H", len(payload)) + payload)

    def _serve(self) -> None:
        try:
            while not self._stop.is_set():
                header = self._receive(2)
                if header is None:
                    return
                payload = self._receive(struct.unpack(">H", header)[0])
                if payload is None:
                    return
                if len(payload) == 1:
                    if payload[0] in (0x00, 0x02):
                        self.model.power_off()
                    elif payload[0] == 0x04:
                        self._send(ATR)
                    continue
                if (
                    self.remove_after_commands is not None
                    and self.model.commands >= self.remove_after_commands
                ):
                    self._stop.set()
                    self._socket.close()
                    return
                self._send(self.model.transmit_bytes(payload))
        except OSError:
            return
