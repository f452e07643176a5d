"""PC/SC through pyscard: readers, waiting for a card, and one exclusive connection.

pyscard powers the card off on disconnect by default (card.md §2.7.1), which wipes the PIN state, so the
whole read–verify–sign runs inside one exclusive connection opened here.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass

from cardreader_agent.errors import NoCard, NoReader, PcscUnavailable


@dataclass(frozen=True)
class ReaderStatus:
    name: str
    card_present: bool


def _smartcard():
    try:
        from smartcard import System  # noqa: F401
        from smartcard.pcsc import PCSCExceptions  # noqa: F401
    except ImportError:
        raise PcscUnavailable(
            "pyscard がインストールされていません（pip install 'kaigo-portal[agent]'）。"
        ) from None
    import smartcard

    return smartcard


def reader_names() -> list[str]:
    _smartcard()
    from smartcard.scard import (
        SCARD_S_SUCCESS,
        SCARD_SCOPE_USER,
        SCardEstablishContext,
        SCardListReaders,
        SCardReleaseContext,
    )

    result, context = SCardEstablishContext(SCARD_SCOPE_USER)
    if result != SCARD_S_SUCCESS:
        raise PcscUnavailable()
    try:
        result, readers = SCardListReaders(context, [])
        if result != SCARD_S_SUCCESS:
            return []  # SCARD_E_NO_READERS_AVAILABLE
        return list(readers)
    finally:
        SCardReleaseContext(context)


def reader_statuses() -> list[ReaderStatus]:
    _smartcard()
    from smartcard.scard import (
        SCARD_S_SUCCESS,
        SCARD_SCOPE_USER,
        SCARD_STATE_PRESENT,
        SCARD_STATE_UNAWARE,
        SCardEstablishContext,
        SCardGetStatusChange,
        SCardReleaseContext,
    )

    names = reader_names()
    if not names:
        return []
    result, context = SCardEstablishContext(SCARD_SCOPE_USER)
    if result != SCARD_S_SUCCESS:
        raise PcscUnavailable()
    try:
        result, states = SCardGetStatusChange(context, 0, [(n, SCARD_STATE_UNAWARE) for n in names])
        return [ReaderStatus(name, bool(state & SCARD_STATE_PRESENT)) for name, state, _atr in states]
    finally:
        SCardReleaseContext(context)


def choose_reader(configured: str | None) -> str:
    """The configured reader by exact name, else the first reader (card.md §2.7.3: vpcd shows two)."""
    names = reader_names()
    if not names:
        raise NoReader()
    if configured:
        if configured not in names:
            raise NoReader(f"設定されたカードリーダー「{configured}」が見つかりません。")
        return configured
    return names[0]


def wait_for_card(reader: str, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        for status in reader_statuses():
            if status.name == reader and status.card_present:
                return
        if time.monotonic() >= deadline:
            raise NoCard("カードが置かれていません。カードリーダーにマイナンバーカードを置いてください。")
        time.sleep(0.1)


class ExclusiveConnection:
    """pyscard's connection in exclusive mode; every PC/SC failure becomes NoCard, without the APDU
    (which may hold the PIN) in the message or the traceback."""

    def __init__(self, raw):
        self.raw = raw

    def transmit(self, apdu: list[int]) -> tuple[list[int], int, int]:
        from smartcard.Exceptions import CardConnectionException

        try:
            return self.raw.transmit(apdu)
        except CardConnectionException:
            raise NoCard() from None


@contextlib.contextmanager
def exclusive_connection(reader: str):
    _smartcard()
    from smartcard.Exceptions import CardConnectionException, NoCardException
    from smartcard.scard import SCARD_SHARE_EXCLUSIVE, SCARD_UNPOWER_CARD
    from smartcard.System import readers

    match = [r for r in readers() if str(r) == reader]
    if not match:
        raise NoReader()
    raw = match[0].createConnection()
    try:
        # Unpower on disconnect on purpose: the PIN-verified state must not outlive this connection.
        raw.connect(mode=SCARD_SHARE_EXCLUSIVE, disposition=SCARD_UNPOWER_CARD)
    except (NoCardException, CardConnectionException):
        raise NoCard() from None
    try:
        yield ExclusiveConnection(raw)
    finally:
        with contextlib.suppress(Exception):
            raw.disconnect()
