"""Logging filters: every line carries the request id, and nothing that looks like a secret leaves."""

from __future__ import annotations

import contextvars
import logging
import re

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# A My Number is 12 digits; no identifier the portal uses is 12 digits long, so any run of exactly 12
# digits in a log line is masked. Key=value pairs naming a secret are masked too.
_MY_NUMBER = re.compile(r"(?<!\d)\d{12}(?!\d)")
_SECRET_PAIR = re.compile(
    r"(?i)\b(password|passwd|pin|secret|api[-_]?key|token|my[-_]?number)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|\S+)"
)


def redact(text: str) -> str:
    text = _MY_NUMBER.sub("[redacted]", text)
    return _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)


class RequestIDFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


class RedactFilter(logging.Filter):
    """Rewrites the formatted message so that arguments are covered too."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True
