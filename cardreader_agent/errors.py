"""The agent's failures: each has a stable code, a Japanese message for the person at the counter, and
its own exit code. No message, argument or traceback of these ever carries the PIN."""

from __future__ import annotations


class AgentError(Exception):
    """A failure the CLI reports and exits on."""

    code = "agent.error"
    exit_code = 1
    default_message = "処理に失敗しました。"

    def __init__(self, message: str | None = None):
        self.message = message or self.default_message
        super().__init__(self.message)


class PcscUnavailable(AgentError):
    code = "agent.pcsc_unavailable"
    exit_code = 10
    default_message = (
        "スマートカードサービス（PC/SC、pcscd）が起動していません。サービスを起動してから再度お試しください。"
    )


class NoReader(AgentError):
    code = "agent.no_reader"
    exit_code = 11
    default_message = (
        "カードリーダーが見つかりません。カードリーダーの接続と設定（reader）を確認してください。"
    )


class NoCard(AgentError):
    code = "agent.no_card"
    exit_code = 12
    default_message = (
        "カードが置かれていないか、読み取り中に取り外されました。カードを置き直して、もう一度お試しください。"
    )


class NotMyNumberCard(AgentError):
    code = "agent.not_mynumber_card"
    exit_code = 13
    default_message = "マイナンバーカードではありません（公的個人認証のアプリケーションが見つかりません）。"


class WrongPin(AgentError):
    code = "agent.wrong_pin"
    exit_code = 14

    def __init__(self, tries_left: int):
        self.tries_left = tries_left
        super().__init__(
            f"暗証番号（利用者証明用、数字4桁）が違います。残り{tries_left}回間違えるとロックされます。"
        )


class PinBlocked(AgentError):
    code = "agent.pin_blocked"
    exit_code = 15
    default_message = "利用者証明用の暗証番号がロックされています。市区町村窓口で再設定してください。"


class ChallengeExpired(AgentError):
    code = "agent.challenge_expired"
    exit_code = 16
    default_message = "確認の有効期限（120秒）が切れました。もう一度最初からお試しください。"


class PortalUnreachable(AgentError):
    code = "agent.portal_unreachable"
    exit_code = 17
    default_message = (
        "ポータルに接続できません。ネットワークとポータルの URL（portal_url）を確認してください。"
    )


class CertificateRefused(AgentError):
    code = "agent.certificate_refused"
    exit_code = 18
    default_message = "ポータルがカードの電子証明書を受け付けませんでした。"


class ConfigError(AgentError):
    code = "agent.config"
    exit_code = 19
    default_message = "設定ファイルに誤りがあります。"


class CardError(AgentError):
    """An unexpected status word: names the step and the SW, never the command (which may hold the PIN)."""

    code = "agent.card_error"
    exit_code = 20

    def __init__(self, step: str, sw: int):
        self.step = step
        self.sw = sw
        super().__init__(f"カードが想定外の応答をしました（{step}: SW={sw:04X}）。")


class PortalError(AgentError):
    """The portal refused for another reason (authentication, permission, validation)."""

    code = "agent.portal_error"
    exit_code = 21
