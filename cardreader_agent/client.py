"""The portal's identity API, over HTTPS with the standard library only.

Challenges:    POST /api/v1/identity/challenges/                  -> {"id", "nonce", "expires_at"}
Verification:  POST /api/v1/identity/verifications/               {"challenge", "certificate", "signature"}
Device code:   GET  /api/v1/identity/device-codes/<code>/          -> {"nonce", "expires_at"} (no key)
               POST /api/v1/identity/device-codes/<code>/complete/ {"certificate", "signature"}
Binary values travel as base64. Errors come back as {"error": {"code", "message"}} (STYLE.md 13).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass

from cardreader_agent.errors import (
    CertificateRefused,
    ChallengeExpired,
    PortalError,
    PortalUnreachable,
)

EXPIRED_CODES = {"identity.challenge_expired", "identity.code_expired"}


@dataclass(frozen=True)
class Challenge:
    id: str
    nonce: bytes


class PortalClient:
    def __init__(self, base_url: str, *, api_key: str | None = None, timeout: float = 15.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = timeout

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"Accept": "application/json", "User-Agent": "kaigo-agent"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["Authorization"] = f"Api-Key {self.api_key}"
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            raise self._refusal(error) from None
        except (urllib.error.URLError, OSError, ValueError):
            raise PortalUnreachable() from None

    @staticmethod
    def _refusal(error: urllib.error.HTTPError) -> Exception:
        try:
            payload = json.loads(error.read())["error"]
            code, message = payload.get("code", ""), payload.get("message", "")
        except (ValueError, KeyError, TypeError, AttributeError):
            code, message = "", ""
        if code in EXPIRED_CODES:
            return ChallengeExpired()
        if code.startswith("identity."):
            return CertificateRefused(message or None)
        if error.code in (401, 403):
            return PortalError(
                message or "ポータルが API キーを受け付けませんでした（無効、失効、または権限なし）。"
            )
        if error.code >= 500:
            return PortalUnreachable("ポータルでエラーが発生しました。しばらくしてから再度お試しください。")
        return PortalError(message or f"ポータルが要求を拒否しました（HTTP {error.code}）。")

    def create_challenge(self) -> Challenge:
        answer = self._call("POST", "/api/v1/identity/challenges/", {})
        return Challenge(id=str(answer["id"]), nonce=base64.b64decode(answer["nonce"]))

    def submit_verification(self, *, challenge: Challenge, certificate: bytes, signature: bytes) -> dict:
        return self._call(
            "POST",
            "/api/v1/identity/verifications/",
            {
                "challenge": challenge.id,
                "certificate": base64.b64encode(certificate).decode(),
                "signature": base64.b64encode(signature).decode(),
            },
        )

    def device_code_challenge(self, code: str) -> Challenge:
        answer = self._call("GET", f"/api/v1/identity/device-codes/{code}/")
        return Challenge(id=code, nonce=base64.b64decode(answer["nonce"]))

    def device_code_complete(self, *, code: str, certificate: bytes, signature: bytes) -> dict:
        return self._call(
            "POST",
            f"/api/v1/identity/device-codes/{code}/complete/",
            {
                "certificate": base64.b64encode(certificate).decode(),
                "signature": base64.b64encode(signature).decode(),
            },
        )
