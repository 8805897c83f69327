"""Paddle-Signature: `ts=<unix seconds>;h1=<hex>[;h1=<hex>...]`, where h1 is HMAC-SHA256 keyed
with the notification destination's secret over `"<ts>:<raw body>"` (PROVIDERS.md)."""

import hashlib
import hmac
from collections.abc import Sequence

HEADER = "Paddle-Signature"


class WebhookSignatureError(Exception):
    """The webhook is not provably from Paddle; `reason` says why (for our logs only)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _digest(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, body: bytes, timestamp: int) -> str:
    return f"ts={timestamp};h1={_digest(secret, str(timestamp), body)}"


def verify_signature(
    *,
    header: str | None,
    body: bytes,
    secrets: Sequence[str],
    now: float,
    tolerance_seconds: float = 5,
) -> None:
    """Raises WebhookSignatureError unless one of the header's h1 values matches one of our
    secrets over the raw body, and the timestamp is within the tolerance of `now`."""
    if not header:
        raise WebhookSignatureError("missing Paddle-Signature header")
    timestamp, signatures = "", []
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == "ts":
            timestamp = value
        elif key == "h1" and value:
            signatures.append(value.lower())
    # ASCII digits only, and few: str.isdigit() admits "²", which int() refuses, and int()
    # refuses over 4300 digits.
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12) or not signatures:
        raise WebhookSignatureError("malformed Paddle-Signature header")
    if abs(now - int(timestamp)) > tolerance_seconds:
        raise WebhookSignatureError("timestamp outside tolerance")
    expected = [_digest(secret, timestamp, body) for secret in secrets if secret]
    # Every pair is compared (constant time each), so timing says nothing about which matched.
    matches = [hmac.compare_digest(mine, theirs) for mine in expected for theirs in signatures]
    if not any(matches):
        raise WebhookSignatureError("signature mismatch")
