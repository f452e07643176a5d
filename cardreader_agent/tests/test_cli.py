"""The CLI: exit codes and Japanese messages for each failure; the PIN never in output or logs."""

from __future__ import annotations

import contextlib
import subprocess
import sys

import pytest

from cardreader_agent import cli, errors, pcsc
from cardreader_agent.client import Challenge, PortalClient
from cardreader_agent.tests import test_apdu as scripts
from cardreader_agent.tests.fakes import ScriptedConnection


@pytest.fixture
def config(tmp_path, monkeypatch):
    key = tmp_path / "api-key"
    key.write_text("kp_device_key\n")
    key.chmod(0o600)
    path = tmp_path / "config.toml"
    path.write_text(f'portal_url = "http://portal.test"\napi_key_file = "{key}"\nreader = "R1"\n')
    monkeypatch.setenv("KAIGO_AGENT_CONFIG", str(path))
    monkeypatch.setattr(pcsc, "choose_reader", lambda name: name)
    monkeypatch.setattr(pcsc, "wait_for_card", lambda reader, timeout: None)
    return path


def use_card(monkeypatch, script):
    connection = ScriptedConnection(script)

    @contextlib.contextmanager
    def connect(reader):
        assert reader == "R1"
        yield connection

    monkeypatch.setattr(pcsc, "exclusive_connection", connect)
    return connection


def happy_script(nonce: bytes, pin_hex="31323334"):
    return [
        scripts.SELECT_JPKI,
        *scripts.read_token(),
        *scripts.read_cert(),
        *scripts.lookup("63C3"),
        *scripts.verify(pin_hex, "9000"),
        *scripts.sign_script(nonce),
    ]


def test_verify_prints_who_was_verified(config, monkeypatch, capsys):
    posted = {}
    monkeypatch.setattr(PortalClient, "create_challenge", lambda self: Challenge(id="c1", nonce=b"N"))

    def submit(self, *, challenge, certificate, signature):
        posted.update(key=self.api_key, challenge=challenge.id, certificate=certificate, signature=signature)
        return {"person": {"name": "介護 花子", "insured_number": "0000000001"}}

    monkeypatch.setattr(PortalClient, "submit_verification", submit)
    card = use_card(monkeypatch, happy_script(b"N"))
    assert cli.main(["verify"], ask_pin=lambda t, w: "1234") == 0
    assert card.done()
    assert posted == {
        "key": "kp_device_key",
        "challenge": "c1",
        "certificate": scripts.CERT,
        "signature": scripts.SIGNATURE,
    }
    out = capsys.readouterr()
    assert "本人確認ができました：介護 花子（被保険者番号 0000000001）" in out.out
    assert "1234" not in out.out + out.err


@pytest.mark.parametrize(
    ("error", "exit_code", "message"),
    [
        (errors.PcscUnavailable(), 10, "pcscd"),
        (errors.NoReader(), 11, "カードリーダーが見つかりません"),
        (errors.NoCard(), 12, "取り外されました"),
        (errors.NotMyNumberCard(), 13, "マイナンバーカードではありません"),
        (errors.WrongPin(2), 14, "残り2回"),
        (errors.PinBlocked(), 15, "市区町村窓口で再設定してください"),
        (errors.ChallengeExpired(), 16, "有効期限"),
        (errors.PortalUnreachable(), 17, "ポータルに接続できません"),
        (errors.CertificateRefused("失効した電子証明書です。"), 18, "失効した電子証明書です。"),
        (errors.ConfigError(), 19, "設定ファイル"),
        (errors.CardError("SIGN", 0x6A86), 20, "SW=6A86"),
    ],
)
def test_each_failure_has_its_exit_code_and_a_japanese_message(
    config, monkeypatch, capsys, error, exit_code, message
):
    monkeypatch.setattr(PortalClient, "create_challenge", lambda self: Challenge(id="c1", nonce=b"N"))

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(cli, "read_card", fail)
    assert cli.main(["verify"]) == exit_code
    assert message in capsys.readouterr().err


def test_exit_codes_are_distinct():
    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.AgentError)]
    codes = [c.exit_code for c in classes if c is not errors.AgentError]
    assert len(codes) == len(set(codes))


def test_an_api_key_file_others_can_read_is_refused(config, tmp_path, capsys):
    (tmp_path / "api-key").chmod(0o644)
    assert cli.main(["verify"]) == 19
    assert "chmod 600" in capsys.readouterr().err


def test_the_portal_unreachable_is_its_own_exit_code(config, capsys):
    # Nothing listens on port 9 of localhost.
    config.write_text(config.read_text().replace("http://portal.test", "http://127.0.0.1:9"))
    assert cli.main(["verify"]) == 17


def test_login_takes_the_code_from_the_browser(config, monkeypatch, capsys):
    completed = {}
    monkeypatch.setattr(
        PortalClient, "device_code_challenge", lambda self, code: Challenge(id=code, nonce=b"D")
    )

    def complete(self, *, code, certificate, signature):
        completed.update(code=code, key=self.api_key)
        return {}

    monkeypatch.setattr(PortalClient, "device_code_complete", complete)
    use_card(monkeypatch, happy_script(b"D"))
    assert cli.main(["login", "--code", "abcd-2345"], ask_pin=lambda t, w: "1234") == 0
    assert completed == {"code": "ABCD-2345", "key": None}  # a person at home has no device key
    assert "サインインしました" in capsys.readouterr().out


def test_login_refuses_a_malformed_code(config, capsys):
    assert cli.main(["login", "--code", "12345"]) == 2
    assert "XXXX-XXXX" in capsys.readouterr().err


def test_there_is_no_pin_argument():
    with pytest.raises(SystemExit):
        cli.main(["verify", "--pin", "1234"])


def test_the_agent_never_imports_django():
    code = (
        "import sys, cardreader_agent.cli, cardreader_agent.client, cardreader_agent.pcsc, cardreader_agent.apdu;"
        "sys.exit(1 if any(m == 'django' or m.startswith('django.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
