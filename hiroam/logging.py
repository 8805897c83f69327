"""Log formatting: JSON lines in production, every line tagged with the request id, and
nothing that looks like a secret ever written out."""

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from hiroam import request_context

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRIBUTES = set(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
    "request_id",
}

_SECRET_KEY_PATTERN = re.compile(
    r"pass(word)?|secret|token|authori[sz]ation|api[_-]?key|signature|cookie|access[_-]?code",
    re.IGNORECASE,
)
# Bearer tokens and key=value secrets inside free text.
_SECRET_TEXT_PATTERNS = (
    re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE),
    re.compile(
        r"((?:password|secret|token|api_key|apikey)[\"']?\s*[:=]\s*[\"']?)[^\s\"',;&]+",
        re.IGNORECASE,
    ),
)
REDACTED = "[redacted]"


def redact_text(text: str) -> str:
    for pattern in _SECRET_TEXT_PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + REDACTED, text)
    return text


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
