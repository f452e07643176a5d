"""`kaigo-agent`: readers, verify (本人確認 at the office), login --code (a person signs in at home).

Exit codes: 0 success; 2 usage; 10 PC/SC not running; 11 no reader; 12 no card / removed; 13 not a My
Number card; 14 wrong PIN; 15 PIN blocked; 16 challenge expired; 17 portal unreachable; 18 certificate
refused; 19 configuration; 20 unexpected card answer; 21 other portal refusal.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import re
import sys
from collections.abc import Callable

from cardreader_agent import apdu, pcsc
from cardreader_agent.client import PortalClient
from cardreader_agent.config import load_config
from cardreader_agent.errors import AgentError, NoReader, WrongPin

log = logging.getLogger("cardreader_agent")
CODE_RE = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}$")


def prompt_pin(tries_left: int, wrong: WrongPin | None) -> str | None:
    """Asks for the 4-digit PIN without echo; empty input gives up."""
    while True:
        pin = getpass.getpass(f"利用者証明用暗証番号（数字4桁、残り{tries_left}回）: ")
        if not pin:
            return None
        if len(pin) == 4 and pin.isascii() and pin.isdigit():
            return pin
        print("数字4桁で入力してください。", file=sys.stderr)


def read_card(config, *, nonce: bytes, ask_pin: Callable) -> tuple[bytes, bytes]:
    reader = pcsc.choose_reader(config.reader)
    log.info("reader %s: waiting for a card", reader)
    pcsc.wait_for_card(reader, timeout=config.card_timeout)

    def ask(tries_left: int, wrong: WrongPin | None) -> str | None:
        if wrong is not None:
            print(f"エラー：{wrong.message}", file=sys.stderr)
        return ask_pin(tries_left, wrong)

    with pcsc.exclusive_connection(reader) as connection:
        return apdu.read_and_sign(connection, challenge=nonce, ask_pin=ask)


def cmd_readers(args, out) -> int:
    statuses = pcsc.reader_statuses()
    if not statuses:
        raise NoReader()
    for status in statuses:
        print(f"{status.name}\t{'カードあり' if status.card_present else 'カードなし'}", file=out)
    return 0


def cmd_verify(args, out, ask_pin=prompt_pin) -> int:
    config = load_config(args.config)
    client = PortalClient(config.portal_url, api_key=config.api_key())
    challenge = client.create_challenge()
    print("カードリーダーにマイナンバーカードを置いてください。", file=out)
    certificate, signature = read_card(config, nonce=challenge.nonce, ask_pin=ask_pin)
    answer = client.submit_verification(challenge=challenge, certificate=certificate, signature=signature)
    person = answer.get("person", {})
    # Name and insured number only: the 12-digit My Number is never read, so it cannot be shown.
    print(
        f"本人確認ができました：{person.get('name', '')}（被保険者番号 {person.get('insured_number', '')}）",
        file=out,
    )
    return 0


def cmd_login(args, out, ask_pin=prompt_pin) -> int:
    code = args.code.strip().upper()
    if not CODE_RE.match(code):
        print("コードは XXXX-XXXX の形式で入力してください。", file=sys.stderr)
        return 2
    config = load_config(args.config)
    client = PortalClient(config.portal_url)
    challenge = client.device_code_challenge(code)
    print("カードリーダーにマイナンバーカードを置いてください。", file=out)
    certificate, signature = read_card(config, nonce=challenge.nonce, ask_pin=ask_pin)
    client.device_code_complete(code=code, certificate=certificate, signature=signature)
    print("サインインしました。ブラウザに戻ってください。", file=out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kaigo-agent", description="介護ポータル カードリーダーエージェント"
    )
    parser.add_argument("--config", help="設定ファイル（既定: ~/.config/kaigo-agent/config.toml）")
    parser.add_argument("-v", "--verbose", action="store_true", help="詳細なログを表示する")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("readers", help="カードリーダーとカードの有無を表示する").set_defaults(func=cmd_readers)
    sub.add_parser("verify", help="マイナンバーカードで本人確認をする").set_defaults(func=cmd_verify)
    login = sub.add_parser("login", help="ブラウザに表示されたコードでサインインする")
    login.add_argument("--code", required=True, help="ブラウザに表示されたコード（XXXX-XXXX）")
    login.set_defaults(func=cmd_login)
    return parser


def main(argv: list[str] | None = None, *, out=None, ask_pin=None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    out = out or sys.stdout
    try:
        if ask_pin is not None and args.command != "readers":
            return args.func(args, out, ask_pin=ask_pin)
        return args.func(args, out)
    except AgentError as error:
        print(f"エラー：{error.message}", file=sys.stderr)
        log.info("failed: %s", error.code)
        return error.exit_code
    except KeyboardInterrupt:
        print("中断しました。", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
