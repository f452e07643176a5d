"""The portal client: refusals become the agent's errors (and exit codes)."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request

import pytest

from cardreader_agent import errors
from cardreader_agent.client import Challenge, PortalClient


def refuse(monkeypatch, status: int, body: dict | bytes):
    payload = body if isinstance(body, bytes) else json.dumps(body).encode()

    def urlopen(request, timeout):
        raise urllib.error.HTTPError(request.full_url, status, "refused", {}, io.BytesIO(payload))

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (400, "identity.challenge_expired", errors.ChallengeExpired),
        (400, "identity.code_expired", errors.ChallengeExpired),
        (400, "identity.revoked", errors.CertificateRefused),
        (400, "identity.unknown_ca", errors.CertificateRefused),
        (400, "identity.replayed", errors.CertificateRefused),
        (403, "identity.wrong_device", errors.CertificateRefused),
        (401, "not_authenticated", errors.PortalError),
        (400, "verification.not_qualified", errors.PortalError),
        (502, "", errors.PortalUnreachable),
    ],
)
def test_refusals_map_to_agent_errors(monkeypatch, status, code, expected):
    refuse(monkeypatch, status, {"error": {"code": code, "message": "理由"}})
    client = PortalClient("http://portal.test", api_key="k")
    with pytest.raises(expected) as caught:
        client.submit_verification(challenge=Challenge("1", b"n"), certificate=b"c", signature=b"s")
    if expected in (errors.CertificateRefused, errors.PortalError):
        assert caught.value.message == "理由"


def test_a_body_that_is_not_json_is_still_a_refusal(monkeypatch):
    refuse(monkeypatch, 403, b"<html>Forbidden</html>")
    with pytest.raises(errors.PortalError):
        PortalClient("http://portal.test", api_key="k").create_challenge()


def test_the_key_goes_in_the_authorization_header(monkeypatch):
    seen = {}

    class Answer(io.BytesIO):
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    def urlopen(request, timeout):
        seen.update(
            url=request.full_url, auth=request.get_header("Authorization"), method=request.get_method()
        )
        return Answer(json.dumps({"id": 7, "nonce": "bm9uY2U=", "expires_at": "x"}).encode())

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    challenge = PortalClient("http://portal.test/", api_key="kp_1").create_challenge()
    assert challenge == Challenge("7", b"nonce")
    assert seen == {
        "url": "http://portal.test/api/v1/identity/challenges/",
        "auth": "Api-Key kp_1",
        "method": "POST",
    }
