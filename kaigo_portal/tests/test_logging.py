"""Nothing that looks like a My Number, PIN, password or key leaves in a log line; every line has the request id."""

import logging

import pytest

from kaigo_portal.logging import RedactFilter, RequestIDFilter, redact, request_id_var


@pytest.mark.parametrize(
    ("line", "expected"),
    [("card 123456789012 read", "card [redacted] read"),
     ("password=hunter2 ok", "password=[redacted] ok"),
     ("PIN: 1234", "PIN: [redacted]"),
     ("api_key='kp_ab.cd' used", "api_key=[redacted] used"),
     ("insured 0000000042 at 131011", "insured 0000000042 at 131011"),  # 10 and 6 digits stay
     ("1234567890123 is 13 digits", "1234567890123 is 13 digits"),
     ("typed 1234 5678 9018 and 1234-5678-9018", "typed [redacted] and [redacted]"),  # the card's groups
     ("Authorization: Api-Key kp_0a1b2c3d.Zx_9-abc", "Authorization: Api-Key kp_[redacted]"),
     ("GET /accounts/password/reset/key/1-cc2abc-99f0e/ 200", "GET /accounts/password/reset/key/1-[redacted]/ 200"),
     ("GET /accounts/password/reset/key/1-set-password/ 200", "GET /accounts/password/reset/key/1-set-password/ 200"),
     ("/api/v1/identity/device-codes/AB12-CD34/complete/", "/api/v1/identity/device-codes/[redacted]/complete/")],
)  # fmt: skip
def test_redact(line, expected):
    assert redact(line) == expected


def test_filters_rewrite_arguments_and_add_the_request_id():
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "verify %s with pin=%s", ("123456789012", "9999"), None
    )
    token = request_id_var.set("req-abcdef12")
    try:
        assert RequestIDFilter().filter(record) and RedactFilter().filter(record)
    finally:
        request_id_var.reset(token)
    assert record.getMessage() == "verify [redacted] with pin=[redacted]"
    assert record.request_id == "req-abcdef12"


def test_without_query_keeps_the_path_and_says_a_query_was_there():
    from kaigo_portal.logging import without_query

    assert without_query("/persons/?insured_number=123456789018") == "/persons/?[redacted]"
    assert without_query("https://127.0.0.1/portal/faq/") == "https://127.0.0.1/portal/faq/"
