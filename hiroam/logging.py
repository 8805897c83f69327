"""Log formatting: JSON lines in production, every line tagged with the request id, and
nothing that looks like a secret ever written out.

Three nets, because a secret can reach a log line in three ways: under a telling key
(`extra={"api_key": ...}`, a provider's JSON with `ac` or `activationCode`), in a recognisable
shape inside free text (`Bearer ...`, `token=...`, an LPA activation string, a Paddle signature,
a JWT), or verbatim anywhere (the configured keys themselves, however they got there)."""

import json
import logging
import re
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from django.conf import settings

from hiroam import request_context

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = set(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "request_id",
}

_SECRET_KEY_PATTERN = re.compile(
    r"pass(word)?|secret|token|authori[sz]ation|api[_-]?key|signature|cookie|access[_-]?code"
    # eSIM activation codes: ours (activation_code, manual_code) and eSIM Access's (ac, ...).
    r"|activation[_-]?code|manual[_-]?code|^ac$|^lpa",
    re.IGNORECASE,
)
# Secrets inside free text; group 1 (kept) says what was there.
_SECRET_TEXT_PATTERNS = (
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE),
    re.compile(
        r"((?:password|secret|token|api_key|apikey|signature|activation_?code)[\"']?\s*[:=]\s*"
        r"[\"']?)[^\s\"',;&]+",
        re.IGNORECASE,
    ),
    # An eSIM's activation string (what its QR code holds): LPA:1$<SM-DP+ address>$<code>.
    re.compile(r"(LPA:1\$)[^\s\"'<>,;]+", re.IGNORECASE),
    # Paddle-Signature: ts=...;h1=<HMAC>.
    re.compile(r"(h1=)[0-9a-f]+", re.IGNORECASE),
    # A JSON Web Token (our access and refresh tokens).
    re.compile(r"()eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+"),
)
REDACTED = "[redacted]"
# Configured secrets shorter than this are not searched for verbatim (too many false hits).
_MIN_VERBATIM_LENGTH = 8


@lru_cache(maxsize=8)
def _verbatim_pattern(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    longest_first = sorted({s for s in secrets if len(s) >= _MIN_VERBATIM_LENGTH}, key=len)[::-1]
    return re.compile("|".join(map(re.escape, longest_first))) if longest_first else None


def configured_secrets() -> tuple[str, ...]:
    """Every secret in the settings: provider keys, webhook secrets, Django's and the field
    encryption keys (current and previous ones)."""
    if not settings.configured:
        return ()
    single = (
        "SECRET_KEY",
        "ESIM_ACCESS_CODE",
        "ESIM_SECRET_KEY",
        "PADDLE_API_KEY",
        "SENDGRID_API_KEY",
        "DEMO_ADMIN_PASSWORD",
    )
    several = ("SECRET_KEY_FALLBACKS", "FIELD_ENCRYPTION_KEYS", "PADDLE_WEBHOOK_SECRETS")
    values = [getattr(settings, name, "") for name in single]
    for name in several:
        values.extend(getattr(settings, name, None) or [])
    return tuple(str(value) for value in values if value)


def redact_text(text: str) -> str:
    for pattern in _SECRET_TEXT_PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    verbatim = _verbatim_pattern(configured_secrets())
    return verbatim.sub(REDACTED, text) if verbatim else text


def redact_mapping(value: Any) -> Any:
    """A copy of `value` with the values of secret-looking keys replaced."""
    if isinstance(value, dict):
        return {
            key: REDACTED
            if isinstance(key, str) and _SECRET_KEY_PATTERN.search(key)
            else redact_mapping(item)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_mapping(item) for item in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_context.current_request_id() or "-"
        return True


class RedactSecretsFilter(logging.Filter):
    """Masks secrets in the message and in structured extras before any handler sees them."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        for key in set(record.__dict__) - _STANDARD_ATTRIBUTES:
            if _SECRET_KEY_PATTERN.search(key):
                setattr(record, key, REDACTED)
            else:
                setattr(record, key, redact_mapping(getattr(record, key)))
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text: the traceback (its messages, its locals' reprs in
            # the lines) is written redacted by every formatter, JSON or text.
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        for key in set(record.__dict__) - _STANDARD_ATTRIBUTES:
            entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = redact_text(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)
