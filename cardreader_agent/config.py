"""Configuration: portal URL, reader name and the device's API key.

A TOML file (default `~/.config/kaigo-agent/config.toml`, or $KAIGO_AGENT_CONFIG):

    portal_url = "https://portal.example.jp"
    reader = "SONY FeliCa Port/PaSoRi 4.0 00 00"   # optional: the first reader otherwise
    api_key_file = "~/.config/kaigo-agent/api-key"  # only the user may read it (chmod 600)

The key is never accepted on the command line (it would show in the process list); environment
variables KAIGO_AGENT_PORTAL_URL and KAIGO_AGENT_READER override the file.
"""

from __future__ import annotations

import os
import stat
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cardreader_agent.errors import ConfigError

DEFAULT_PATH = Path("~/.config/kaigo-agent/config.toml")


@dataclass(frozen=True)
class AgentConfig:
    portal_url: str
    reader: str | None
    api_key_file: Path | None
    card_timeout: float = 30.0

    def api_key(self) -> str:
        if self.api_key_file is None:
            raise ConfigError("API キーのファイル（api_key_file）が設定されていません。")
        path = self.api_key_file
        try:
            info = path.stat()
        except OSError:
            raise ConfigError(f"API キーのファイル {path} が読めません。") from None
        if sys.platform != "win32" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigError(
                f"API キーのファイル {path} を本人以外も読めます。chmod 600 {path} を実行してください。"
            )
        key = path.read_text().strip()
        if not key:
            raise ConfigError(f"API キーのファイル {path} が空です。")
        return key


def load_config(path: str | None = None) -> AgentConfig:
    path_ = Path(path or os.environ.get("KAIGO_AGENT_CONFIG") or DEFAULT_PATH).expanduser()
    data: dict = {}
    if path_.exists():
        try:
            data = tomllib.loads(path_.read_text())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise ConfigError(f"設定ファイル {path_} を読めません：{error}") from None
    portal_url = os.environ.get("KAIGO_AGENT_PORTAL_URL") or data.get("portal_url")
    if not portal_url or not str(portal_url).startswith(("https://", "http://")):
        raise ConfigError(f"ポータルの URL（portal_url）を {path_} に設定してください。")
    key_file = data.get("api_key_file")
    try:
        timeout = float(data.get("card_timeout", 30))
    except (TypeError, ValueError):
        raise ConfigError("card_timeout は秒数で指定してください。") from None
    return AgentConfig(
        portal_url=str(portal_url),
        reader=os.environ.get("KAIGO_AGENT_READER") or data.get("reader") or None,
        api_key_file=Path(key_file).expanduser() if key_file else None,
        card_timeout=timeout,
    )
