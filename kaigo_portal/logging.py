"""Logging filters: every line carries the request id, and nothing that looks like a secret leaves."""

from __future__ import annotations

import contextvars
import logging
import re

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# A My Number is 12 digits; no identifier the portal uses is 12 digits long, so any run of exactly 12
# digits in a log line is masked, written alone or in the card's 4-4-4 groups (a space or hyphen between),
# check digit or not (kaigo_portal.numbers finds the valid ones in free text). Key=value pairs naming a
# secret are masked too.
_MY_NUMBER = re.compile(r"(?<!\d)\d{4}[ \-]?\d{4}[ \-]?\d{4}(?!\d)")
_SECRET_PAIR = re.compile(
    r"(?i)\b(password|passwd|pin|secret|api[-_]?key|token|my[-_]?number)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|\S+)"
)


# An API key as the portal issues them (kaigo_portal.accounts.services: kp_<prefix>.<secret>), wherever it
# appears (a header, a query string a client should not have used, a traceback).
_API_KEY = re.compile(r"kp_[0-9a-f]{8}\.[A-Za-z0-9_\-]+")
# allauth's password-reset link carries its key in the path (…/password/reset/key/<uid>-<key>/).
_RESET_KEY = re.compile(r"(/password/reset/key/[0-9A-Za-z]+-)(?!set-password)[^/\s\"?]+")
# The card sign-in's device code (…/identity/device-codes/ABCD-1234/) lets its holder finish a sign-in.
_DEVICE_CODE = re.compile(r"(/device-codes/)[A-Za-z0-9]{4}-[A-Za-z0-9]{4}")


def redact(text: str) -> str:
    text = _MY_NUMBER.sub("[redacted]", text)
    text = _API_KEY.sub("kp_[redacted]", text)
    text = _RESET_KEY.sub(r"\1[redacted]", text)
    text = _DEVICE_CODE.sub(r"\1[redacted]", text)
    return _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}[redacted]", text)


def without_query(url: str) -> str:
    """A URL or path without its query string: names, numbers and keys travel there, never into a log."""
    return url.split("?", 1)[0] + ("?[redacted]" if "?" in url else "")


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


# --- gunicorn -------------------------------------------------------------------------------------------
# gunicorn writes its own access and error logs, outside Django's LOGGING: its logger class is set in
# kaigo_portal/gunicorn_conf.py so that every line it writes goes through the same redaction.

_KEPT_HEADERS = {"{user-agent}i", "{referer}i", "{x-request-id}i", "{x-request-id}o", "{content-type}o",
                 "{content-length}o"}  # fmt: skip

try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # gunicorn is a production dependency only
    _GunicornLogger = object  # type: ignore[assignment,misc]


class GunicornLogger(_GunicornLogger):  # type: ignore[misc,valid-type]
    """gunicorn's logger with the portal's redaction: the request line without its query string, no
    header but a few harmless ones (never Authorization or Cookie), no environ, and every value and
    error line through `redact`."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(RedactFilter())

    def atoms(self, resp, req, environ, request_time) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["r"] = f"{atoms['m']} {without_query(environ.get('RAW_URI', ''))} {atoms['H']}"
        atoms["q"] = "[redacted]" if atoms.get("q") else ""
        atoms["f"] = without_query(atoms.get("f") or "-")
        kept = {key: value for key, value in atoms.items() if not key.startswith("{") or key in _KEPT_HEADERS}
        if "{referer}i" in kept:
            kept["{referer}i"] = without_query(kept["{referer}i"])
        return {key: redact(value) if isinstance(value, str) else value for key, value in kept.items()}
