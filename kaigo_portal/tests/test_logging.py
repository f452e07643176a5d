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
     ("1234567890123 is 13 digits", "1234567890123 is 13 digits")],
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
